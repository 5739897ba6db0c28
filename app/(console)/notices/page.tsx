import type { Metadata } from "next";
import { Suspense } from "react";
import { inboxInput, noticeListInput } from "@/server/schemas/notices";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { NoticeInbox, NoticeList } from "./notices-view";

export const metadata: Metadata = { title: "Notices" };

/** Admins see every notice they wrote; merchant owners and technicians their inbox. */
export default async function NoticesPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole();
  const params = await searchParams;
  const queryClient = getQueryClient();
  if (viewer.role === "admin") void queryClient.prefetchQuery(trpc.notices.list.queryOptions(parseListParams(noticeListInput, params)));
  else void queryClient.prefetchQuery(trpc.notices.inbox.queryOptions(parseListParams(inboxInput, params)));
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>{viewer.role === "admin" ? <NoticeList /> : <NoticeInbox />}</Suspense>
    </HydrateClient>
  );
}
