import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getQueryClient, HydrateClient, orNotFound, trpc } from "@/app/_lib/trpc/server";
import { Certificate } from "./certificate";

export const metadata: Metadata = { title: "Training certificate" };

export default async function CertificatePage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = z.uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  await orNotFound(getQueryClient().fetchQuery(trpc.training.record.queryOptions({ id: parsed.data })));
  return (
    <HydrateClient>
      <Certificate id={parsed.data} />
    </HydrateClient>
  );
}
