import { Suspense } from "react";
import { TableSkeleton } from "../_components/list-controls";
import { getQueryClient, HydrateClient, trpc } from "../_lib/trpc/server";
import { OverviewView } from "./overview-view";

export default function OverviewPage() {
  void getQueryClient().prefetchQuery(trpc.overview.get.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton rows={4} />}>
        <OverviewView />
      </Suspense>
    </HydrateClient>
  );
}
