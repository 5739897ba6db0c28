import type { Metadata } from "next";
import { Suspense } from "react";
import { publishedReleasesInput } from "@/server/schemas/firmware";
import { TableSkeleton } from "@/app/_components/list-controls";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { NewRolloutForm } from "./new-rollout-form";

export const metadata: Metadata = { title: "New rollout" };

export default async function NewRolloutPage({ searchParams }: { searchParams: Promise<{ releaseId?: string; serials?: string }> }) {
  await viewerWithRole("admin");
  const queryClient = getQueryClient();
  void queryClient.prefetchQuery(trpc.firmware.list.queryOptions(publishedReleasesInput));
  void queryClient.prefetchQuery(trpc.terminals.filterOptions.queryOptions());
  // The terminal list's bulk actions send their selection here as serial numbers.
  const { releaseId, serials } = await searchParams;
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <NewRolloutForm initialReleaseId={typeof releaseId === "string" ? releaseId : undefined} initialSerials={typeof serials === "string" ? serials : undefined} />
      </Suspense>
    </HydrateClient>
  );
}
