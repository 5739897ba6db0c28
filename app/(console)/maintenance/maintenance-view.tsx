"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { CalendarDaysIcon, CheckIcon, ChevronLeftIcon, ChevronRightIcon, CopyIcon, DownloadIcon } from "lucide-react";
import type { inferRouterOutputs } from "@trpc/server";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { workOrderPriorities, workOrderStatuses, workOrderTypes, type UserRole } from "@/db/schema/values";
import type { AppRouter } from "@/server/root";
import { workOrderListInput } from "@/server/schemas/maintenance";
import { fleetToday } from "@/app/_lib/fleet-day";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterPanel, FilterSelect, SearchBox, TableSkeleton } from "@/app/_components/list-controls";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input } from "@/app/_components/ui/input";
import { DueBadge, PriorityBadge, WorkOrderStatusBadge } from "@/app/_components/work-order-status";
import { useWorkOrderTitle, WorkOrderTitle } from "@/app/_components/work-order-title";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { isMyWork } from "./my-work";
import { CreateWorkOrderDialog, PlansView } from "./plans-view";

const views = ["list", "calendar", "plans"] as const;

export function MaintenanceView({ role }: { role: UserRole }) {
  const t = useTranslations("maintenance");
  const searchParams = useSearchParams();
  const view = views.find((v) => v === searchParams.get("view")) ?? "list";
  const shown = role === "merchant" ? views.filter((v) => v !== "plans") : views;
  const myWork = view === "list" && isMyWork(role, Object.fromEntries(searchParams));
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{myWork ? t("myWork") : t("title")}</h1>
        <div className="flex flex-wrap gap-2">
          {role !== "merchant" && <CalendarFeedDialog />}
          {role === "admin" && <CreateWorkOrderDialog />}
        </div>
      </div>
      <nav className="flex gap-1 border-b" aria-label={t("views")}>
        {shown.map((v) => (
          <Link
            key={v}
            href={`/maintenance${v === "list" ? "" : `?view=${v}`}`}
            aria-current={view === v ? "page" : undefined}
            className={cn("-mb-px border-b-2 px-3 py-2 text-sm", view === v ? "border-primary font-medium text-primary" : "border-transparent text-muted-foreground hover:text-foreground")}
          >
            {t(`viewNames.${v}`)}
          </Link>
        ))}
      </nav>
      {myWork ? <MyWork /> : view === "list" && <WorkOrderList role={role} />}
      {view === "calendar" && <WorkCalendar role={role} />}
      {view === "plans" && role !== "merchant" && <PlansView role={role} />}
    </div>
  );
}

type MyWorkItem = inferRouterOutputs<AppRouter>["maintenance"]["myWork"]["today"][number];
type WorkOrderRow = inferRouterOutputs<AppRouter>["maintenance"]["list"]["items"][number];

