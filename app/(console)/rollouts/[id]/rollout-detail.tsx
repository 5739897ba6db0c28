"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { MegaphoneIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Suspense } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { jobStatuses, type JobStatus } from "@/db/schema/values";
import { rolloutJobListInput } from "@/server/schemas/firmware";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FormError } from "@/app/_components/form-error";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { EmptyState, FilterSelect, Pagination, SearchBox, TableSkeleton } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input } from "@/app/_components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
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

      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="min-w-0 lg:col-span-2">
          <CardHeader>
            <CardTitle>{t("phaseTable")}</CardTitle>
          </CardHeader>
          <CardContent className="overflow-x-auto">
            <Table data-testid="phases">
              <TableHeader>
                <TableRow>
                  <TableHead>#</TableHead>
                  <TableHead>{t("status")}</TableHead>
                  <TableHead className="text-right">{t("terminals")}</TableHead>
                  <TableHead>{t("progress")}</TableHead>
                  <TableHead>{t("thresholdsHead")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rollout.phases.map((p) => (
                  <TableRow key={p.id} data-testid={`phase-${p.position}`}>
                    <TableCell className="font-medium">
                      {p.position} <span className="text-xs text-muted-foreground">({p.percent}%)</span>
                    </TableCell>
                    <TableCell>{t(`phaseStatuses.${p.status}`)}</TableCell>
                    <TableCell className="text-right tabular-nums">{p.terminalCount}</TableCell>
                    <TableCell>
                      <ProgressBar counts={p.counts} total={p.terminalCount} />
                    </TableCell>
                    <TableCell className="text-xs text-muted-foreground">
                      {t("thresholds", { success: p.successThreshold, failure: p.failureThreshold })}
                      {p.requiresApproval && ` · ${t("approval")}`}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
        <Card className="min-w-0">
          <CardHeader>
            <CardTitle>{t("failureCodes")}</CardTitle>
          </CardHeader>
          <CardContent className="overflow-x-auto">
            {rollout.failureCodes.length === 0 ? (
              <p className="text-sm text-muted-foreground">{t("noFailures")}</p>
            ) : (
              <Table data-testid="failure-codes">
                <TableHeader>
                  <TableRow>
                    <TableHead>{t("errorCode")}</TableHead>
                    <TableHead className="text-right">{t("failedCount")}</TableHead>
                    <TableHead className="text-right">{t("retriedCount")}</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {rollout.failureCodes.map((f) => (
                    <TableRow key={f.errorCode}>
                      <TableCell className="font-mono text-xs">
                        <Link className="text-primary hover:underline" href={`/rollouts/${id}?errorCode=${encodeURIComponent(f.errorCode)}`} scroll={false}>
                          {f.errorCode}
                        </Link>
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{f.failed}</TableCell>
                      <TableCell className="text-right tabular-nums">{f.retried}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
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
  return (
    <div className="flex flex-wrap gap-2">
      {["running", "scheduled", "paused"].includes(status) && (
        <Button size="sm" variant="outline" disabled={announce.isPending} onClick={() => announce.mutate({ rolloutId: id })}>
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
  const { input, update, isPending, queryString } = useListParams(rolloutJobListInput.omit({ id: true }));
  const { data } = useSuspenseQuery({ ...trpc.rollouts.jobs.queryOptions({ ...input, id }), refetchInterval: LIVE_REFRESH_MS });
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
      <div className={cn("overflow-x-auto rounded-xl border bg-card px-1", isPending && "opacity-60")} data-testid="rollout-jobs">
        {data.items.length === 0 ? (
          <EmptyState title={t("jobsEmpty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("terminals")}</TableHead>
                <TableHead>#</TableHead>
                <TableHead>{t("status")}</TableHead>
                <TableHead>{t("fromVersion")}</TableHead>
                <TableHead className="text-right">{t("attempt")}</TableHead>
                <TableHead>{t("errorCode")}</TableHead>
                <TableHead>{t("updated")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((job) => (
                <TableRow key={job.id}>
                  <TableCell>
                    <Link className="font-mono text-primary hover:underline" href={`/terminals/${encodeURIComponent(job.serialNumber)}`}>
                      {job.serialNumber}
                    </Link>
                    <div className="text-xs text-muted-foreground">{[job.merchantName, job.storeName].filter(Boolean).join(" · ")}</div>
                  </TableCell>
                  <TableCell className="tabular-nums">{job.phase}</TableCell>
                  <TableCell>
                    <JobStatusBadge status={job.status} />
                    {job.progressPercent !== null && job.status !== "succeeded" && <span className="ml-1 text-xs tabular-nums text-muted-foreground">{job.progressPercent}%</span>}
                  </TableCell>
                  <TableCell className="font-mono text-xs">{job.fromVersion ?? "—"}</TableCell>
                  <TableCell className="text-right tabular-nums">{job.attempt}</TableCell>
                  <TableCell className="font-mono text-xs" title={job.message ?? undefined}>
                    {job.errorCode ?? "—"}
                  </TableCell>
                  <TableCell>
                    <RelativeTime date={job.updatedAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />}
    </section>
  );
}
