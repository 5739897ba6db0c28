import type { Metadata } from "next";
import { Suspense } from "react";
import { webhooksPageInput, webhooksPageQueries } from "@/server/schemas/webhooks";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { WebhooksView } from "./webhooks-view";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  // Technicians keep no webhooks: for them the page does not exist.
  const viewer = await viewerWithRole("admin", "merchant");
  const queries = webhooksPageQueries(parseListParams(webhooksPageInput, await searchParams));
  void getQueryClient().prefetchQuery(trpc.webhooks.list.queryOptions(queries.list));
  if (queries.deliveries) void getQueryClient().prefetchQuery(trpc.webhooks.deliveries.queryOptions(queries.deliveries));
  if (viewer.role === "admin") void getQueryClient().prefetchQuery(trpc.merchants.choices.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <WebhooksView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
