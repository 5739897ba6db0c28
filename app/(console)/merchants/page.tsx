import type { Metadata } from "next";
import { Suspense } from "react";
import { merchantListInput } from "@/server/schemas/merchants";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { MerchantsView } from "./merchants-view";

export const metadata: Metadata = { title: "Merchants" };

export default async function MerchantsPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const input = parseListParams(merchantListInput, await searchParams);
  void getQueryClient().prefetchQuery(trpc.merchants.list.queryOptions(input));
  const viewer = await viewerWithRole();
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <MerchantsView role={viewer.role} />
      </Suspense>
    </HydrateClient>
  );
}
