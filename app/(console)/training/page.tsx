import type { Metadata } from "next";
import { Suspense } from "react";
import { complianceInput, recordListInput } from "@/server/schemas/training";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { TrainingView } from "./training-view";

export const metadata: Metadata = { title: "Training" };

export default async function TrainingPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole();
  const params = await searchParams;
  const queryClient = getQueryClient();
  if (!params.view || params.view === "compliance") void queryClient.prefetchQuery(trpc.training.compliance.queryOptions(parseListParams(complianceInput, params)));
  if (params.view === "records") void queryClient.prefetchQuery(trpc.training.records.queryOptions(parseListParams(recordListInput, params)));
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <TrainingView role={viewer.role} viewer={{ id: viewer.id, name: viewer.name }} />
      </Suspense>
    </HydrateClient>
  );
}
