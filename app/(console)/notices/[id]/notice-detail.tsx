"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DateTime, percentOf } from "@/app/_components/format";
import { Markdown } from "@/app/_components/markdown";
import { NoticeSeverityBadge, NoticeStatusBadge } from "@/app/_components/notice-severity";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { useTRPC } from "@/app/_lib/trpc/client";
import { NoticeComposer } from "../notice-composer";

/** Receipts refresh while the page is open: terminals acknowledge on their own schedule. */
const RECEIPTS_REFRESH_MS = 15_000;

/** An admin's view of a notice: the composer before publication, then its receipts. */
export function NoticeDetail({ id }: { id: string }) {
  const t = useTranslations("notices");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: notice } = useSuspenseQuery({ ...trpc.notices.get.queryOptions({ id }), refetchInterval: RECEIPTS_REFRESH_MS });
  const withdraw = useMutation(trpc.notices.withdraw.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.notices.pathFilter()) }));
  const editable = notice.status === "draft" || notice.status === "scheduled";
  const { receipts } = notice;
  return (
    <div className="space-y-4">
      <Link href="/notices" className="text-sm text-primary hover:underline">
        ← {t("title")}
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="text-xl font-semibold">{notice.title || t("untitled")}</h1>
          <NoticeStatusBadge status={notice.status} />
          <NoticeSeverityBadge severity={notice.severity} />
        </div>
        {(notice.status === "published" || notice.status === "scheduled") && (
          <ConfirmDialog label={t("withdraw")} destructive description={t("withdrawConfirm")} error={withdraw.error} pending={withdraw.isPending} onConfirm={() => withdraw.mutateAsync({ id })} />
        )}
      </div>
      {notice.status === "scheduled" && notice.publishAt && (
        <p className="text-sm">
          {t("scheduledFor")} <DateTime date={notice.publishAt} />
        </p>
      )}
      {editable ? (
        // Keyed by the last change: after a save or schedule the composer starts from the stored notice.
        <NoticeComposer key={notice.updatedAt.toISOString()} initial={notice} />
      ) : (
        <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
          <Card>
            <CardContent className="space-y-2 pt-6">
              <p className="text-sm text-muted-foreground">
                {t("publishedAt")} <DateTime date={notice.publishedAt} />
                {notice.expiresAt && (
                  <>
                    {" · "}
                    {t("expires")} <DateTime date={notice.expiresAt} />
                  </>
                )}
                {notice.withdrawnAt && (
                  <>
                    {" · "}
                    {t("withdrawnAt")} <DateTime date={notice.withdrawnAt} />
                  </>
                )}
              </p>
              <Markdown text={notice.body} />
            </CardContent>
          </Card>
          <div className="grid content-start gap-4">
            <Card>
              <CardHeader>
                <CardTitle className="text-base">{t("receipts")}</CardTitle>
              </CardHeader>
              <CardContent className="grid gap-3" data-testid="receipts">
                <Rate label={t("readBy")} part={receipts.read} whole={receipts.readers} />
                <Rate label={t("deliveredTo")} part={receipts.delivered} whole={receipts.terminals} />
                <Rate label={t("acknowledgedBy")} part={receipts.acked} whole={receipts.terminals} />
                {notice.channels.sms && <p className="text-sm">{t("smsCounts", { sent: notice.sms.sent ?? 0, queued: notice.sms.queued ?? 0, failed: notice.sms.failed ?? 0 })}</p>}
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle className="text-base">{notice.severity === "critical" ? t("notReadCritical") : t("notRead")}</CardTitle>
              </CardHeader>
              <CardContent>
                {notice.notRead.length === 0 ? (
                  <p className="text-sm text-muted-foreground">{t("everyoneRead")}</p>
                ) : (
                  <ul className="divide-y text-sm" data-testid="not-read">
                    {notice.notRead.map((u) => (
                      <li key={u.userId} className="py-1.5">
                        <span className="font-medium">{u.name}</span> <span className="text-muted-foreground">· {u.email}</span>
                      </li>
                    ))}
                    {receipts.readers - receipts.read > notice.notRead.length && (
                      <li className="py-1.5 text-muted-foreground">{t("moreNotRead", { count: receipts.readers - receipts.read - notice.notRead.length })}</li>
                    )}
                  </ul>
                )}
              </CardContent>
            </Card>
          </div>
        </div>
      )}
    </div>
  );
}

function Rate({ label, part, whole }: { label: string; part: number; whole: number }) {
  const percent = whole ? percentOf(part / whole) : 0;
  return (
    <div>
      <div className="flex justify-between text-sm">
        <span>{label}</span>
        <span className="tabular-nums">
          {part} / {whole} {whole > 0 && <span className="text-muted-foreground">({percent}%)</span>}
        </span>
      </div>
      <div className="mt-1 h-2 overflow-hidden rounded-full bg-muted" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="h-full rounded-full bg-primary" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
