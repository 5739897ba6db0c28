import type { Metadata } from "next";
import { Suspense } from "react";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { AlertsView } from "./alerts-view";
import { alertInboxParams, alertsViewOf } from "./url-params";

export const metadata: Metadata = { title: "Alerts" };

/** Everyone's alert inbox, the rules they see (and may write or subscribe to), and how alerts reach them. */
export default async function AlertsPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole();
  const params = await searchParams;
  const queryClient = getQueryClient();
  const view = alertsViewOf(params.view);
  if (view === "inbox") void queryClient.prefetchQuery(trpc.alerts.list.queryOptions(parseListParams(alertInboxParams, params)));
  if (view === "rules") {
    void queryClient.prefetchQuery(trpc.alerts.rules.queryOptions());
    void queryClient.prefetchQuery(trpc.merchants.storeChoices.queryOptions());
    if (viewer.role !== "merchant") void queryClient.prefetchQuery(trpc.merchants.choices.queryOptions());
  }
  if (view === "delivery") void queryClient.prefetchQuery(trpc.alerts.settings.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <AlertsView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
