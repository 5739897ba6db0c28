"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { ArrowLeftIcon, CheckIcon, MinusIcon, PlusIcon, ShieldAlert, Trash2Icon, XIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { useRef, useState } from "react";
import { checklistResults, workOrderPriorities, type ChecklistResult, type UserRole } from "@/db/schema/values";
import type { AppRouter } from "@/server/root";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DateTime } from "@/app/_components/format";
import { FieldError, FormError } from "@/app/_components/form-error";
import { TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label, Select, Textarea } from "@/app/_components/ui/input";
import { DueBadge, PriorityBadge, WorkOrderStatusBadge } from "@/app/_components/work-order-status";
import { useTRPC } from "@/app/_lib/trpc/client";
import { cn } from "@/app/_lib/utils";

type WorkOrder = inferRouterOutputs<AppRouter>["maintenance"]["get"];

const resultVariant = { pass: "success", fail: "danger", na: "muted" } as const;
const resultIcon = { pass: CheckIcon, fail: XIcon, na: MinusIcon } as const;
const checkedResultClass: Record<ChecklistResult, string> = {
  pass: "border-emerald-600 bg-emerald-600 text-white",
  fail: "border-red-600 bg-red-600 text-white",
  na: "border-zinc-600 bg-zinc-600 text-white",
};

/** Every change here can touch the lists, the calendar and the terminal (a failed tamper check suspends it). */
function useInvalidate() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries(trpc.maintenance.pathFilter()), queryClient.invalidateQueries(trpc.terminals.pathFilter())]);
}

/** Checklist labels live in the catalogue; a key added to a checklist before its label still shows. */
function useChecklistLabel() {
  const t = useTranslations("checklist");
  return (key: string) => (t.has(key) ? t(key) : key);
}

