"use client";

import { useTranslations } from "next-intl";
import type { JobStatus, RolloutStatus } from "@/db/schema/values";
import { Badge } from "@/app/_components/ui/badge";

const rolloutVariant = { scheduled: "default", running: "success", paused: "warning", completed: "muted", cancelled: "muted" } as const;

export function RolloutStatusBadge({ status }: { status: RolloutStatus }) {
  const t = useTranslations("rollouts");
  return <Badge variant={rolloutVariant[status]}>{t(`statuses.${status}`)}</Badge>;
}

const jobVariant = { pending: "muted", downloading: "default", downloaded: "default", installing: "default", succeeded: "success", failed: "danger", cancelled: "muted" } as const;

export function JobStatusBadge({ status }: { status: JobStatus }) {
  const t = useTranslations("rollouts");
  return <Badge variant={jobVariant[status]}>{t(`jobStatuses.${status}`)}</Badge>;
}

/** Succeeded, failed and in-progress shares of a set of jobs as one bar. */
export function ProgressBar({ counts, total }: { counts: Record<JobStatus, number>; total: number }) {
  const t = useTranslations("rollouts");
  const share = (n: number) => `${total ? (n / total) * 100 : 0}%`;
  const inProgress = counts.downloading + counts.downloaded + counts.installing;
  return (
    <div className="min-w-32 space-y-1">
      <div className="flex h-2 overflow-hidden rounded bg-muted" aria-hidden>
        <div className="bg-emerald-500" style={{ width: share(counts.succeeded) }} />
        <div className="bg-red-500" style={{ width: share(counts.failed) }} />
        <div className="bg-sky-500" style={{ width: share(inProgress) }} />
      </div>
      <p className="text-xs text-muted-foreground tabular-nums">{t("summary", { succeeded: counts.succeeded, failed: counts.failed, total })}</p>
    </div>
  );
}
