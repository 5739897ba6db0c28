import type { Metadata } from "next";
import { Suspense } from "react";
import { activationListInput, smsOutboxListInput } from "@/server/schemas/activations";
import { emailOutboxListInput } from "@/server/schemas/account-links";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { ActivationsView } from "./activations-view";

export const metadata: Metadata = { title: "Activations" };

export default async function ActivationsPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole();
  const params = await searchParams;
  const queryClient = getQueryClient();
  void queryClient.prefetchQuery(trpc.activations.list.queryOptions(parseListParams(activationListInput, params)));
  if (viewer.role === "admin") {
    void queryClient.prefetchQuery(trpc.activations.outbox.queryOptions(parseListParams(smsOutboxListInput, {})));
    void queryClient.prefetchQuery(trpc.email.outbox.queryOptions(parseListParams(emailOutboxListInput, {})));
  }
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <ActivationsView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
