"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect } from "react";
import { DateTime } from "@/app/_components/format";
import { Markdown } from "@/app/_components/markdown";
import { NoticeSeverityBadge } from "@/app/_components/notice-severity";
import { Card, CardContent } from "@/app/_components/ui/card";
import { useTRPC } from "@/app/_lib/trpc/client";

/** A notice as its reader sees it; opening it records the read (after the page loads, never on a prefetch). */
export function NoticeReader({ id }: { id: string }) {
  const t = useTranslations("notices");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: notice } = useSuspenseQuery(trpc.notices.inboxNotice.queryOptions({ id }));
  const { mutate: markRead } = useMutation(trpc.notices.read.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.notices.pathFilter()) }));
  const unread = notice.readAt === null;
  useEffect(() => {
    if (unread) markRead({ id });
  }, [id, unread, markRead]);
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <Link href="/notices" className="text-sm text-primary hover:underline">
        ← {t("inbox")}
      </Link>
      <Card>
        <CardContent className="space-y-3 pt-6">
          <div className="flex flex-wrap items-center gap-2">
            <NoticeSeverityBadge severity={notice.severity} />
            <span className="text-sm text-muted-foreground">
              <DateTime date={notice.publishedAt} />
            </span>
          </div>
          <h1 className="text-xl font-semibold">{notice.title}</h1>
          <Markdown text={notice.body} />
          {notice.expiresAt && (
            <p className="text-xs text-muted-foreground">
              {t("expires")} <DateTime date={notice.expiresAt} />
            </p>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
