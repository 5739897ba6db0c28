"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeftIcon, ShieldAlertIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import type { TerminalStatus, UserRole, WorkOrderStatus } from "@/db/schema/values";
import { statusChangesByHand, statusesWithDeviceAccess } from "@/server/schemas/terminals";
import { AuditChanges, AuditSentence } from "@/app/_components/audit-changes";
import { CardWithList, type Column } from "@/app/_components/data-list";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { Connectivity, TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input, Label } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { JobStatusBadge } from "@/app/_components/rollout-status";
import { WorkOrderStatusBadge } from "@/app/_components/work-order-status";
import { WorkOrderTitle } from "@/app/_components/work-order-title";
import { PlacementFields } from "../placement-fields";
import { DeviceTokenDialog } from "./device-token-dialog";
import { FaultReportDialog } from "./fault-report-dialog";
import { TerminalActivity } from "./terminal-activity";
import { TerminalCommands } from "./terminal-commands";

export function TerminalDetail({ serialNumber, role }: { serialNumber: string; role: UserRole }) {
  const t = useTranslations("terminal");
  const tt = useTranslations("terminals");
  const tw = useTranslations("workOrders");
  const tm = useTranslations("maintenance");
  const trpc = useTRPC();
  const { data: terminal } = useSuspenseQuery(trpc.terminals.getBySerial.queryOptions({ serialNumber }));

  const fields: [string, React.ReactNode][] = [
    [tt("model"), `${terminal.manufacturer} ${terminal.model}`],
    [
      tt("firmware"),
      <span key="fw" className="font-mono">
        {terminal.firmwareVersion ?? "—"}
      </span>,
    ],
    [
      tt("lastSeen"),
      <span key="ls" className="flex flex-wrap items-center gap-x-2" data-testid="last-seen">
        <Connectivity online={terminal.online} lastSeenAt={terminal.lastSeenAt} />
        <span className="font-normal text-muted-foreground">
          <RelativeTime date={terminal.lastSeenAt} />
        </span>
      </span>,
    ],
    [t("battery"), terminal.batteryPercent == null ? "—" : `${terminal.batteryPercent}%`],
    [t("signal"), terminal.signalDbm == null ? "—" : `${terminal.signalDbm} dBm`],
    [t("network"), terminal.network ? t(`networks.${terminal.network}`) : "—"],
    [t("activatedAt"), <DateTime key="aa" date={terminal.activatedAt} />],
    [t("registeredAt"), <DateTime key="ca" date={terminal.createdAt} />],
    [t("capabilities"), terminal.capabilities.length ? terminal.capabilities.map((c) => t(`capability.${c}`)).join(", ") : "—"],
  ];

  const maintenanceColumns: Column<(typeof terminal.maintenance)[number]>[] = [
    {
      id: "title",
      header: t("workOrder"),
      cell: (w) => (
        <>
          WO-{w.number} <WorkOrderTitle order={w} serialNumber={terminal.serialNumber} />
        </>
      ),
      card: "title",
    },
    { id: "status", header: tt("status"), cell: (w) => <WorkOrderStatusBadge status={w.status} />, card: "status" },
    { id: "type", header: tm("type"), cell: (w) => tw(`types.${w.type}`) },
    { id: "due", header: t("dueOrDone"), cell: (w) => (w.completedAt ? <DateTime date={w.completedAt} /> : w.dueDate) },
    { id: "technician", header: tm("technician"), cell: (w) => w.technicianName ?? "—" },
    { id: "resolution", header: t("resolution"), cell: (w) => w.resolution ?? "—", className: "max-w-80 truncate" },
  ];
  const updateColumns: Column<(typeof terminal.updates)[number]>[] = [
    { id: "version", header: tt("firmware"), cell: (job) => <span className="font-mono">{job.version}</span>, card: "title" },
    { id: "status", header: tt("status"), cell: (job) => <JobStatusBadge status={job.status} />, card: "status" },
    { id: "error", header: t("errorCode"), cell: (job) => (job.errorCode ? <span className="font-mono text-destructive">{job.errorCode}</span> : "—") },
    { id: "rollout", header: t("rollout"), cell: (job) => job.rolloutName },
    { id: "updated", header: t("updatedAt"), cell: (job) => <RelativeTime date={job.updatedAt} /> },
  ];
  const openRepair = terminal.maintenance.find((w) => w.type === "repair" && openWorkOrderStatuses.includes(w.status));

  return (
    <div className="space-y-4">
      <Link href="/terminals" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeftIcon className="size-4" aria-hidden />
        {tt("title")}
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-3">
          <h1 className="font-mono text-xl font-semibold">{terminal.serialNumber}</h1>
          <TerminalStatusBadge status={terminal.status} lockedAt={terminal.lockedAt} />
        </div>
        <div className="flex flex-wrap gap-2">
          {terminal.status !== "retired" && <FaultReportDialog terminalId={terminal.id} openRepair={openRepair ?? null} />}
          {role === "admin" && (
            <>
              {statusesWithDeviceAccess.includes(terminal.status) && <DeviceTokenDialog terminalId={terminal.id} serialNumber={terminal.serialNumber} />}
              <EditTerminalDialog terminal={terminal} />
              {terminal.status !== "retired" && <AssignTerminalDialog terminal={terminal} />}
              {statusChangesByHand[terminal.status].map((status) => (
                <StatusDialog key={status} terminalId={terminal.id} serialNumber={terminal.serialNumber} status={status} />
              ))}
            </>
          )}
        </div>
      </div>

      {terminal.tamperSuspension && <TamperSuspensionBanner {...terminal.tamperSuspension} />}

      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>{t("details")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
              {fields.map(([label, value]) => (
                <div key={label}>
                  <dt className="text-muted-foreground">{label}</dt>
                  <dd className="font-medium">{value}</dd>
                </div>
              ))}
            </dl>
            {terminal.lastErrors && terminal.lastErrors.length > 0 && (
              <div className="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm dark:border-red-900 dark:bg-red-950" data-testid="last-errors">
                <p className="font-medium text-red-700 dark:text-red-300">{t("lastErrors")}</p>
                <ul className="mt-1 space-y-0.5">
                  {terminal.lastErrors.map((e, i) => (
                    <li key={i}>
                      <span className="font-mono">{e.code}</span>
                      {e.message && <span className="text-muted-foreground"> · {e.message}</span>}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("placement")}</CardTitle>
          </CardHeader>
          <CardContent className="space-y-3 text-sm">
            <div>
              <p className="text-muted-foreground">{tt("merchant")}</p>
              {terminal.merchantId ? (
                <Link className="font-medium text-primary hover:underline" href={`/merchants/${terminal.merchantId}`}>
                  {terminal.merchantName}
                </Link>
              ) : (
                <p className="font-medium">{tt("unassigned")}</p>
              )}
            </div>
            <div>
              <p className="text-muted-foreground">{tt("store")}</p>
              <p className="font-medium">{terminal.storeName ?? "—"}</p>
              {terminal.storeAddress && <p className="text-muted-foreground">{[terminal.storeAddress, terminal.storeRegion].filter(Boolean).join(", ")}</p>}
            </div>
          </CardContent>
        </Card>
      </div>

      <TerminalCommands terminal={terminal} role={role} />

      <TerminalActivity serialNumber={terminal.serialNumber} />

      <CardWithList
        title={t("maintenance")}
        columns={maintenanceColumns}
        rows={terminal.maintenance}
        rowKey={(w) => w.id}
        rowLabel={(w) => `WO-${w.number}`}
        rowHref={(w) => `/work-orders/${w.id}`}
        empty={{ title: t("noMaintenance") }}
        data-testid="terminal-maintenance"
      />

      <CardWithList
        title={t("updates")}
        columns={updateColumns}
        rows={terminal.updates}
        rowKey={(job) => job.id}
        rowLabel={(job) => job.version}
        rowHref={role === "admin" ? (job) => `/rollouts/${job.rolloutId}` : undefined}
        empty={{ title: t("noUpdates") }}
        data-testid="terminal-updates"
      />

      <ListCard title={t("history")} empty={terminal.history.length === 0} emptyText={t("noHistory")}>
        <ol className="space-y-3" data-testid="terminal-history">
          {terminal.history.map((entry) => (
            <li key={entry.id} className="border-l-2 pl-3 text-sm">
              <p>
                <AuditSentence
                  action={entry.action}
                  changes={entry.changes}
                  actor={entry.actor}
                  subject={{ type: "terminal", id: terminal.id, label: terminal.serialNumber, parentId: null }}
                  linkSubject={false}
                />
              </p>
              <p className="text-xs text-muted-foreground">
                <DateTime date={entry.at} /> · <Actor actor={entry.actor} />
              </p>
              <AuditChanges changes={entry.changes} />
            </li>
          ))}
        </ol>
      </ListCard>
    </div>
  );
}

const openWorkOrderStatuses: WorkOrderStatus[] = ["open", "scheduled", "in_progress"];

/** Why the terminal is suspended and what happens next, when a failed tamper check suspended it. */
function TamperSuspensionBanner({ failedAt, inspection }: { failedAt: Date; inspection: { id: string; number: number } | null }) {
  const t = useTranslations("terminal");
  const format = useFormatter();
  return (
    <div
      role="alert"
      className="flex gap-3 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-50"
      data-testid="tamper-banner"
    >
      <ShieldAlertIcon className="mt-0.5 size-5 shrink-0 text-amber-600" aria-hidden />
      <div className="space-y-1">
        <p className="font-semibold">{t("tamperSuspendedTitle", { date: format.dateTime(failedAt, { dateStyle: "medium", timeStyle: "short" }) })}</p>
        <p>
          {inspection
            ? t.rich("tamperSuspendedBody", {
                number: inspection.number,
                link: (chunks) => (
                  <Link className="font-medium underline" href={`/work-orders/${inspection.id}`}>
                    {chunks}
                  </Link>
                ),
              })
            : t("tamperSuspendedBodyNoOrder")}
        </p>
      </div>
    </div>
  );
}

/** Who made a change: a user by name and role (staff also get the e-mail on hover), else a terminal's or the system's label. */
function Actor({ actor }: { actor: { name: string | null; role: UserRole | null; label: string | null } }) {
  const t = useTranslations("terminal");
  const tn = useTranslations("nav");
  if (!actor.name || !actor.role) return <>{actor.label ?? "—"}</>;
  return <span title={actor.label ?? undefined}>{t("actor", { name: actor.name, role: tn(`roles.${actor.role}`) })}</span>;
}

/** A card with a list of the terminal's records, or a line saying there are none yet. */
function ListCard({ title, empty, emptyText, children }: { title: string; empty: boolean; emptyText: string; children: React.ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent>{empty ? <p className="text-sm text-muted-foreground">{emptyText}</p> : children}</CardContent>
    </Card>
  );
}

type TerminalData = { id: string; serialNumber: string; modelId: string; firmwareVersion: string | null; merchantId: string | null; storeId: string | null };

function useInvalidateTerminals() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.terminals.pathFilter().queryKey });
}

function StatusDialog({ terminalId, serialNumber, status }: { terminalId: string; serialNumber: string; status: TerminalStatus }) {
  const t = useTranslations("terminal");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTerminals();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const mutation = useMutation(
    trpc.terminals.setStatus.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setOpen(false);
      },
    }),
  );
  const destructive = status === "retired" || status === "suspended";
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant={destructive ? "destructive" : "outline"}>
          {t(`statusAction.${status}`)}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t(`statusAction.${status}`)}</DialogTitle>
          <DialogDescription>{t(`statusConfirm.${status}`, { serialNumber })}</DialogDescription>
        </DialogHeader>
        <div className="grid gap-1.5">
          <Label htmlFor="reason">{t("reason")}</Label>
          <Input id="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        </div>
        <FormError error={mutation.error} />
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)}>
            {tc("cancel")}
          </Button>
          <Button variant={destructive ? "destructive" : "default"} disabled={mutation.isPending} onClick={() => mutation.mutate({ id: terminalId, status, reason: reason || undefined })}>
            {t(`statusAction.${status}`)}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function AssignTerminalDialog({ terminal }: { terminal: TerminalData }) {
  const t = useTranslations("terminal");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTerminals();
  const options = useQuery(trpc.terminals.filterOptions.queryOptions());
  const mutation = useMutation(trpc.terminals.assign.mutationOptions({ onSuccess: invalidate }));
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {t("move")}
        </Button>
      }
      title={t("move")}
      description={t("moveHint", { serialNumber: terminal.serialNumber })}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending || !options.data}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => mutation.mutateAsync({ id: terminal.id, merchantId: formText(form, "merchantId") || null, storeId: formText(form, "storeId") || null })}
    >
      {options.data && (
        <PlacementFields merchants={options.data.merchants} stores={options.data.stores} initialMerchantId={terminal.merchantId ?? ""} initialStoreId={terminal.storeId ?? ""} error={mutation.error} />
      )}
    </FormDialog>
  );
}

function EditTerminalDialog({ terminal }: { terminal: TerminalData }) {
  const t = useTranslations("terminal");
  const tt = useTranslations("terminals");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTerminals();
  const options = useQuery(trpc.terminals.filterOptions.queryOptions());
  const mutation = useMutation(trpc.terminals.update.mutationOptions({ onSuccess: invalidate }));
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {tc("edit")}
        </Button>
      }
      title={t("edit")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending || !options.data}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => mutation.mutateAsync({ id: terminal.id, modelId: formText(form, "modelId"), firmwareVersion: formText(form, "firmwareVersion") })}
    >
      {options.data && (
        <Field name="modelId" label={tt("model")} error={mutation.error} defaultValue={terminal.modelId}>
          {options.data.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </Field>
      )}
      <Field name="firmwareVersion" label={tt("firmware")} error={mutation.error} defaultValue={terminal.firmwareVersion ?? ""} className="font-mono" />
    </FormDialog>
  );
}
