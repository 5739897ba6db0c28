import { redirect } from "next/navigation";
import { Suspense } from "react";
import { TableSkeleton } from "../_components/list-controls";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "../_lib/trpc/server";
import { MY_WORK_PATH } from "./maintenance/my-work";
import { OverviewView } from "./overview-view";

export default async function OverviewPage() {
  // A technician's day starts with their work, after sign-in and whenever they come back to the start page.
  if ((await viewerWithRole()).role === "technician") redirect(MY_WORK_PATH);
  void getQueryClient().prefetchQuery(trpc.overview.get.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton rows={4} />}>
        <OverviewView />
      </Suspense>
    </HydrateClient>
  );
}
