import type { Metadata } from "next";
import { Suspense } from "react";
import { terminalListInput } from "@/server/schemas/terminals";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { TerminalsView } from "./terminals-view";

export const metadata: Metadata = { title: "Terminals" };

export default async function TerminalsPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const input = parseListParams(terminalListInput, await searchParams, ["status"]);
  const queryClient = getQueryClient();
  void queryClient.prefetchQuery(trpc.terminals.list.queryOptions(input));
  void queryClient.prefetchQuery(trpc.terminals.filterOptions.queryOptions());
  const viewer = await viewerWithRole();
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <TerminalsView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
