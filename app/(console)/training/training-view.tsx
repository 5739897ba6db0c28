"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { DownloadIcon, FileCheck2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { trainingStates, type UserRole } from "@/db/schema/values";
import { complianceInput, recordListInput } from "@/server/schemas/training";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FormError } from "@/app/_components/form-error";
import { EmptyState, FilterSelect, Pagination, SearchBox, TableSkeleton } from "@/app/_components/list-controls";
import { percentOf } from "@/app/_components/format";
import { ComplianceBar, TrainingStateBadge, useCourseText } from "@/app/_components/training";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { CoursesView } from "./courses-view";
import { RecordSessionDialog } from "./record-session-dialog";
import { StaffView } from "./staff-view";

const trainingViews = ["compliance", "records", "staff", "courses"] as const;

export function TrainingView({ role, viewer }: { role: UserRole; viewer: { id: string; name: string } }) {
  const t = useTranslations("training");
  const searchParams = useSearchParams();
  const view = trainingViews.find((v) => v === searchParams.get("view")) ?? "compliance";
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <RecordSessionDialog role={role} viewer={viewer} />
      </div>
      <nav className="flex gap-1 overflow-x-auto border-b" aria-label={t("views")}>
        {trainingViews.map((v) => (
          <Link
            key={v}
            href={`/training${v === "compliance" ? "" : `?view=${v}`}`}
            aria-current={view === v ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm whitespace-nowrap",
              view === v ? "border-primary font-medium text-primary" : "border-transparent text-muted-foreground hover:text-foreground",
            )}
          >
            {t(`viewNames.${v}`)}
          </Link>
        ))}
      </nav>
      {view === "compliance" && <ComplianceView />}
      {view === "records" && <RecordsView role={role} />}
      {view === "staff" && <StaffView role={role} />}
      {view === "courses" && <CoursesView role={role} />}
    </div>
  );
}

function SummaryCard({ label, value, detail, tone, href }: { label: string; value: string | number; detail?: string; tone: "good" | "warn" | "bad" | "plain"; href?: string }) {
  const body = (
    <>
      <span className="flex items-center gap-2 text-sm text-muted-foreground">
        <span className={cn("size-2 rounded-full", { good: "bg-emerald-500", warn: "bg-amber-500", bad: "bg-red-500", plain: "bg-muted" }[tone])} aria-hidden />
        {label}
      </span>
      <span className="text-2xl font-semibold tabular-nums">
        {value}
        {detail && <span className="ml-2 text-sm font-normal text-muted-foreground">{detail}</span>}
      </span>
    </>
  );
  const className = "flex flex-col rounded-xl border bg-card p-3";
  return href ? (
    <Link href={href} className={cn(className, "hover:bg-accent")}>
      {body}
    </Link>
  ) : (
    <div className={className}>{body}</div>
  );
}

