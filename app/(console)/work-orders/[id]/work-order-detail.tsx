"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { ArrowLeftIcon, CameraIcon, CheckIcon, CloudOffIcon, MapPinIcon, MinusIcon, PhoneIcon, PlusIcon, ShieldAlert, Trash2Icon, XIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { checklistResults, workOrderPriorities, type ChecklistResult, type UserRole } from "@/db/schema/values";
import type { AppRouter } from "@/server/root";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DateTime } from "@/app/_components/format";
import { FieldError, fieldErrors, FormError, invalidProps } from "@/app/_components/form-error";
import { TableSkeleton } from "@/app/_components/list-controls";
import { TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label, Select, Textarea } from "@/app/_components/ui/input";
import { DueBadge, PriorityBadge, WorkOrderStatusBadge } from "@/app/_components/work-order-status";
import { WorkOrderTitle } from "@/app/_components/work-order-title";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useHydrated } from "@/app/_lib/use-hydrated";
import { cn } from "@/app/_lib/utils";
import { clearDraft, isNetworkFailure, loadDraft, newId, storeDraft, type WorkDraft } from "./work-draft";

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
  // Kept here, outside the form that remounts with the saved work, so the alert stays.
  const [followUpId, setFollowUpId] = useState<string | null>(null);

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
          <span className="font-mono text-muted-foreground">WO-{order.number}</span> <WorkOrderTitle order={order} serialNumber={order.serialNumber} />
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

      <ReachStore order={order} />

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
          {editable ? (
            <WorkCard order={order} onTamper={setFollowUpId} />
          ) : (
            <>
              <Card>
                <CardHeader>
                  <CardTitle>{t("checklist")}</CardTitle>
                </CardHeader>
                <CardContent>{order.checklist.length === 0 ? <p className="text-sm text-muted-foreground">{t("checklistEmpty")}</p> : <ChecklistView items={order.checklist} />}</CardContent>
              </Card>
              <Card>
                <CardHeader>
                  <CardTitle>{t("workLog")}</CardTitle>
                </CardHeader>
                <CardContent>
                  <WorkLogView order={order} />
                </CardContent>
              </Card>
            </>
          )}
          <PhotosCard order={order} canAdd={editable} />
          <NotesCard order={order} />
        </div>
        <div className="min-w-0 space-y-4">
          <RelatedCard order={order} />
          {role === "admin" && !closed && <PlanningCard order={order} />}
        </div>
      </div>
    </div>
  );
}

