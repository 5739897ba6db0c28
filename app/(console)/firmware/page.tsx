import type { Metadata } from "next";
import { Suspense } from "react";
import { releaseListInput } from "@/server/schemas/firmware";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { FirmwareView } from "./firmware-view";

export const metadata: Metadata = { title: "Firmware" };

export default async function FirmwarePage({ searchParams }: { searchParams: Promise<RawParams> }) {
  await viewerWithRole("admin");
  const queryClient = getQueryClient();
  void queryClient.prefetchQuery(trpc.firmware.list.queryOptions(parseListParams(releaseListInput, await searchParams)));
  void queryClient.prefetchQuery(trpc.models.list.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <FirmwareView />
      </Suspense>
    </HydrateClient>
  );
}
