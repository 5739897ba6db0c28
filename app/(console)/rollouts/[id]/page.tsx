import type { Metadata } from "next";
import { rolloutJobListInput } from "@/server/schemas/firmware";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { RolloutDetail } from "./rollout-detail";

export const metadata: Metadata = { title: "Rollout" };

export default async function RolloutPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<RawParams> }) {
  await viewerWithRole("admin");
  const { id } = await params;
  const queryClient = getQueryClient();
  await orNotFound(queryClient.fetchQuery(trpc.rollouts.get.queryOptions({ id })));
  void queryClient.prefetchQuery(trpc.rollouts.jobs.queryOptions(parseListParams(rolloutJobListInput, { ...(await searchParams), id })));
  return (
    <HydrateClient>
      <RolloutDetail id={id} />
    </HydrateClient>
  );
}