function ComplianceView() {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const { input, update, isPending } = useListParams(complianceInput);
  const { data } = useSuspenseQuery(trpc.training.compliance.queryOptions(input));
  const search = useSearchParam(input.q, update);
  const { summary } = data;
  const overall = summary.staff ? percentOf(summary.compliant / summary.staff) : null;
  return (
    <div className="space-y-4">
      <p className="text-sm text-muted-foreground">{t("compliance.hint")}</p>
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="training-summary">
        <SummaryCard
          label={t("summary.staffCurrent")}
          value={overall === null ? "—" : `${overall}%`}
          detail={t("summary.staffCurrentValue", { compliant: summary.compliant, staff: summary.staff })}
          tone={overall === null ? "plain" : overall === 100 ? "good" : "warn"}
        />
        <SummaryCard label={t("summary.expiring")} value={summary.expiring} tone={summary.expiring ? "warn" : "plain"} href="/training?view=records&state=expiring" />
        <SummaryCard label={t("summary.expired")} value={summary.expired} tone={summary.expired ? "bad" : "plain"} href="/training?view=records&state=expired" />
        <SummaryCard label={t("summary.missing")} value={summary.missing} tone={summary.missing ? "bad" : "plain"} href="/training?view=staff" />
      </div>
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2">
        <SearchBox label={t("compliance.search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("compliance.sort")}
          allLabel={t("compliance.sortName")}
          value={input.sort === "share" ? "share" : undefined}
          options={[{ value: "share", label: t("compliance.sortShare") }]}
          onChange={(sort) => update({ sort })}
        />
      </div>
      <div className={cn("overflow-x-auto rounded-xl border bg-card px-1", isPending && "opacity-60")} data-testid="store-compliance">
        {data.items.length === 0 ? (
          <EmptyState title={t("compliance.empty")} hint={t("compliance.emptyHint")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("compliance.store")}</TableHead>
                <TableHead className="hidden text-right sm:table-cell">{t("compliance.staff")}</TableHead>
                <TableHead>{t("compliance.share")}</TableHead>
                <TableHead className="hidden text-right sm:table-cell">{t("compliance.expiring")}</TableHead>
                <TableHead className="hidden md:table-cell" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((store) => (
                <TableRow key={store.id} data-store={store.name}>
                  <TableCell>
                    <Link className="font-medium text-primary hover:underline" href={`/training/evidence/${store.id}`}>
                      {store.name}
                    </Link>
                    <div className="text-xs text-muted-foreground">{[store.merchantName, store.region].filter(Boolean).join(" · ")}</div>
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">{store.staff}</TableCell>
                  <TableCell>
                    <ComplianceBar share={store.share} label={store.share === null ? t("compliance.noStaff") : t("compliance.shareLabel", { compliant: store.compliant, staff: store.staff })} />
                  </TableCell>
                  <TableCell className="hidden text-right tabular-nums sm:table-cell">
                    {store.expiring ? (
                      <Link className="text-amber-700 hover:underline" href={`/training?view=records&state=expiring&storeId=${store.id}`}>
                        {store.expiring}
                      </Link>
                    ) : (
                      0
                    )}
                  </TableCell>
                  <TableCell className="hidden text-right md:table-cell">
                    <Button asChild size="sm" variant="outline">
                      <Link href={`/training/evidence/${store.id}`}>
                        <FileCheck2Icon /> {t("compliance.evidence")}
                      </Link>
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />}
      <div className="grid gap-4 lg:grid-cols-2">
        <RenewalList state="expiring" title={t("compliance.expiringList")} empty={t("compliance.noneExpiring")} />
        <RenewalList state="expired" title={t("compliance.expiredList")} empty={t("compliance.noneExpired")} />
      </div>
    </div>
  );
}

/** The first few records to renew, soonest first, with a link to the whole filtered list. */
function RenewalList({ state, title, empty }: { state: "expiring" | "expired"; title: string; empty: string }) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const course = useCourseText();
  const { data, error } = useQuery(trpc.training.records.queryOptions(recordListInput.parse({ state })));
  return (
    <Card>
      <CardHeader className="flex flex-row items-center justify-between">
        <CardTitle className="text-base">
          {title} {data ? <span className="text-muted-foreground tabular-nums">({data.total})</span> : null}
        </CardTitle>
        {data && data.total > 0 && (
          <Link className="text-sm text-primary hover:underline" href={`/training?view=records&state=${state}`}>
            {t("compliance.seeAll")}
          </Link>
        )}
      </CardHeader>
      <CardContent>
        {error ? (
          <FormError error={error} />
        ) : !data ? (
          <TableSkeleton rows={3} />
        ) : data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">{empty}</p>
        ) : (
          <ul className="divide-y text-sm" data-testid={`renewals-${state}`}>
            {data.items.slice(0, 6).map((r) => (
              <li key={r.id} className="flex flex-wrap items-baseline justify-between gap-x-3 py-1.5">
                <span>
                  <span className="font-medium">{r.staffName}</span> <span className="text-muted-foreground">· {r.storeName}</span>
                  <span className="block text-xs text-muted-foreground">{course.title({ key: r.courseKey, title: r.courseTitle })}</span>
                </span>
                <span className={cn("tabular-nums", state === "expired" ? "text-red-700" : "text-amber-700")}>{r.expiresOn}</span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function RecordsView({ role }: { role: UserRole }) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const course = useCourseText();
  const { input, update, isPending, queryString } = useListParams(recordListInput);
  const { data } = useSuspenseQuery(trpc.training.records.queryOptions(input));
  const { data: stores } = useQuery(trpc.merchants.storeChoices.queryOptions());
  const { data: courses } = useQuery(trpc.training.courses.queryOptions());
  const search = useSearchParam(input.q, update);
  const remove = useMutation(trpc.training.deleteRecord.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));
  const exportQuery = new URLSearchParams(queryString);
  exportQuery.delete("view");
  return (
    <div className="space-y-3">
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <SearchBox label={t("records.search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("records.store")}
          allLabel={t("records.allStores")}
          value={input.storeId}
          options={(stores ?? []).map((s) => ({ value: s.id, label: s.name }))}
          onChange={(storeId) => update({ storeId })}
        />
        <FilterSelect
          label={t("records.course")}
          allLabel={t("records.allCourses")}
          value={input.courseId}
          options={(courses ?? []).map((c) => ({ value: c.id, label: course.title(c) }))}
          onChange={(courseId) => update({ courseId })}
        />
        <FilterSelect
          label={t("records.state")}
          allLabel={t("records.allStates")}
          value={input.state}
          options={trainingStates.map((s) => ({ value: s, label: t(`states.${s}`) }))}
          onChange={(state) => update({ state })}
        />
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2">
        {input.staffId ? (
          <p className="flex items-center gap-2 text-sm">
            {t("records.staffFilter", { name: data.items[0]?.staffName ?? "…" })}
            <Button size="sm" variant="ghost" onClick={() => update({ staffId: "" })}>
              {t("records.clearFilter")}
            </Button>
          </p>
        ) : (
          <span />
        )}
        <Button asChild size="sm" variant="outline">
          <a href={`/api/training/records/export${exportQuery.size ? `?${exportQuery}` : ""}`} download>
            <DownloadIcon /> {t("records.exportCsv")}
          </a>
        </Button>
      </div>
      <div className={cn("overflow-x-auto rounded-xl border bg-card px-1", isPending && "opacity-60")} data-testid="training-records">
        {data.items.length === 0 ? (
          <EmptyState title={t("records.empty")} hint={t("records.emptyHint")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("records.certificate")}</TableHead>
                <TableHead>{t("records.staff")}</TableHead>
                <TableHead>{t("records.course")}</TableHead>
                <TableHead>{t("records.trainedOn")}</TableHead>
                <TableHead>{t("records.expiresOn")}</TableHead>
                <TableHead>{t("records.state")}</TableHead>
                <TableHead className="hidden lg:table-cell">{t("records.trainer")}</TableHead>
                {role !== "technician" && <TableHead />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((r) => (
                <TableRow key={r.id}>
                  <TableCell>
                    <Link className="font-mono text-xs text-primary hover:underline" href={`/training/records/${r.id}`}>
                      TR-{r.number}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <div className="font-medium">
                      {r.staffName}
                      {!r.staffActive && <span className="ml-1 text-xs font-normal text-muted-foreground">({t("records.left")})</span>}
                    </div>
                    <div className="text-xs text-muted-foreground">
                      {t(`roles.${r.staffRole}`)} · {r.storeName}
                    </div>
                  </TableCell>
                  <TableCell className="max-w-64">
                    <div className="truncate" title={course.title({ key: r.courseKey, title: r.courseTitle })}>
                      {course.title({ key: r.courseKey, title: r.courseTitle })}
                    </div>
                    <div className="text-xs text-muted-foreground">
                      {t(`results.${r.result}`)}
                      {r.score !== null && ` · ${t("records.score", { score: r.score })}`}
                    </div>
                  </TableCell>
                  <TableCell className="tabular-nums">{r.trainedOn}</TableCell>
                  <TableCell className="tabular-nums">{r.expiresOn ?? "—"}</TableCell>
                  <TableCell>
                    <TrainingStateBadge state={r.state} />
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">
                    {r.trainerName} <span className="text-xs text-muted-foreground">· {t(`trainerKinds.${r.trainerKind}`)}</span>
                  </TableCell>
                  {role !== "technician" && (
                    <TableCell className="text-right">
                      <ConfirmDialog
                        label={t("records.delete")}
                        title={t("records.deleteTitle", { number: r.number })}
                        description={t("records.deleteConfirm", { staff: r.staffName, course: course.title({ key: r.courseKey, title: r.courseTitle }) })}
                        destructive
                        error={remove.error}
                        pending={remove.isPending}
                        onConfirm={() => remove.mutateAsync({ id: r.id })}
                      />
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />}
    </div>
  );
}
