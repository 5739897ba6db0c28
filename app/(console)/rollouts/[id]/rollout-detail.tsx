"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { MegaphoneIcon } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Suspense } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { jobStatuses, type JobStatus, type MerchantLanguage } from "@/db/schema/values";
import { rolloutJobListInput } from "@/server/schemas/firmware";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FormError } from "@/app/_components/form-error";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { CardWithList, DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox, TableSkeleton } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { JobStatusBadge, ProgressBar, RolloutStatusBadge } from "@/app/_components/rollout-status";

const stateColors: Record<JobStatus, string> = {
  pending: "#cbd5e1",
  downloading: "#7dd3fc",
  downloaded: "#38bdf8",
  installing: "#0284c7",
  succeeded: "#10b981",
  failed: "#ef4444",
  cancelled: "#94a3b8",
};

/** While a rollout can still change, its page refreshes itself (live events also refresh it at once). */
const LIVE_REFRESH_MS = 5_000;

export function RolloutDetail({ id }: { id: string }) {
  const t = useTranslations("rollouts");
  const trpc = useTRPC();
  const { data: rollout } = useSuspenseQuery({
    ...trpc.rollouts.get.queryOptions({ id }),
    refetchInterval: (query) => (["completed", "cancelled"].includes(query.state.data?.status ?? "") ? false : LIVE_REFRESH_MS),
  });
  const phaseChart = rollout.phases.map((p) => ({ name: t("phase", { n: p.position }), ...p.counts }));
  const phaseColumns: Column<(typeof rollout.phases)[number]>[] = [
    {
      id: "position",
      header: "#",
      cell: (p) => (
        <>
          {t("phase", { n: p.position })} <span className="text-xs font-normal text-muted-foreground">({p.percent}%)</span>
        </>
      ),
      card: "title",
    },
    { id: "status", header: t("status"), cell: (p) => t(`phaseStatuses.${p.status}`), card: "status" },
    { id: "terminals", header: t("terminals"), cell: (p) => p.terminalCount, className: "tabular-nums md:text-right" },
    { id: "progress", header: t("progress"), cell: (p) => <ProgressBar counts={p.counts} total={p.terminalCount} /> },
    {
      id: "thresholds",
      header: t("thresholdsHead"),
      cell: (p) => (
        <span className="text-xs text-muted-foreground">
          {t("thresholds", { success: p.successThreshold, failure: p.failureThreshold })}
          {p.requiresApproval && ` · ${t("approval")}`}
        </span>
      ),
      className: "whitespace-normal",
    },
  ];
  const failureColumns: Column<(typeof rollout.failureCodes)[number]>[] = [
    {
      id: "code",
      header: t("errorCode"),
      cell: (f) => (
        // Filters the jobs below without leaving the page's place.
        <Link className="font-mono text-xs text-primary hover:underline" href={`/rollouts/${id}?errorCode=${encodeURIComponent(f.errorCode)}`} scroll={false}>
          {f.errorCode}
        </Link>
      ),
      card: "title",
    },
    { id: "failed", header: t("failedCount"), cell: (f) => f.failed, className: "tabular-nums md:text-right" },
    { id: "retried", header: t("retriedCount"), cell: (f) => f.retried, className: "tabular-nums md:text-right" },
  ];

  return (
    <div className="space-y-4">
      <Link className="text-sm text-primary hover:underline" href="/rollouts">
        {t("back")}
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="space-y-1">
          <h1 className="text-xl font-semibold">{rollout.name}</h1>
          <p className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            <span data-testid="rollout-status">
              <RolloutStatusBadge status={rollout.status} />
            </span>
            <span className="font-mono">{rollout.release.version}</span>
            <span>·</span>
            <DateTime date={rollout.startsAt} />
          </p>
          {rollout.status === "paused" && rollout.pauseReason && (
            <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="pause-reason">
              {t(`pauseReasons.${rollout.pauseReason as "admin" | "failure_threshold"}`)}
            </p>
          )}
        </div>
        <RolloutActions id={id} status={rollout.status} awaitingApproval={rollout.phases.some((p) => p.status === "awaiting_approval")} pendingJobs={rollout.totals.pending} />
      </div>

      <Card>
        <CardContent className="pt-6">
          <ProgressBar counts={rollout.totals} total={rollout.terminalCount} />
          <p className="mt-2 text-xs text-muted-foreground">{t("maintenanceNote")}</p>
        </CardContent>
      </Card>

      {/* The phases need the full width at 1280 px; the failure codes go beside them only on wider screens. */}
      <div className="grid gap-4 2xl:grid-cols-3">
        <div className="min-w-0 2xl:col-span-2">
          <CardWithList
            title={t("phaseTable")}
            columns={phaseColumns}
            rows={rollout.phases}
            rowKey={(p) => p.id}
            rowLabel={(p) => t("phase", { n: p.position })}
            rowTestId={(p) => `phase-${p.position}`}
            empty={{ title: t("phaseTable") }}
            data-testid="phases"
          />
        </div>
        <div className="min-w-0">
          <CardWithList
            title={t("failureCodes")}
            columns={failureColumns}
            rows={rollout.failureCodes}
            rowKey={(f) => f.errorCode}
            empty={{ title: t("noFailures") }}
            cardsBelow="sm"
            data-testid="failure-codes"
          />
        </div>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>{t("perState")}</CardTitle>
        </CardHeader>
        <CardContent className="h-64">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={phaseChart} layout="vertical" margin={{ left: 8, right: 16 }}>
              <CartesianGrid horizontal={false} strokeDasharray="3 3" />
              <XAxis type="number" allowDecimals={false} fontSize={12} />
              <YAxis type="category" dataKey="name" width={90} fontSize={12} />
              <Tooltip />
              <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
              {jobStatuses.map((s) => (
                <Bar key={s} dataKey={s} name={t(`jobStatuses.${s}`)} stackId="jobs" fill={stateColors[s]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </CardContent>
      </Card>

      <Suspense fallback={<TableSkeleton />}>
        <RolloutJobs id={id} phases={rollout.phases.length} />
      </Suspense>
    </div>
  );
}

function RolloutActions({ id, status, awaitingApproval, pendingJobs }: { id: string; status: string; awaitingApproval: boolean; pendingJobs: number }) {
  const t = useTranslations("rollouts");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = { onSuccess: () => queryClient.invalidateQueries(trpc.rollouts.pathFilter()) };
  const pause = useMutation(trpc.rollouts.pause.mutationOptions(options));
  const resume = useMutation(trpc.rollouts.resume.mutationOptions(options));
  const cancel = useMutation(trpc.rollouts.cancel.mutationOptions(options));
  const approve = useMutation(trpc.rollouts.approvePhase.mutationOptions(options));
  const router = useRouter();
  // One step: a draft notice for the rollout's merchants and terminals, opened for review.
  const announce = useMutation(trpc.notices.createForRollout.mutationOptions({ onSuccess: (notice) => router.push(`/notices/${notice.id}`) }));
  // The draft is in the merchants' language; this one counts only when they differ.
  const language = useLocale() as MerchantLanguage;
  return (
    <div className="flex flex-wrap gap-2">
      {["running", "scheduled", "paused"].includes(status) && (
        <Button size="sm" variant="outline" disabled={announce.isPending} onClick={() => announce.mutate({ rolloutId: id, language })}>
          <MegaphoneIcon /> {t("announce")}
        </Button>
      )}
      <FormError error={announce.error} />
      {status === "running" && awaitingApproval && (
        <ConfirmDialog label={t("approve")} variant="default" description={t("approveConfirm")} onConfirm={() => approve.mutateAsync({ id })} error={approve.error} pending={approve.isPending} />
      )}
      {(status === "running" || status === "scheduled") && (
        <ConfirmDialog label={t("pause")} description={t("pauseConfirm")} onConfirm={() => pause.mutateAsync({ id })} error={pause.error} pending={pause.isPending} />
      )}
      {status === "paused" && (
        <ConfirmDialog label={t("resume")} variant="default" description={t("resumeConfirm")} onConfirm={() => resume.mutateAsync({ id })} error={resume.error} pending={resume.isPending} />
      )}
      {["running", "scheduled", "paused"].includes(status) && (
        <ConfirmDialog label={t("cancel")} destructive description={t("cancelConfirm")} onConfirm={() => cancel.mutateAsync({ id })} error={cancel.error} pending={cancel.isPending} />
      )}
      {status === "completed" && pendingJobs > 0 && (
        <ConfirmDialog
          label={t("cancelRemaining")}
          destructive
          description={t("cancelRemainingConfirm", { count: pendingJobs })}
          onConfirm={() => cancel.mutateAsync({ id })}
          error={cancel.error}
          pending={cancel.isPending}
        />
      )}
    </div>
  );
}

function RolloutJobs({ id, phases }: { id: string; phases: number }) {
  const t = useTranslations("rollouts");
  const trpc = useTRPC();
  const list = useListParams(rolloutJobListInput.omit({ id: true }));
  const { input, update, queryString } = list;
  const { data } = useSuspenseQuery({ ...trpc.rollouts.jobs.queryOptions({ ...input, id }), refetchInterval: LIVE_REFRESH_MS });
  const jobColumns: Column<(typeof data.items)[number]>[] = [
    {
      id: "terminal",
      header: t("terminals"),
      cell: (job) => <span className="font-mono">{job.serialNumber}</span>,
      card: "title",
    },
    { id: "place", header: t("place"), cell: (job) => <span className="text-xs">{[job.merchantName, job.storeName].filter(Boolean).join(" · ") || "—"}</span>, className: "whitespace-normal" },
    {
      id: "status",
      header: t("status"),
      cell: (job) => (
        <>
          <JobStatusBadge status={job.status} />
          {job.progressPercent !== null && job.status !== "succeeded" && <span className="ml-1 text-xs tabular-nums text-muted-foreground">{job.progressPercent}%</span>}
        </>
      ),
      card: "status",
    },
    { id: "phase", header: "#", cell: (job) => t("phase", { n: job.phase }) },
    { id: "from", header: t("fromVersion"), cell: (job) => <span className="font-mono text-xs">{job.fromVersion ?? "—"}</span> },
    { id: "attempt", header: t("attempt"), cell: (job) => job.attempt, className: "tabular-nums md:text-right" },
    {
      id: "error",
      header: t("errorCode"),
      cell: (job) => (
        <span className="font-mono text-xs" title={job.message ?? undefined}>
          {job.errorCode ?? "—"}
        </span>
      ),
    },
    { id: "updated", header: t("updated"), cell: (job) => <RelativeTime date={job.updatedAt} /> },
  ];
  const search = useSearchParam(input.q, update);
  return (
    <section className="space-y-2" aria-labelledby="jobs-title">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="jobs-title" className="text-lg font-semibold">
          {t("jobs")}
        </h2>
        <Button asChild size="sm" variant="outline">
          <a href={`/api/rollouts/${id}/export${queryString ? `?${queryString}` : ""}`} download>
            {t("exportCsv")}
          </a>
        </Button>
      </div>
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <SearchBox label={t("search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={jobStatuses.map((s) => ({ value: s, label: t(`jobStatuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          label={t("phaseTable")}
          allLabel={t("allPhases")}
          value={input.phase}
          options={Array.from({ length: phases }, (_, i) => ({ value: i + 1, label: t("phase", { n: i + 1 }) }))}
          onChange={(phase) => update({ phase })}
        />
        {/* Keyed on the URL's value, so following a failure code's link shows it here too. */}
        <Input
          key={input.errorCode ?? ""}
          aria-label={t("errorCode")}
          placeholder={t("errorCode")}
          defaultValue={input.errorCode ?? ""}
          onBlur={(e) => update({ errorCode: e.target.value.trim() })}
          onKeyDown={(e) => e.key === "Enter" && update({ errorCode: e.currentTarget.value.trim() })}
        />
      </div>
      <DataList
        columns={jobColumns}
        rows={data.items}
        rowKey={(job) => job.id}
        rowHref={(job) => `/terminals/${encodeURIComponent(job.serialNumber)}`}
        rowLabel={(job) => job.serialNumber}
        params={list}
        paging={data}
        empty={{ title: t("jobsEmpty") }}
        data-testid="rollout-jobs"
      />
    </section>
  );
}
