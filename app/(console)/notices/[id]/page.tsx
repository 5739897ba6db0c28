import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { NoticeDetail } from "./notice-detail";
import { NoticeReader } from "./notice-reader";

export const metadata: Metadata = { title: "Notice" };

/** Admins follow a notice's receipts (or edit it before publication); a reader reads it. */
export default async function NoticePage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = z.uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const id = parsed.data;
  const viewer = await viewerWithRole();
  const queryClient = getQueryClient();
  if (viewer.role === "admin") await orNotFound(queryClient.fetchQuery(trpc.notices.get.queryOptions({ id })));
  else await orNotFound(queryClient.fetchQuery(trpc.notices.inboxNotice.queryOptions({ id })));
  return <HydrateClient>{viewer.role === "admin" ? <NoticeDetail id={id} /> : <NoticeReader id={id} />}</HydrateClient>;
}
