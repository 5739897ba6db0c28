import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { WorkOrderDetail } from "./work-order-detail";

export const metadata: Metadata = { title: "Work order" };

export default async function WorkOrderPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = z.uuid().safeParse((await params).id);
  // A mistyped link is a missing page, not a server error.
  if (!parsed.success) notFound();
  const id = parsed.data;
  const queryClient = getQueryClient();
  const order = await orNotFound(queryClient.fetchQuery(trpc.maintenance.get.queryOptions({ id })));
  const viewer = await viewerWithRole();
  if (viewer.role === "admin") void queryClient.prefetchQuery(trpc.maintenance.technicians.queryOptions({ merchantId: order.merchantId }));
  return (
    <HydrateClient>
      <WorkOrderDetail id={id} role={viewer.role} />
    </HydrateClient>
  );
}