/** A "YYYY-MM-DD" day, formatted as that calendar day whatever the viewer's time zone. */
function Day({ day }: { day: string }) {
  const format = useFormatter();
  return <time dateTime={day}>{format.dateTime(new Date(`${day}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" })}</time>;
}

function Saved({ show }: { show: boolean }) {
  const t = useTranslations("workOrder");
  if (!show) return null;
  return (
    <p role="status" className="text-sm text-emerald-700">
      {t("saved")}
    </p>
  );
}

export function WorkOrderDetail({ id, role }: { id: string; role: UserRole }) {
  const t = useTranslations("workOrder");
  const tw = useTranslations("workOrders");
  const trpc = useTRPC();
  const { data: order } = useSuspenseQuery(trpc.maintenance.get.queryOptions({ id }));
  const worker = role === "admin" || role === "technician";
  const closed = order.status === "done" || order.status === "cancelled";
  const editable = worker && !closed;

  const details: [string, React.ReactNode][] = [
    [
      t("terminal"),
      <span key="terminal" className="flex flex-wrap items-center gap-2">
        <Link className="font-mono text-primary hover:underline" href={`/terminals/${encodeURIComponent(order.serialNumber)}`}>
          {order.serialNumber}
        </Link>
        <TerminalStatusBadge status={order.terminalStatus} />
      </span>,
    ],
    [t("model"), order.modelName],
    [t("merchantStore"), [order.merchantName, order.storeName].filter(Boolean).join(" · ") || "—"],
    [t("address"), order.storeAddress ?? "—"],
    [t("dueDate"), <Day key="due" day={order.dueDate} />],
    [t("technician"), order.technicianName ?? t("unassigned")],
  ];
  if (order.scheduledFor) details.push([t("scheduledFor"), <DateTime key="scheduled" date={order.scheduledFor} />]);
  if (order.startedAt) details.push([t("startedAt"), <DateTime key="started" date={order.startedAt} />]);
  if (order.completedAt) details.push([t("completedAt"), <DateTime key="completed" date={order.completedAt} />]);

  return (
    <div className="space-y-4">
      <Link href="/maintenance" className="inline-flex min-h-11 items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeftIcon className="size-4" aria-hidden />
        {t("back")}
      </Link>
      <div className="space-y-2">
        <h1 className="text-xl font-semibold">
          <span className="font-mono text-muted-foreground">WO-{order.number}</span> {order.title}
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          <span data-testid="work-order-status">
            <WorkOrderStatusBadge status={order.status} />
          </span>
          <DueBadge state={order.dueState} />
          <PriorityBadge priority={order.priority} />
          <Badge variant="outline">{tw(`types.${order.type}`)}</Badge>
        </div>
      </div>

      {order.tamperAlert && (
        <div role="alert" data-testid="tamper-alert" className="flex gap-3 rounded-xl border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
          <ShieldAlert className="size-6 shrink-0 text-red-600" aria-hidden />
          <div className="space-y-1">
            <p className="font-semibold">{t("tamperBannerTitle")}</p>
            <p>{t("tamperBanner")}</p>
            {order.parentId && (
              <Link className="inline-flex min-h-11 items-center font-medium underline" href={`/work-orders/${order.parentId}`}>
                {t("tamperParent")}
              </Link>
            )}
          </div>
        </div>
      )}

      <Card>
        <CardHeader>
          <CardTitle>{t("details")}</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
            {details.map(([label, value]) => (
              <div key={label}>
                <dt className="text-muted-foreground">{label}</dt>
                <dd className="font-medium break-words">{value}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="min-w-0 space-y-4 lg:col-span-2">
          <ReportCard order={order} />
          {editable && <StatusActions order={order} />}
          <ChecklistCard order={order} editable={editable} />
          <WorkLogCard order={order} editable={editable} />
          <NotesCard order={order} canAdd={worker} />
        </div>
        <div className="min-w-0 space-y-4">
          <RelatedCard order={order} />
          {role === "admin" && !closed && <PlanningCard order={order} />}
        </div>
      </div>
    </div>
  );
}

/** What the merchant reported (symptoms), or the description an admin or the tamper alert wrote. */
function ReportCard({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const ts = useTranslations("workOrders.symptoms");
  if (order.symptoms.length === 0 && !order.description) return null;
  return (
    <Card data-testid="fault-report">
      <CardHeader>
        <CardTitle>{order.symptoms.length ? t("faultReport") : t("description")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-2 text-sm">
        {order.symptoms.length > 0 && (
          <ul className="list-inside list-disc space-y-1">
            {order.symptoms.map((s) => (
              <li key={s}>{ts.has(s) ? ts(s) : s}</li>
            ))}
          </ul>
        )}
        {order.description && <p className="whitespace-pre-wrap">{order.description}</p>}
        {order.reportedBy && <p className="text-muted-foreground">{t("reportedBy", { name: order.reportedBy })}</p>}
      </CardContent>
    </Card>
  );
}

function StatusActions({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const checklistLabel = useChecklistLabel();
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const move = useMutation(trpc.maintenance.move.mutationOptions({ onSuccess: invalidate }));
  // Its own mutation, so a refused cancellation shows in the dialog rather than on the page.
  const cancel = useMutation(trpc.maintenance.move.mutationOptions({ onSuccess: invalidate }));
  const inProgress = order.status === "in_progress";
  const blocked = order.completionProblems.length > 0;
  const big = "h-11 flex-1 sm:flex-none";
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("actions")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        <div className="flex flex-wrap items-center gap-2">
          {(order.status === "open" || order.status === "scheduled") && (
            <Button size="lg" className={big} disabled={move.isPending} onClick={() => move.mutate({ id: order.id, status: "in_progress" })}>
              {t("start")}
            </Button>
          )}
          {inProgress && (
            <Button
              size="lg"
              className={big}
              disabled={move.isPending || blocked}
              aria-describedby={blocked ? "completion-problems" : undefined}
              onClick={() => move.mutate({ id: order.id, status: "done" })}
            >
              {t("complete")}
            </Button>
          )}
          {inProgress && (
            <Button size="lg" variant="outline" className={big} disabled={move.isPending} onClick={() => move.mutate({ id: order.id, status: "scheduled" })}>
              {t("backToScheduled")}
            </Button>
          )}
          <ConfirmDialog
            label={t("cancelOrder")}
            destructive
            description={t("cancelConfirm", { number: order.number })}
            onConfirm={() => cancel.mutateAsync({ id: order.id, status: "cancelled" })}
            error={cancel.error}
            pending={cancel.isPending}
          />
        </div>
        {inProgress && blocked && (
          <div id="completion-problems" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
            <p className="font-medium">{t("completeNeeds")}</p>
            <ul className="mt-1 list-inside list-disc">
              {order.completionProblems.map((p) => (
                <li key={p.missing}>
                  {p.missing === "checklist" ? t("needsResults", { items: p.keys.map(checklistLabel).join(t("listSeparator")) }) : t(p.missing === "resolution" ? "needsResolution" : "needsSignoff")}
                </li>
              ))}
            </ul>
          </div>
        )}
        <FormError error={move.error} />
      </CardContent>
    </Card>
  );
}

// ---------------------------------------------------------------- checklist

type Line = { key: string; tamper: boolean; saved: ChecklistResult | null; result: ChecklistResult | null; note: string };

function ChecklistCard({ order, editable }: { order: WorkOrder; editable: boolean }) {
  const t = useTranslations("workOrder");
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  // Kept here, outside the form that remounts with the saved checklist, so the alert stays.
  const [followUpId, setFollowUpId] = useState<string | null>(null);
  const save = useMutation(
    trpc.maintenance.saveChecklist.mutationOptions({
      onSuccess: async (result) => {
        if (result.tamper) setFollowUpId(result.tamper.followUpId);
        await invalidate();
      },
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("checklist")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {followUpId && (
          <div
            role="alert"
            data-testid="tamper-followup"
            className="flex gap-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
          >
            <ShieldAlert className="size-5 shrink-0 text-red-600" aria-hidden />
            <div>
              <p className="font-semibold">{t("tamperFailed")}</p>
              <Link className="inline-flex min-h-11 items-center font-medium underline" href={`/work-orders/${followUpId}`}>
                {t("tamperFollowUp")}
              </Link>
            </div>
          </div>
        )}
        {order.checklist.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("checklistEmpty")}</p>
        ) : editable ? (
          <ChecklistForm
            // Saved results from the server (after a save or someone else's) start the form afresh.
            key={JSON.stringify(order.checklist)}
            items={order.checklist}
            pending={save.isPending}
            error={save.error}
            saved={save.isSuccess}
            onEdit={() => save.isSuccess && save.reset()}
            onSave={(items) => save.mutate({ id: order.id, items })}
          />
        ) : (
          <ChecklistView items={order.checklist} />
        )}
      </CardContent>
    </Card>
  );
}

function ChecklistForm({
  items,
  pending,
  error,
  saved,
  onEdit,
  onSave,
}: {
  items: WorkOrder["checklist"];
  pending: boolean;
  error: unknown;
  saved: boolean;
  onEdit: () => void;
  onSave: (items: { key: string; result: ChecklistResult | null; note: string }[]) => void;
}) {
  const t = useTranslations("workOrder");
  const tc = useTranslations("common");
  const label = useChecklistLabel();
  const [lines, setLines] = useState<Line[]>(() => items.map((i) => ({ key: i.key, tamper: !!i.tamper, saved: i.result ?? null, result: i.result ?? null, note: i.note ?? "" })));
  const change = (index: number, patch: Partial<Line>) => {
    onEdit();
    setLines((all) => all.map((line, i) => (i === index ? { ...line, ...patch } : line)));
  };
  return (
    <form
      className="space-y-3"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        // Only the lines changed here: someone else's results on other lines stay as they saved them.
        const changed = lines.filter((line, i) => (line.result ?? null) !== (items[i]?.result ?? null) || (line.note ?? "") !== (items[i]?.note ?? ""));
        onSave(changed.map(({ key, result, note }) => ({ key, result, note })));
      }}
    >
      <ol className="divide-y" data-testid="checklist">
        {lines.map((line, index) => {
          const labelId = `check-${line.key}`;
          return (
            <li key={line.key} className={cn("space-y-2 py-3", line.tamper && "-mx-2 rounded-md border-l-4 border-red-500 bg-red-50/50 px-2 dark:bg-red-950/30")} data-testid={`check-${line.key}`}>
              <div className="flex gap-2">
                {line.tamper && <ShieldAlert className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden />}
                <div>
                  <p id={labelId} className="text-sm font-medium">
                    {label(line.key)}
                  </p>
                  {line.tamper && <p className="text-xs font-semibold uppercase tracking-wide text-red-700 dark:text-red-300">{t("tamperLine")}</p>}
                </div>
              </div>
              <ResultChoice labelledBy={labelId} value={line.result} onChange={(result) => change(index, { result })} />
              {line.tamper && line.result === "fail" && line.saved !== "fail" && (
                <p className="rounded-md bg-red-100 px-3 py-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100">{t("tamperWarning")}</p>
              )}
              <Input
                aria-label={t("noteOn", { item: label(line.key) })}
                placeholder={t("notePlaceholder")}
                className="h-11"
                maxLength={500}
                value={line.note}
                onChange={(e) => change(index, { note: e.target.value })}
              />
            </li>
          );
        })}
      </ol>
      <FormError error={error} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" size="lg" className="h-11 w-full sm:w-auto" disabled={pending}>
          {pending ? tc("saving") : t("saveChecklist")}
        </Button>
        <Saved show={saved} />
      </div>
    </form>
  );
}

/** Pass / fail / N/A as one radio group of big buttons; arrow keys move and choose, like native radios. */
function ResultChoice({ labelledBy, value, onChange }: { labelledBy: string; value: ChecklistResult | null; onChange: (result: ChecklistResult) => void }) {
  const tr = useTranslations("workOrders.results");
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const tabStop = value ? checklistResults.indexOf(value) : 0;
  const onKeyDown = (e: React.KeyboardEvent, index: number) => {
    const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (index + step + checklistResults.length) % checklistResults.length;
    onChange(checklistResults[next]!);
    buttons.current[next]?.focus();
  };
  return (
    <div role="radiogroup" aria-labelledby={labelledBy} className="grid grid-cols-3 gap-2">
      {checklistResults.map((result, index) => {
        const Icon = resultIcon[result];
        const checked = value === result;
        return (
          <button
            key={result}
            ref={(el) => {
              buttons.current[index] = el;
            }}
            type="button"
            role="radio"
            aria-checked={checked}
            tabIndex={index === tabStop ? 0 : -1}
            onClick={() => onChange(result)}
            onKeyDown={(e) => onKeyDown(e, index)}
            className={cn(
              "inline-flex h-12 items-center justify-center gap-1.5 rounded-md border text-sm font-medium transition-colors focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:outline-none",
              checked ? checkedResultClass[result] : "border-input bg-card hover:bg-accent",
            )}
          >
            <Icon className="size-4" aria-hidden />
            {tr(result)}
          </button>
        );
      })}
    </div>
  );
}

function ChecklistView({ items }: { items: WorkOrder["checklist"] }) {
  const t = useTranslations("workOrder");
  const tr = useTranslations("workOrders.results");
  const label = useChecklistLabel();
  return (
    <ol className="divide-y" data-testid="checklist">
      {items.map((item) => (
        <li key={item.key} className="flex items-start gap-2 py-3 text-sm" data-testid={`check-${item.key}`}>
          {item.tamper && <ShieldAlert className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden />}
          <div className="min-w-0 flex-1">
            <p className="font-medium">{label(item.key)}</p>
            {item.tamper && <p className="text-xs font-semibold uppercase tracking-wide text-red-700 dark:text-red-300">{t("tamperLine")}</p>}
            {item.note && <p className="text-muted-foreground">{item.note}</p>}
          </div>
          {item.result ? <Badge variant={resultVariant[item.result]}>{tr(item.result)}</Badge> : <Badge variant="outline">{t("notRecorded")}</Badge>}
        </li>
      ))}
    </ol>
  );
}

// ---------------------------------------------------------------- work log

function WorkLogCard({ order, editable }: { order: WorkOrder; editable: boolean }) {
  const t = useTranslations("workOrder");
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const save = useMutation(trpc.maintenance.saveWorkLog.mutationOptions({ onSuccess: invalidate }));
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("workLog")}</CardTitle>
      </CardHeader>
      <CardContent>
        {editable ? (
          <WorkLogForm
            key={JSON.stringify([order.parts, order.minutesSpent, order.resolution, order.signoffName])}
            order={order}
            pending={save.isPending}
            error={save.error}
            saved={save.isSuccess}
            onEdit={() => save.isSuccess && save.reset()}
            onSave={(log) => save.mutate({ id: order.id, ...log })}
          />
        ) : (
          <WorkLogView order={order} />
        )}
      </CardContent>
    </Card>
  );
}

type PartRow = { id: number; name: string; quantity: string };
let partRowId = 0;
const partRow = (name = "", quantity = "1"): PartRow => ({ id: ++partRowId, name, quantity });

function WorkLogForm({
  order,
  pending,
  error,
  saved,
  onEdit,
  onSave,
}: {
  order: WorkOrder;
  pending: boolean;
  error: unknown;
  saved: boolean;
  onEdit: () => void;
  onSave: (log: { parts: { name: string; quantity: number }[]; minutesSpent: number | null; resolution: string; signoffName: string }) => void;
}) {
  const t = useTranslations("workOrder");
  const tc = useTranslations("common");
  const [parts, setParts] = useState(() => order.parts.map((p) => partRow(p.name, String(p.quantity))));
  const [minutes, setMinutes] = useState(order.minutesSpent == null ? "" : String(order.minutesSpent));
  const [resolution, setResolution] = useState(order.resolution ?? "");
  const [signoffName, setSignoffName] = useState(order.signoffName ?? "");
  // Typing reaches onEdit through the form's change events; adding and removing rows are clicks.
  const changeParts = (next: PartRow[]) => {
    onEdit();
    setParts(next);
  };
  const setPart = (id: number, patch: Partial<PartRow>) => setParts(parts.map((p) => (p.id === id ? { ...p, ...patch } : p)));
  return (
    <form
      className="grid gap-4"
      noValidate
      onChange={onEdit}
      onSubmit={(e) => {
        e.preventDefault();
        onSave({
          // An empty row is one the technician added and did not use.
          parts: parts.filter((p) => p.name.trim()).map((p) => ({ name: p.name.trim(), quantity: Number(p.quantity) })),
          minutesSpent: minutes.trim() === "" ? null : Number(minutes),
          resolution,
          signoffName,
        });
      }}
    >
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">{t("parts")}</legend>
        {parts.length === 0 && <p className="text-sm text-muted-foreground">{t("noParts")}</p>}
        {parts.map((part, index) => (
          <div key={part.id} className="flex gap-2">
            <Input
              aria-label={t("partName", { n: index + 1 })}
              placeholder={t("partPlaceholder")}
              className="h-11 flex-1"
              maxLength={120}
              value={part.name}
              onChange={(e) => setPart(part.id, { name: e.target.value })}
            />
            <Input
              aria-label={t("partQuantity", { n: index + 1 })}
              type="number"
              inputMode="numeric"
              min={1}
              max={999}
              className="h-11 w-20"
              value={part.quantity}
              onChange={(e) => setPart(part.id, { quantity: e.target.value })}
            />
            <Button type="button" variant="outline" className="size-11 shrink-0" aria-label={t("removePart", { n: index + 1 })} onClick={() => changeParts(parts.filter((p) => p.id !== part.id))}>
              <Trash2Icon aria-hidden />
            </Button>
          </div>
        ))}
        <FieldError error={error} field="parts" />
        <Button type="button" variant="outline" className="h-11 w-full sm:w-auto sm:justify-self-start" onClick={() => changeParts([...parts, partRow()])}>
          <PlusIcon aria-hidden />
          {t("addPart")}
        </Button>
      </fieldset>
      <div className="grid gap-1.5">
        <Label htmlFor="wo-minutes">{t("minutesSpent")}</Label>
        <Input id="wo-minutes" type="number" inputMode="numeric" min={0} max={10_000} className="h-11 sm:w-40" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        <FieldError error={error} field="minutesSpent" />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="wo-resolution">{t("resolution")}</Label>
        <Textarea id="wo-resolution" rows={4} maxLength={4000} value={resolution} onChange={(e) => setResolution(e.target.value)} />
        <FieldError error={error} field="resolution" />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="wo-signoff">{t("signoffName")}</Label>
        <Input id="wo-signoff" autoComplete="off" className="h-11" maxLength={120} value={signoffName} onChange={(e) => setSignoffName(e.target.value)} />
        <FieldError error={error} field="signoffName" />
      </div>
      <FormError error={error} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" size="lg" className="h-11 w-full sm:w-auto" disabled={pending}>
          {pending ? tc("saving") : t("saveWorkLog")}
        </Button>
        <Saved show={saved} />
      </div>
    </form>
  );
}

function WorkLogView({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  return (
    <dl className="grid gap-3 text-sm" data-testid="work-log">
      <div>
        <dt className="text-muted-foreground">{t("parts")}</dt>
        <dd className="font-medium">
          {order.parts.length === 0 ? (
            t("noParts")
          ) : (
            <ul>
              {order.parts.map((p, i) => (
                <li key={i}>
                  {p.quantity} × {p.name}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </div>
      <div>
        <dt className="text-muted-foreground">{t("minutesSpent")}</dt>
        <dd className="font-medium">{order.minutesSpent ?? "—"}</dd>
      </div>
      <div>
        <dt className="text-muted-foreground">{t("resolution")}</dt>
        <dd className="font-medium whitespace-pre-wrap">{order.resolution ?? "—"}</dd>
      </div>
      <div>
        <dt className="text-muted-foreground">{t("signoffName")}</dt>
        <dd className="font-medium">{order.signoffName ?? "—"}</dd>
      </div>
    </dl>
  );
}

// ---------------------------------------------------------------- notes, links, planning

function NotesCard({ order, canAdd }: { order: WorkOrder; canAdd: boolean }) {
  const t = useTranslations("workOrder");
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const [body, setBody] = useState("");
  const add = useMutation(
    trpc.maintenance.addNote.mutationOptions({
      onSuccess: async () => {
        setBody("");
        await invalidate();
      },
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("notes")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        {order.notes.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("noNotes")}</p>
        ) : (
          <ol className="space-y-3" data-testid="work-order-notes">
            {order.notes.map((note) => (
              <li key={note.id} className="border-l-2 pl-3 text-sm">
                <p className="text-xs text-muted-foreground">
                  <span className="font-medium text-foreground">{note.authorLabel}</span> · <DateTime date={note.createdAt} />
                </p>
                <p className="whitespace-pre-wrap">{note.body}</p>
              </li>
            ))}
          </ol>
        )}
        {canAdd && (
          <form
            className="grid gap-2"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              add.mutate({ id: order.id, body });
            }}
          >
            <Label htmlFor="wo-note">{t("newNote")}</Label>
            <Textarea id="wo-note" rows={3} maxLength={2000} value={body} onChange={(e) => setBody(e.target.value)} />
            <FormError error={add.error} />
            <Button type="submit" size="lg" className="h-11 w-full sm:w-auto sm:justify-self-start" disabled={add.isPending || !body.trim()}>
              {t("addNote")}
            </Button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}

function RelatedCard({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  if (!order.parentId && order.followUps.length === 0) return null;
  return (
    <Card data-testid="related-work-orders">
      <CardHeader>
        <CardTitle>{t("related")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3 text-sm">
        {order.parentId && (
          <div>
            <p className="text-muted-foreground">{t("parent")}</p>
            <Link className="inline-flex min-h-11 items-center font-medium text-primary hover:underline" href={`/work-orders/${order.parentId}`}>
              {t("parentLink")}
            </Link>
          </div>
        )}
        {order.followUps.length > 0 && (
          <div>
            <p className="text-muted-foreground">{t("followUps")}</p>
            <ul>
              {order.followUps.map((f) => (
                <li key={f.id} className="flex min-h-11 items-center gap-2">
                  <Link className="font-mono font-medium text-primary hover:underline" href={`/work-orders/${f.id}`}>
                    WO-{f.number}
                  </Link>
                  <WorkOrderStatusBadge status={f.status} />
                </li>
              ))}
            </ul>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

/** Assigning, prioritising and dating work: admins only (the server refuses the others). */
function PlanningCard({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const tp = useTranslations("workOrders.priorities");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const technicians = useQuery(trpc.maintenance.technicians.queryOptions({ merchantId: order.merchantId }));
  const update = useMutation(trpc.maintenance.update.mutationOptions({ onSuccess: invalidate }));
  // The current technician stays choosable even if no longer assigned to the merchant (and before the list loads).
  const options = [
    ...(order.technicianId && !technicians.data?.some((u) => u.id === order.technicianId) ? [{ id: order.technicianId, name: order.technicianName ?? order.technicianId }] : []),
    ...(technicians.data ?? []),
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("planning")}</CardTitle>
      </CardHeader>
      <CardContent>
        <form
          key={`${order.technicianId}|${order.priority}|${order.dueDate}`}
          className="grid gap-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const technicianId = String(form.get("technicianId") ?? "") || null;
            const priority = String(form.get("priority")) as WorkOrder["priority"];
            const dueDate = String(form.get("dueDate") ?? "");
            // Only what changed: re-sending an unchanged technician would re-check an assignment that may have ended.
            update.mutate({
              id: order.id,
              ...(technicianId !== order.technicianId ? { technicianId } : {}),
              ...(priority !== order.priority ? { priority } : {}),
              ...(dueDate !== order.dueDate ? { dueDate } : {}),
            });
          }}
          onChange={() => update.isSuccess && update.reset()}
        >
          <div className="grid gap-1.5">
            <Label htmlFor="wo-technician">{t("technician")}</Label>
            <Select id="wo-technician" name="technicianId" className="h-11" defaultValue={order.technicianId ?? ""}>
              <option value="">{t("unassigned")}</option>
              {options.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </Select>
            <FieldError error={update.error} field="technicianId" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-priority">{t("priority")}</Label>
            <Select id="wo-priority" name="priority" className="h-11" defaultValue={order.priority}>
              {workOrderPriorities.map((p) => (
                <option key={p} value={p}>
                  {tp(p)}
                </option>
              ))}
            </Select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-due">{t("dueDate")}</Label>
            <Input id="wo-due" name="dueDate" type="date" required className="h-11" defaultValue={order.dueDate} />
            <FieldError error={update.error} field="dueDate" />
          </div>
          <FormError error={update.error} />
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" size="lg" className="h-11 w-full sm:w-auto" disabled={update.isPending}>
              {update.isPending ? tc("saving") : tc("save")}
            </Button>
            <Saved show={update.isSuccess} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
