"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { DownloadIcon, FileCheck2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { trainingStates, type UserRole } from "@/db/schema/values";
import { complianceInput, recordListInput } from "@/server/schemas/training";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { CardWithList, DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { percentOf } from "@/app/_components/format";
import { ComplianceBar, TrainingStateBadge, useCourseText } from "@/app/_components/training";
import { Button } from "@/app/_components/ui/button";
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
  const list = useListParams(complianceInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.training.compliance.queryOptions(input));
  const search = useSearchParam(input.q, update);
  const columns: Column<(typeof data.items)[number]>[] = [
    {
      id: "store",
      header: t("compliance.store"),
      cell: (store) => (
        <>
          {store.name}
          <div className="text-xs font-normal text-muted-foreground">{[store.merchantName, store.region].filter(Boolean).join(" · ")}</div>
        </>
      ),
      card: "title",
    },
    { id: "staff", header: t("compliance.staff"), cell: (store) => store.staff, className: "tabular-nums md:text-right" },
    {
      id: "share",
      header: t("compliance.share"),
      cell: (store) => <ComplianceBar share={store.share} label={store.share === null ? t("compliance.noStaff") : t("compliance.shareLabel", { compliant: store.compliant, staff: store.staff })} />,
    },
    {
      id: "expiring",
      header: t("compliance.expiring"),
      cell: (store) =>
        store.expiring ? (
          <Link className="relative z-10 text-amber-700 tabular-nums hover:underline" href={`/training?view=records&state=expiring&storeId=${store.id}`}>
            {store.expiring}
          </Link>
        ) : (
          0
        ),
      className: "md:text-right",
    },
    {
      id: "evidence",
      header: <span className="sr-only">{t("compliance.evidence")}</span>,
      cell: (store) => (
        <Button asChild size="sm" variant="outline">
          <Link href={`/training/evidence/${store.id}`}>
            <FileCheck2Icon /> {t("compliance.evidence")}
          </Link>
        </Button>
      ),
      className: "text-right",
      // On a phone the whole card opens the evidence already.
      card: "none",
    },
  ];
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
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(store) => store.id}
        rowLabel={(store) => store.name}
        rowHref={(store) => `/training/evidence/${store.id}`}
        rowTestId={(store) => `store-${store.name}`}
        params={list}
        paging={data}
        empty={{ title: t("compliance.empty"), hint: t("compliance.emptyHint") }}
        data-testid="store-compliance"
      />
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
  const renewals = useQuery(trpc.training.records.queryOptions(recordListInput.parse({ state })));
  const { data } = renewals;
  const columns: Column<NonNullable<typeof data>["items"][number]>[] = [
    { id: "staff", header: t("records.staff"), cell: (r) => r.staffName, card: "title" },
    {
      id: "expiresOn",
      header: t("records.expiresOn"),
      cell: (r) => <span className={cn("tabular-nums", state === "expired" ? "text-red-700" : "text-amber-700")}>{r.expiresOn}</span>,
      card: "status",
    },
    { id: "store", header: t("records.store"), cell: (r) => r.storeName },
    { id: "course", header: t("records.course"), cell: (r) => course.title({ key: r.courseKey, title: r.courseTitle }), className: "max-w-56 truncate" },
  ];
  return (
    <CardWithList
      title={
        <>
          {title} {data ? <span className="text-muted-foreground tabular-nums">({data.total})</span> : null}
        </>
      }
      actions={
        data &&
        data.total > 0 && (
          <Link className="text-sm text-primary hover:underline" href={`/training?view=records&state=${state}`}>
            {t("compliance.seeAll")}
          </Link>
        )
      }
      columns={columns}
      // The first few, soonest first: the whole list is one link away.
      rows={data?.items.slice(0, 6)}
      rowKey={(r) => r.id}
      rowHref={(r) => `/training/records/${r.id}`}
      error={renewals.error}
      onRetry={() => void renewals.refetch()}
      empty={{ title: empty }}
      cardsBelow="sm"
      data-testid={`renewals-${state}`}
    />
  );
}

function RecordsView({ role }: { role: UserRole }) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const course = useCourseText();
  const list = useListParams(recordListInput);
  const { input, update, queryString } = list;
  const { data } = useSuspenseQuery(trpc.training.records.queryOptions(input));
  const { data: stores } = useQuery(trpc.merchants.storeChoices.queryOptions());
  const { data: courses } = useQuery(trpc.training.courses.queryOptions());
  const search = useSearchParam(input.q, update);
  const remove = useMutation(trpc.training.deleteRecord.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));
  const exportQuery = new URLSearchParams(queryString);
  exportQuery.delete("view");
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "certificate", header: t("records.certificate"), cell: (r) => <span className="font-mono text-xs">TR-{r.number}</span>, card: "title" },
    { id: "state", header: t("records.state"), cell: (r) => <TrainingStateBadge state={r.state} />, card: "status" },
    {
      id: "staff",
      header: t("records.staff"),
      cell: (r) => (
        <>
          <div className="font-medium">
            {r.staffName}
            {!r.staffActive && <span className="ml-1 text-xs font-normal text-muted-foreground">({t("records.left")})</span>}
          </div>
          <div className="text-xs text-muted-foreground">
            {t(`roles.${r.staffRole}`)} · {r.storeName}
          </div>
        </>
      ),
    },
    {
      id: "course",
      header: t("records.course"),
      cell: (r) => (
        <>
          <div className="truncate" title={course.title({ key: r.courseKey, title: r.courseTitle })}>
            {course.title({ key: r.courseKey, title: r.courseTitle })}
          </div>
          <div className="text-xs text-muted-foreground">
            {t(`results.${r.result}`)}
            {r.score !== null && ` · ${t("records.score", { score: r.score })}`}
          </div>
        </>
      ),
      className: "max-w-64",
    },
    { id: "trainedOn", header: t("records.trainedOn"), cell: (r) => <span className="tabular-nums">{r.trainedOn}</span> },
    { id: "expiresOn", header: t("records.expiresOn"), cell: (r) => <span className="tabular-nums">{r.expiresOn ?? "—"}</span> },
    {
      id: "trainer",
      header: t("records.trainer"),
      cell: (r) => (
        <>
          {r.trainerName} <span className="text-xs text-muted-foreground">· {t(`trainerKinds.${r.trainerKind}`)}</span>
        </>
      ),
      className: "hidden lg:table-cell",
    },
    ...(role !== "technician"
      ? [
          {
            id: "delete",
            header: <span className="sr-only">{t("records.delete")}</span>,
            cell: (r: (typeof data.items)[number]) => (
              <ConfirmDialog
                label={t("records.delete")}
                title={t("records.deleteTitle", { number: r.number })}
                description={t("records.deleteConfirm", { staff: r.staffName, course: course.title({ key: r.courseKey, title: r.courseTitle }) })}
                destructive
                error={remove.error}
                pending={remove.isPending}
                onConfirm={() => remove.mutateAsync({ id: r.id })}
              />
            ),
            className: "text-right",
            card: "actions" as const,
          },
        ]
      : []),
  ];
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
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(r) => r.id}
        rowLabel={(r) => `TR-${r.number}`}
        rowHref={(r) => `/training/records/${r.id}`}
        params={list}
        paging={data}
        empty={{ title: t("records.empty"), hint: t("records.emptyHint") }}
        data-testid="training-records"
      />
    </div>
  );
}
