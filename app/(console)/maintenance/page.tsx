import type { Metadata } from "next";
import { Suspense } from "react";
import { workOrderListInput } from "@/server/schemas/maintenance";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { MaintenanceView } from "./maintenance-view";
import { isMyWork } from "./my-work";

export const metadata: Metadata = { title: "Maintenance" };

export default async function MaintenancePage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole();
  const params = await searchParams;
  const queryClient = getQueryClient();
  if (isMyWork(viewer.role, params)) void queryClient.prefetchQuery(trpc.maintenance.myWork.queryOptions());
  else if (!params.view || params.view === "list") void queryClient.prefetchQuery(trpc.maintenance.list.queryOptions(parseListParams(workOrderListInput, params)));
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <MaintenanceView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
