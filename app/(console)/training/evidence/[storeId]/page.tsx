import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getQueryClient, HydrateClient, orNotFound, trpc } from "@/app/_lib/trpc/server";
import { Evidence } from "./evidence";

export const metadata: Metadata = { title: "PCI DSS 9.5.1 evidence" };

export default async function EvidencePage({ params }: { params: Promise<{ storeId: string }> }) {
  const parsed = z.uuid().safeParse((await params).storeId);
  if (!parsed.success) notFound();
  await orNotFound(getQueryClient().fetchQuery(trpc.training.evidence.queryOptions({ storeId: parsed.data })));
  return (
    <HydrateClient>
      <Evidence storeId={parsed.data} />
    </HydrateClient>
  );
}
