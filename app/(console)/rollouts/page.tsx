import type { Metadata } from "next";
import { Suspense } from "react";
import { rolloutListInput } from "@/server/schemas/firmware";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { RolloutsView } from "./rollouts-view";

export const metadata: Metadata = { title: "Rollouts" };

export default async function RolloutsPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  await viewerWithRole("admin");
  const queryClient = getQueryClient();
  void queryClient.prefetchQuery(trpc.rollouts.list.queryOptions(parseListParams(rolloutListInput, await searchParams)));
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <RolloutsView />
      </Suspense>
    </HydrateClient>
  );
}