/** Today first (due or scheduled today), then overdue, then upcoming: on a phone the first work order is on the first screen. */
function MyWork() {
  const t = useTranslations("maintenance");
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.maintenance.myWork.queryOptions());
  const sections = [
    { key: "today", items: data.today, empty: t("todayEmpty") },
    { key: "overdue", items: data.overdue, empty: null },
    { key: "upcoming", items: data.upcoming, empty: null },
  ] as const;
  return (
    <div className="space-y-5" data-testid="my-work">
      {sections.map(
        (section) =>
          (section.items.length > 0 || section.empty) && (
            <section key={section.key} aria-labelledby={`my-work-${section.key}`} className="space-y-2">
              <h2 id={`my-work-${section.key}`} className="flex items-center gap-2 text-sm font-semibold tracking-wide text-muted-foreground uppercase">
                {t(`myWorkSections.${section.key}`)}
                <span className="rounded-full bg-muted px-2 text-xs tabular-nums">{section.items.length}</span>
              </h2>
              {section.items.length === 0 ? (
                <p className="rounded-xl border bg-card p-3 text-sm text-muted-foreground">{section.empty}</p>
              ) : (
                <ul className="space-y-2">
                  {section.items.map((w) => (
                    <li key={w.id}>
                      <MyWorkCard order={w} />
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ),
      )}
      {data.more && <p className="text-sm text-muted-foreground">{t("myWorkMore")}</p>}
      <Link href="/maintenance?mine=true" className="inline-flex min-h-11 items-center text-sm font-medium text-primary hover:underline">
        {t("myWorkAll")}
      </Link>
    </div>
  );
}

function MyWorkCard({ order: w }: { order: MyWorkItem }) {
  const t = useTranslations("maintenance");
  const tw = useTranslations("workOrders");
  const two = useTranslations("workOrder");
  const format = useFormatter();
  return (
    <Link href={`/work-orders/${w.id}`} className="block rounded-xl border bg-card p-3 hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
      <div className="flex items-start justify-between gap-2">
        <p className="min-w-0 font-medium">
          <span className="font-mono text-xs text-muted-foreground">WO-{w.number}</span> <WorkOrderTitle order={w} serialNumber={w.serialNumber} />
        </p>
        <PriorityBadge priority={w.priority} />
      </div>
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <WorkOrderStatusBadge status={w.status} />
        <DueBadge state={w.dueState} />
        {w.tamperAlert && <span className="text-xs font-semibold text-red-700">{two("tamperBannerTitle")}</span>}
      </div>
      <p className="mt-1 text-sm">
        <span className="font-mono">{w.serialNumber}</span> · {tw(`types.${w.type}`)}
      </p>
      <p className="text-sm text-muted-foreground">{[w.storeName, w.storeAddress].filter(Boolean).join(" · ")}</p>
      <p className="text-sm text-muted-foreground">
        {w.scheduledFor
          ? t("scheduledAt", { time: format.dateTime(w.scheduledFor, { dateStyle: "medium", timeStyle: "short" }) })
          : t("dueOn", { date: format.dateTime(new Date(`${w.dueDate}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" }) })}
      </p>
    </Link>
  );
}

function WorkOrderList({ role }: { role: UserRole }) {
  const t = useTranslations("maintenance");
  const tw = useTranslations("workOrders");
  const tt = useTranslations("terminals");
  const workOrderHeader = useTranslations("terminal")("workOrder");
  const titleOf = useWorkOrderTitle();
  const trpc = useTRPC();
  const list = useListParams(workOrderListInput);
  const { input, update, queryString } = list;
  const { data } = useSuspenseQuery(trpc.maintenance.list.queryOptions(input));
  const search = useSearchParam(input.q, update);
  const columns: Column<WorkOrderRow>[] = [
    {
      id: "workOrder",
      header: workOrderHeader,
      cell: (w) => (
        <>
          <span className="font-mono text-xs text-muted-foreground">WO-{w.number}</span> <WorkOrderTitle order={w} serialNumber={w.serialNumber} />
        </>
      ),
      card: "title",
      className: "max-w-96 truncate",
    },
    { id: "status", header: t("status"), cell: (w) => <WorkOrderStatusBadge status={w.status} />, card: "status" },
    { id: "priority", header: t("priority"), cell: (w) => <PriorityBadge priority={w.priority} />, card: "status" },
    {
      id: "due",
      header: t("due"),
      cell: (w) => (
        <span className="flex flex-wrap items-center gap-2">
          {w.dueDate}
          <DueBadge state={w.dueState} />
        </span>
      ),
    },
    { id: "serialNumber", header: t("serialNumber"), cell: (w) => <span className="font-mono">{w.serialNumber}</span> },
    { id: "type", header: t("type"), cell: (w) => tw(`types.${w.type}`), className: "hidden 2xl:table-cell" },
    { id: "merchant", header: tt("merchant"), cell: (w) => w.merchantName ?? "—", className: "hidden xl:table-cell" },
    { id: "store", header: tt("store"), cell: (w) => w.storeName ?? "—", className: "hidden lg:table-cell" },
    { id: "technician", header: t("technician"), cell: (w) => w.technicianName ?? t("unassigned") },
  ];
  // Counts only the filters behind the button: the search box and the due-date cards stay in view.
  const activeFilters = [input.status, input.type, input.priority, input.open, role === "technician" && input.mine].filter(Boolean).length;
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <CountCard label={tw("dueStates.overdue")} value={data.counts.overdue} active={input.due === "overdue"} tone="bad" onClick={() => update({ due: input.due === "overdue" ? "" : "overdue" })} />
        <CountCard
          label={tw("dueStates.due_soon")}
          value={data.counts.dueSoon}
          active={input.due === "due_soon"}
          tone="warn"
          onClick={() => update({ due: input.due === "due_soon" ? "" : "due_soon" })}
        />
      </div>
      <FilterPanel
        id="work-order-filters"
        className="grid gap-2 sm:grid-cols-2 md:grid lg:grid-cols-4"
        activeFilters={activeFilters}
        search={<SearchBox label={t("search")} className="min-w-0 flex-1 md:max-w-md" inputProps={search.inputProps} />}
      >
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={workOrderStatuses.map((s) => ({ value: s, label: tw(`statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          label={t("type")}
          allLabel={t("allTypes")}
          value={input.type}
          options={workOrderTypes.map((s) => ({ value: s, label: tw(`types.${s}`) }))}
          onChange={(type) => update({ type })}
        />
        <FilterSelect
          label={t("priority")}
          allLabel={t("allPriorities")}
          value={input.priority}
          options={workOrderPriorities.map((s) => ({ value: s, label: tw(`priorities.${s}`) }))}
          onChange={(priority) => update({ priority })}
        />
        <div className="flex flex-wrap items-center gap-3 text-sm">
          {role === "technician" && (
            <label className="flex min-h-11 items-center gap-2 md:min-h-0">
              <input type="checkbox" className="size-4" checked={input.mine ?? false} onChange={(e) => update({ mine: e.target.checked ? "true" : "" })} />
              {t("mine")}
            </label>
          )}
          <label className="flex min-h-11 items-center gap-2 md:min-h-0">
            <input type="checkbox" className="size-4" checked={input.open ?? false} onChange={(e) => update({ open: e.target.checked ? "true" : "" })} />
            {t("openOnly")}
          </label>
        </div>
      </FilterPanel>
      <div className="flex justify-end">
        <Button asChild size="sm" variant="outline">
          <a href={`/api/work-orders/export${queryString ? `?${queryString}` : ""}`} download>
            <DownloadIcon /> {t("exportCsv")}
          </a>
        </Button>
      </div>
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(w) => w.id}
        rowLabel={(w) => `WO-${w.number} ${titleOf(w, w.serialNumber)}`}
        rowHref={(w) => `/work-orders/${w.id}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="work-orders"
      />
    </div>
  );
}

function CountCard({ label, value, active, tone, onClick }: { label: string; value: number; active: boolean; tone: "bad" | "warn"; onClick: () => void }) {
  return (
    <button type="button" aria-pressed={active} onClick={onClick} className={cn("rounded-xl border bg-card p-3 text-left hover:bg-accent", active && "ring-2 ring-primary")}>
      <span className="flex items-center gap-2 text-sm text-muted-foreground">
        <span className={cn("size-2 rounded-full", value === 0 ? "bg-muted" : tone === "bad" ? "bg-red-500" : "bg-amber-500")} aria-hidden />
        {label}
      </span>
      <span className="text-2xl font-semibold tabular-nums">{value}</span>
    </button>
  );
}

const day = (date: Date) => date.toISOString().slice(0, 10);
/** Work orders shown per day in the month view; the week view shows them all. */
const DAY_LIMIT = 4;
/** The date in the URL when it is a real one, else today in the fleet's time zone (as the server counts due dates). */
const parseDay = (text: string | null) => {
  const date = text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
  return date && !Number.isNaN(date.getTime()) && day(date) === text ? date : new Date(`${fleetToday()}T00:00:00Z`);
};
const shiftDays = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);

/** The visible days: Monday to Sunday of the week, or the weeks covering the month. */
function calendarRange(mode: "week" | "month", anchor: Date): { from: Date; days: Date[] } {
  const mondayOf = (d: Date) => shiftDays(d, -((d.getUTCDay() + 6) % 7));
  if (mode === "week") {
    const from = mondayOf(anchor);
    return { from, days: Array.from({ length: 7 }, (_, i) => shiftDays(from, i)) };
  }
  const first = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), 1));
  const last = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() + 1, 0));
  const from = mondayOf(first);
  const count = Math.ceil((last.getTime() - from.getTime()) / 86_400_000 / 7 + 1 / 7) * 7;
  return { from, days: Array.from({ length: count }, (_, i) => shiftDays(from, i)) };
}

function WorkCalendar({ role }: { role: UserRole }) {
  const t = useTranslations("maintenance");
  const titleOf = useWorkOrderTitle();
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const { update } = useListParams(workOrderListInput);
  const mode = searchParams.get("cal") === "week" ? "week" : "month";
  const anchor = parseDay(searchParams.get("date"));
  const mine = searchParams.get("mine") === "true";
  const { days } = calendarRange(mode, anchor);
  const range = { from: day(days[0]!), to: day(days.at(-1)!), mine };
  const { data, isLoading, error } = useQuery(trpc.maintenance.calendar.queryOptions(range));
  const move = (direction: number) => {
    const next = mode === "week" ? shiftDays(anchor, 7 * direction) : new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() + direction, 1));
    update({ view: "calendar", cal: mode, date: day(next), mine: mine ? "true" : "" });
  };
  const title = new Intl.DateTimeFormat(
    undefined,
    mode === "month" ? { month: "long", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" },
  ).format(mode === "month" ? anchor : days[0]!);
  const byDay = new Map<string, NonNullable<typeof data>>();
  for (const w of data ?? []) byDay.set(w.dueDate, [...(byDay.get(w.dueDate) ?? []), w]);
  const today = fleetToday();
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-2">
          <Button variant="outline" size="icon" aria-label={t("previous")} onClick={() => move(-1)}>
            <ChevronLeftIcon />
          </Button>
          <h2 className="min-w-40 text-center font-medium" aria-live="polite">
            {title}
          </h2>
          <Button variant="outline" size="icon" aria-label={t("next")} onClick={() => move(1)}>
            <ChevronRightIcon />
          </Button>
        </div>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          {role === "technician" && (
            <label className="flex items-center gap-2">
              <input type="checkbox" className="size-4" checked={mine} onChange={(e) => update({ view: "calendar", cal: mode, date: day(anchor), mine: e.target.checked ? "true" : "" })} />
              {t("mine")}
            </label>
          )}
          {(["week", "month"] as const).map((m) => (
            <Button
              key={m}
              size="sm"
              variant={mode === m ? "default" : "outline"}
              aria-pressed={mode === m}
              onClick={() => update({ view: "calendar", cal: m, date: day(anchor), mine: mine ? "true" : "" })}
            >
              {t(`calendarModes.${m}`)}
            </Button>
          ))}
        </div>
      </div>
      <FormError error={error} />
      {isLoading ? (
        <TableSkeleton rows={5} />
      ) : (
        <ol className="grid gap-px overflow-hidden rounded-xl border bg-border sm:grid-cols-7" data-testid="calendar">
          {days.map((d) => {
            const key = day(d);
            const items = byDay.get(key) ?? [];
            const outside = mode === "month" && d.getUTCMonth() !== anchor.getUTCMonth();
            return (
              <li key={key} className={cn("min-h-24 bg-card p-1.5", outside && "bg-muted/40 text-muted-foreground", items.length === 0 && "hidden sm:block")}>
                <p className={cn("mb-1 text-xs", key === today && "font-semibold text-primary")}>
                  {new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", timeZone: "UTC" }).format(d)}
                </p>
                <ul className="space-y-1">
                  {items.slice(0, mode === "month" ? DAY_LIMIT : undefined).map((w) => (
                    <li key={w.id}>
                      <Link
                        href={`/work-orders/${w.id}`}
                        className={cn(
                          "block truncate rounded px-1.5 py-0.5 text-xs hover:underline",
                          w.status === "done" ? "bg-emerald-50 text-emerald-800" : w.dueState === "overdue" ? "bg-red-50 text-red-800" : "bg-primary/10 text-primary",
                        )}
                        title={`WO-${w.number} ${titleOf(w, w.serialNumber)} · ${w.serialNumber}`}
                      >
                        {w.serialNumber} · {titleOf(w, w.serialNumber)}
                      </Link>
                    </li>
                  ))}
                  {mode === "month" && items.length > DAY_LIMIT && (
                    <li>
                      {/* A busy day opens in the week view, which shows all of its work. */}
                      <Link className="block px-1.5 text-xs text-primary hover:underline" href={`/maintenance?view=calendar&cal=week&date=${key}${mine ? "&mine=true" : ""}`}>
                        {t("more", { count: items.length - DAY_LIMIT })}
                      </Link>
                    </li>
                  )}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
      {data?.length === 0 && <p className="text-sm text-muted-foreground">{t("calendarEmpty")}</p>}
    </div>
  );
}

/** Copies the text, and says so for a moment (to screen readers too). */
function CopyButton({ text }: { text: string }) {
  const t = useTranslations("maintenance");
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <>
      <Button
        type="button"
        variant="outline"
        className="h-11 shrink-0"
        onClick={async () => {
          // The clipboard is there only on HTTPS pages; elsewhere the address stays selectable in the box.
          try {
            await navigator.clipboard.writeText(text);
            setState("copied");
          } catch {
            setState("failed");
          }
        }}
      >
        {state === "copied" ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />}
        {state === "copied" ? t("copied") : t("copy")}
      </Button>
      <span role="status" className="sr-only">
        {state === "copied" ? t("copied") : state === "failed" ? t("copyFailed") : ""}
      </span>
    </>
  );
}

/** A technician's secret iCalendar URL: shown once when made; making a new one stops the old. */
function CalendarFeedDialog() {
  const t = useTranslations("maintenance");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const { data: feed } = useQuery({ ...trpc.maintenance.calendarFeed.queryOptions(), enabled: open });
  const rotate = useMutation(trpc.maintenance.rotateCalendarFeed.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.maintenance.calendarFeed.pathFilter()) }));
  const url = rotate.data ? `${window.location.origin}/api/calendar/${rotate.data.token}.ics` : null;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) rotate.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <CalendarDaysIcon /> {t("calendarFeed")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("calendarFeed")}</DialogTitle>
          <DialogDescription>{t("calendarFeedHint")}</DialogDescription>
        </DialogHeader>
        {url ? (
          <Card>
            <CardContent className="space-y-2 pt-4">
              <div className="flex gap-2">
                <Input readOnly value={url} aria-label={t("calendarFeedUrl")} className="h-11 min-w-0 flex-1" onFocus={(e) => e.currentTarget.select()} />
                <CopyButton text={url} />
              </div>
              <p className="text-xs text-muted-foreground">{t("calendarFeedOnce")}</p>
            </CardContent>
          </Card>
        ) : (
          <p className="text-sm">{feed?.since ? t("calendarFeedExists") : t("calendarFeedNone")}</p>
        )}
        <FormError error={rotate.error} />
        {!url && (
          <Button disabled={rotate.isPending} onClick={() => rotate.mutate({ rotate: true })}>
            {feed?.since ? t("calendarFeedRotate") : t("calendarFeedCreate")}
          </Button>
        )}
      </DialogContent>
    </Dialog>
  );
}
