import type { Metadata } from "next";
import { Suspense } from "react";
import { auditListInput } from "@/server/schemas/audit";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { AuditView } from "./audit-view";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  await viewerWithRole("admin");
  const input = parseListParams(auditListInput, await searchParams);
  void getQueryClient().prefetchQuery(trpc.audit.list.queryOptions(input));
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <AuditView />
      </Suspense>
    </HydrateClient>
  );
}