/** On the way to the store: call the store (or the merchant when it has no phone), open the address in a map. Big targets for a thumb. */
function ReachStore({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const address = [order.storeAddress, order.storeName, order.merchantName].filter(Boolean).join(", ");
  if (!order.call && !order.storeAddress) return null;
  return (
    <div className="flex flex-wrap gap-2" data-testid="reach-store">
      {order.call && (
        <Button asChild variant="outline" size="lg" className="h-11 flex-1 sm:flex-none">
          <a href={`tel:${order.call.phone}`}>
            <PhoneIcon aria-hidden />
            {t(order.call.whom === "store" ? "callStore" : "callMerchant", { name: order.call.name })}
          </a>
        </Button>
      )}
      {order.storeAddress && (
        <Button asChild variant="outline" size="lg" className="h-11 flex-1 sm:flex-none">
          <a href={`https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`} target="_blank" rel="noopener noreferrer">
            <MapPinIcon aria-hidden />
            {t("openMap")}
          </a>
        </Button>
      )}
    </div>
  );
}

/** What the merchant reported (symptoms), or the description an admin or the tamper alert wrote. */
function ReportCard({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const ts = useTranslations("workOrders.symptoms");
  const tamperFollowUp = order.titleKind === "tamper_follow_up" && order.parentNumber !== null;
  if (order.symptoms.length === 0 && !order.description && !tamperFollowUp) return null;
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
        {tamperFollowUp && !order.description && <p>{t("tamperFollowUpDescription", { number: order.parentNumber! })}</p>}
        {order.description && <p className="whitespace-pre-wrap">{order.description}</p>}
        {order.reportedBy && <p className="text-muted-foreground">{t("reportedBy", { name: order.reportedBy })}</p>}
      </CardContent>
    </Card>
  );
}

/** Start, step back or cancel; completing is the work form's own button. */
function StatusActions({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const move = useMutation(trpc.maintenance.move.mutationOptions({ onSuccess: invalidate }));
  // Its own mutation, so a refused cancellation shows in the dialog rather than on the page.
  const cancel = useMutation(trpc.maintenance.move.mutationOptions({ onSuccess: invalidate }));
  const big = "h-11 flex-1 sm:flex-none";
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("actions")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        <div className="flex flex-wrap items-center gap-2">
          {(order.status === "open" || order.status === "scheduled") && (
            <Button size="lg" variant="outline" className={big} disabled={move.isPending} onClick={() => move.mutate({ id: order.id, status: "in_progress" })}>
              {t("start")}
            </Button>
          )}
          {order.status === "in_progress" && (
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
        <FormError error={move.error} />
      </CardContent>
    </Card>
  );
}

// ---------------------------------------------------------------- the technician's one save

type PartRow = WorkDraft["parts"][number];
let partRowId = 0;
const partRow = (name = "", quantity = "1"): PartRow => ({ id: ++partRowId, name, quantity });

/** The form as the server has it, with fresh keys for this version. */
function draftFrom(order: WorkOrder): WorkDraft {
  return {
    saveId: newId(),
    sent: false,
    pending: false,
    complete: false,
    lines: order.checklist.map((i) => ({ key: i.key, result: i.result ?? null, note: i.note ?? "" })),
    parts: order.parts.map((p) => partRow(p.name, String(p.quantity))),
    minutes: order.minutesSpent == null ? "" : String(order.minutesSpent),
    resolution: order.resolution ?? "",
    signoffName: order.signoffName ?? "",
    note: { id: newId(), body: "" },
  };
}

/** A draft kept from an earlier visit, fitted to the checklist as it is now (a line may have been added since). */
function restoredDraft(order: WorkOrder): WorkDraft | null {
  const stored = loadDraft(order.id);
  if (!stored) return null;
  const byKey = new Map(stored.lines.map((l) => [l.key, l]));
  const fresh = draftFrom(order);
  return {
    ...stored,
    lines: fresh.lines.map((line) => byKey.get(line.key) ?? line),
    // React keys only: numbered again for this page.
    parts: stored.parts.map((p) => partRow(p.name, p.quantity)),
  };
}

/** What stops completion, worked out from the form as it is (the server checks the same). */
function missingForCompletion(draft: WorkDraft) {
  return {
    lines: draft.lines.filter((l) => !l.result).map((l) => l.key),
    resolution: !draft.resolution.trim(),
    signoff: !draft.signoffName.trim(),
  };
}

/** Checklist, work log, a log entry and completion: one form, one primary button, kept on the phone until the server has it. */
function WorkCard({ order, onTamper }: { order: WorkOrder; onTamper: (followUpId: string) => void }) {
  const hydrated = useHydrated();
  // Here, not in the form: the form starts afresh with the saved work, and "Saved" must still show.
  const [phase, setPhase] = useState<Phase>("idle");
  // The draft is in this browser's storage: the form starts once the page runs here, never from the server's render.
  if (!hydrated) return <TableSkeleton rows={4} />;
  return (
    <WorkForm
      key={JSON.stringify([order.checklist, order.parts, order.minutesSpent, order.resolution, order.signoffName, order.notes.length])}
      order={order}
      onTamper={onTamper}
      phase={phase}
      setPhase={setPhase}
    />
  );
}

type Phase = "idle" | "sending" | "offline" | "saved";

function WorkForm({ order, onTamper, phase, setPhase }: { order: WorkOrder; onTamper: (followUpId: string) => void; phase: Phase; setPhase: (phase: Phase) => void }) {
  const t = useTranslations("workOrder");
  const tc = useTranslations("common");
  const label = useChecklistLabel();
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const save = useMutation(trpc.maintenance.saveWork.mutationOptions());
  const [initial] = useState(() => restoredDraft(order));
  const [draft, setDraft] = useState<WorkDraft>(() => initial ?? draftFrom(order));
  const [tried, setTried] = useState(false);
  const latest = useRef(draft);
  const tamperOf = new Map(order.checklist.map((i) => [i.key, !!i.tamper]));
  const savedResult = new Map(order.checklist.map((i) => [i.key, i.result ?? null]));
  const missing = missingForCompletion(draft);
  const completable = missing.lines.length === 0 && !missing.resolution && !missing.signoff;
  // A tamper line answered N/A needs its reason before anything is sent.
  const unexplained = draft.lines.filter((l) => tamperOf.get(l.key) && l.result === "na" && !l.note.trim()).map((l) => l.key);

  const keep = (next: WorkDraft) => {
    latest.current = next;
    setDraft(next);
    storeDraft(order.id, next);
  };
  const edit = (patch: Partial<WorkDraft>) => {
    const current = latest.current;
    // The version that went out may have reached the server: this edit is a new version with its own key.
    keep({ ...current, ...patch, ...(current.sent ? { saveId: newId(), sent: false } : {}) });
    if (phase === "saved") setPhase("idle");
  };
  const setLine = (index: number, patch: Partial<WorkDraft["lines"][number]>) => edit({ lines: latest.current.lines.map((line, i) => (i === index ? { ...line, ...patch } : line)) });
  const setPart = (id: number, patch: Partial<PartRow>) => edit({ parts: latest.current.parts.map((p) => (p.id === id ? { ...p, ...patch } : p)) });

  const send = async (version: WorkDraft) => {
    const outgoing = { ...version, sent: true, pending: true };
    keep(outgoing);
    if (!navigator.onLine) return setPhase("offline");
    setPhase("sending");
    try {
      const result = await save.mutateAsync({
        id: order.id,
        saveId: outgoing.saveId,
        // Only the lines changed here: someone else's results on other lines stay as they saved them.
        checklist: outgoing.lines.filter((l) => l.result !== (savedResult.get(l.key) ?? null) || l.note !== (order.checklist.find((c) => c.key === l.key)?.note ?? "")),
        // An empty row is one the technician added and did not use.
        parts: outgoing.parts.filter((p) => p.name.trim()).map((p) => ({ name: p.name.trim(), quantity: Number(p.quantity) })),
        minutesSpent: outgoing.minutes.trim() === "" ? null : Number(outgoing.minutes),
        resolution: outgoing.resolution,
        signoffName: outgoing.signoffName,
        note: outgoing.note.body.trim() ? outgoing.note : null,
        complete: outgoing.complete,
      });
      // Edits made while it was on its way stay as a draft of their own.
      if (latest.current.saveId === outgoing.saveId) clearDraft(order.id);
      if (result.tamper) onTamper(result.tamper.followUpId);
      setPhase("saved");
      await invalidate();
    } catch (error) {
      if (isNetworkFailure(error)) return setPhase("offline");
      keep({ ...latest.current, pending: false });
      setPhase("idle");
    }
  };

  // A save still waiting from an earlier visit goes out as soon as the form is up, or says it waits.
  useEffect(() => {
    const timer = window.setTimeout(() => {
      if (initial?.pending) void send(initial);
    }, 0);
    return () => window.clearTimeout(timer);
    // Once, for the draft this form started from.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // Back online (or the server reachable again): the waiting save goes out by itself.
  useEffect(() => {
    const retry = () => {
      if (latest.current.pending && navigator.onLine && phase !== "sending") void send(latest.current);
    };
    window.addEventListener("online", retry);
    const timer = window.setInterval(retry, RETRY_MS);
    return () => {
      window.removeEventListener("online", retry);
      window.clearInterval(timer);
    };
  });

  const submit = (complete: boolean) => {
    setTried(true);
    // The field that needs the reason is where the technician's eye goes next.
    if (unexplained.length) return document.getElementById(`check-${unexplained[0]}-note`)?.focus();
    if (complete && !completable) return;
    void send({ ...latest.current, complete });
  };
  const serverErrors = save.error;
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit(completable);
      }}
    >
      {initial && phase !== "offline" && (
        <p role="status" className="rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:bg-sky-950 dark:text-sky-100">
          {t("draftRestored")}
        </p>
      )}
      <Card>
        <CardHeader>
          <CardTitle>{t("checklist")}</CardTitle>
        </CardHeader>
        <CardContent>
          {draft.lines.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("checklistEmpty")}</p>
          ) : (
            <ol className="divide-y" data-testid="checklist">
              {draft.lines.map((line, index) => {
                const tamper = tamperOf.get(line.key) ?? false;
                const labelId = `check-${line.key}`;
                const noteId = `check-${line.key}-note`;
                const needsReason = tamper && line.result === "na";
                const reasonMissing = needsReason && !line.note.trim() && tried;
                const noteError = fieldErrors(serverErrors)[`checklist.${line.key}.note`];
                return (
                  <li key={line.key} className={cn("space-y-2 py-3", tamper && "-mx-2 rounded-md border-l-4 border-red-500 bg-red-50/50 px-2 dark:bg-red-950/30")} data-testid={`check-${line.key}`}>
                    <div className="flex gap-2">
                      {tamper && <ShieldAlert className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden />}
                      <div>
                        <p id={labelId} className="text-sm font-medium">
                          {label(line.key)}
                        </p>
                        {tamper && <p className="text-xs font-semibold tracking-wide text-red-700 uppercase dark:text-red-300">{t("tamperLine")}</p>}
                      </div>
                    </div>
                    <ResultChoice labelledBy={labelId} value={line.result} onChange={(result) => setLine(index, { result })} />
                    {tamper && line.result === "fail" && savedResult.get(line.key) !== "fail" && (
                      <p className="rounded-md bg-red-100 px-3 py-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100">{t("tamperWarning")}</p>
                    )}
                    {needsReason && (
                      <Label htmlFor={noteId} className="text-sm">
                        {t("naReason")}
                      </Label>
                    )}
                    <Input
                      id={noteId}
                      aria-label={needsReason ? undefined : t("noteOn", { item: label(line.key) })}
                      placeholder={needsReason ? t("naReasonPlaceholder") : t("notePlaceholder")}
                      className="h-11"
                      maxLength={500}
                      required={needsReason}
                      aria-invalid={reasonMissing || !!noteError || undefined}
                      aria-describedby={reasonMissing || noteError ? `${noteId}-error` : undefined}
                      value={line.note}
                      onChange={(e) => setLine(index, { note: e.target.value })}
                    />
                    {(reasonMissing || noteError) && (
                      <p id={`${noteId}-error`} className="text-xs text-destructive">
                        {reasonMissing ? t("naReasonRequired") : noteError!.join("; ")}
                      </p>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("workLog")}</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4">
          <fieldset className="grid gap-2" {...invalidProps(serverErrors, "parts")}>
            <legend className="mb-2 text-sm font-medium">{t("parts")}</legend>
            {draft.parts.length === 0 && <p className="text-sm text-muted-foreground">{t("noParts")}</p>}
            {draft.parts.map((part, index) => (
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
                <Button
                  type="button"
                  variant="outline"
                  className="size-11 shrink-0"
                  aria-label={t("removePart", { n: index + 1 })}
                  onClick={() => edit({ parts: latest.current.parts.filter((p) => p.id !== part.id) })}
                >
                  <Trash2Icon aria-hidden />
                </Button>
              </div>
            ))}
            <FieldError error={serverErrors} field="parts" />
            <Button type="button" variant="outline" className="h-11 w-full sm:w-auto sm:justify-self-start" onClick={() => edit({ parts: [...latest.current.parts, partRow()] })}>
              <PlusIcon aria-hidden />
              {t("addPart")}
            </Button>
          </fieldset>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-minutes">{t("minutesSpent")}</Label>
            <Input
              id="wo-minutes"
              type="number"
              inputMode="numeric"
              min={0}
              max={10_000}
              className="h-11 sm:w-40"
              value={draft.minutes}
              onChange={(e) => edit({ minutes: e.target.value })}
              {...invalidProps(serverErrors, "minutesSpent")}
            />
            <FieldError error={serverErrors} field="minutesSpent" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-resolution">{t("resolution")}</Label>
            <Textarea id="wo-resolution" rows={4} maxLength={4000} value={draft.resolution} onChange={(e) => edit({ resolution: e.target.value })} {...invalidProps(serverErrors, "resolution")} />
            <FieldError error={serverErrors} field="resolution" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-signoff">{t("signoffName")}</Label>
            <Input
              id="wo-signoff"
              autoComplete="off"
              className="h-11"
              maxLength={120}
              value={draft.signoffName}
              onChange={(e) => edit({ signoffName: e.target.value })}
              {...invalidProps(serverErrors, "signoffName")}
            />
            <FieldError error={serverErrors} field="signoffName" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="wo-note">{t("newNote")}</Label>
            <Textarea
              id="wo-note"
              rows={3}
              maxLength={2000}
              value={draft.note.body}
              onChange={(e) => edit({ note: { ...latest.current.note, body: e.target.value } })}
              {...invalidProps(serverErrors, "note")}
            />
            <FieldError error={serverErrors} field="note" />
          </div>
        </CardContent>
      </Card>

      {!completable && (
        <div id="completion-problems" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          <p className="font-medium">{t("completeNeeds")}</p>
          <ul className="mt-1 list-inside list-disc">
            {missing.lines.length > 0 && <li>{t("needsResults", { items: missing.lines.map(label).join(t("listSeparator")) })}</li>}
            {missing.resolution && <li>{t("needsResolution")}</li>}
            {missing.signoff && <li>{t("needsSignoff")}</li>}
          </ul>
        </div>
      )}
      {phase !== "offline" && <FormError error={serverErrors} />}
      {/* On a phone the one button stays in reach at the bottom of the screen while the form scrolls; it spans the page's padding (main's p-3), no more, or the page scrolls sideways. */}
      <div className="sticky bottom-0 z-10 -mx-3 flex flex-wrap items-center gap-3 border-t bg-background/95 px-3 py-3 backdrop-blur sm:static sm:mx-0 sm:border-0 sm:bg-transparent sm:p-0">
        <Button type="submit" size="lg" className="h-11 flex-1 sm:flex-none" disabled={phase === "sending"} aria-describedby={completable ? undefined : "completion-problems"}>
          {phase === "sending" ? tc("saving") : completable ? t("saveAndComplete") : t("saveProgress")}
        </Button>
        {completable && (
          <Button type="button" variant="outline" size="lg" className="h-11" disabled={phase === "sending"} onClick={() => submit(false)}>
            {t("saveWithoutCompleting")}
          </Button>
        )}
        <SaveState phase={phase} />
      </div>
    </form>
  );
}

/** How long a save that failed for network reasons waits before it tries again, besides the browser's "online" event. */
const RETRY_MS = 30_000;

function SaveState({ phase }: { phase: Phase }) {
  const t = useTranslations("workOrder");
  if (phase === "offline") {
    return (
      <p role="status" data-testid="save-state" className="flex items-center gap-1.5 text-sm font-medium text-amber-800 dark:text-amber-200">
        <CloudOffIcon className="size-4" aria-hidden />
        {t("offlineWillSend")}
      </p>
    );
  }
  if (phase === "saved") {
    return (
      <p role="status" data-testid="save-state" className="text-sm text-emerald-700">
        {t("saved")}
      </p>
    );
  }
  return null;
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

/** The work log's entries, oldest first; new ones are written with the technician's save. */
function NotesCard({ order }: { order: WorkOrder }) {
  const t = useTranslations("workOrder");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("notes")}</CardTitle>
      </CardHeader>
      <CardContent>
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
      </CardContent>
    </Card>
  );
}

const MAX_PHOTO_MB = 10;
const photoTypes = ["image/jpeg", "image/png", "image/webp"];

/** Photos of the seals: taken with the phone's camera, kept with the work order, shown to whoever sees it. */
function PhotosCard({ order, canAdd }: { order: WorkOrder; canAdd: boolean }) {
  const t = useTranslations("workOrder");
  const invalidate = useInvalidate();
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  if (!canAdd && order.photos.length === 0) return null;
  const upload = async (file: File) => {
    setError(null);
    // Checked here too, so a wrong file is refused before it spends the phone's data; the server decides by the bytes.
    if (file.size > MAX_PHOTO_MB * 1024 * 1024) return setError(t("photoTooLarge", { max: MAX_PHOTO_MB }));
    if (!photoTypes.includes(file.type)) return setError(t("photoWrongType"));
    setUploading(true);
    try {
      const response = await fetch(`/api/work-orders/${order.id}/photos`, { method: "POST", body: file, headers: { "content-type": file.type } });
      // Said in the reader's language from the status: the route answers in English, for logs and scripts.
      if (!response.ok)
        return setError(
          response.status === 413 ? t("photoTooLarge", { max: MAX_PHOTO_MB }) : response.status === 400 ? t("photoWrongType") : response.status === 409 ? t("photoLimit") : t("photoFailed"),
        );
      await invalidate();
    } catch {
      setError(t("photoOffline"));
    } finally {
      setUploading(false);
    }
  };
  return (
    <Card data-testid="work-order-photos">
      <CardHeader>
        <CardTitle>{t("photos")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {order.photos.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("noPhotos")}</p>
        ) : (
          <ul className="grid grid-cols-3 gap-2 sm:grid-cols-4">
            {order.photos.map((photo, index) => (
              <li key={photo.id}>
                <a
                  href={`/api/work-orders/${order.id}/photos/${photo.id}`}
                  target="_blank"
                  rel="noopener"
                  className="block overflow-hidden rounded-md border focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
                >
                  {/* eslint-disable-next-line @next/next/no-img-element -- a private, per-user image: next/image's optimiser would cache it for everyone. */}
                  <img
                    src={`/api/work-orders/${order.id}/photos/${photo.id}`}
                    alt={t("photoAlt", { n: index + 1, by: photo.uploadedByLabel })}
                    className="aspect-square w-full object-cover"
                    loading="lazy"
                  />
                </a>
              </li>
            ))}
          </ul>
        )}
        {canAdd && (
          <>
            <label
              className={cn(
                "inline-flex h-11 w-full cursor-pointer items-center justify-center gap-2 rounded-md border bg-card px-4 text-sm font-medium hover:bg-accent focus-within:ring-2 focus-within:ring-ring sm:w-auto",
                uploading && "pointer-events-none opacity-60",
              )}
            >
              <CameraIcon className="size-4" aria-hidden />
              {uploading ? t("photoUploading") : t("addPhoto")}
              <input
                type="file"
                accept="image/*"
                capture="environment"
                className="sr-only"
                disabled={uploading}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = "";
                  if (file) void upload(file);
                }}
              />
            </label>
            <p className="text-xs text-muted-foreground">{t("photoHint", { max: MAX_PHOTO_MB })}</p>
          </>
        )}
        {error && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-destructive">
            {error}
          </p>
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
            <Select id="wo-technician" name="technicianId" className="h-11" defaultValue={order.technicianId ?? ""} {...invalidProps(update.error, "technicianId")}>
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
            <Input id="wo-due" name="dueDate" type="date" required className="h-11" defaultValue={order.dueDate} {...invalidProps(update.error, "dueDate")} />
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
