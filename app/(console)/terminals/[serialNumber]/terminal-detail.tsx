"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeftIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import type { TerminalStatus, UserRole } from "@/db/schema/values";
import { AuditChanges } from "@/app/_components/audit-changes";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { FieldError, FormError } from "@/app/_components/form-error";
import { TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input, Label, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

/** The admin's status actions offered for each status; the server enforces the same rule. */
const statusActions: Record<TerminalStatus, TerminalStatus[]> = {
  in_stock: ["retired"],
  active: ["suspended", "faulty", "retired"],
  suspended: ["active", "retired"],
  faulty: ["active", "in_stock", "retired"],
  retired: [],
};

export function TerminalDetail({ serialNumber, role }: { serialNumber: string; role: UserRole }) {
  const t = useTranslations("terminal");
  const tt = useTranslations("terminals");
  const trpc = useTRPC();
  const { data: terminal } = useSuspenseQuery(trpc.terminals.getBySerial.queryOptions({ serialNumber }));

  const fields: [string, React.ReactNode][] = [
    [tt("model"), `${terminal.manufacturer} ${terminal.model}`],
    [tt("firmware"), <span key="fw" className="font-mono">{terminal.firmwareVersion ?? "—"}</span>],
    [tt("lastSeen"), <RelativeTime key="ls" date={terminal.lastSeenAt} />],
    [t("battery"), terminal.batteryPercent == null ? "—" : `${terminal.batteryPercent}%`],
    [t("signal"), terminal.signalDbm == null ? "—" : `${terminal.signalDbm} dBm`],
    [t("network"), terminal.network ? t(`networks.${terminal.network}`) : "—"],
    [t("activatedAt"), <DateTime key="aa" date={terminal.activatedAt} />],
    [t("registeredAt"), <DateTime key="ca" date={terminal.createdAt} />],
    [t("capabilities"), terminal.capabilities.length ? terminal.capabilities.map((c) => t(`capability.${c}`)).join(", ") : "—"],
  ];

  return (
    <div className="space-y-4">
      <Link href="/terminals" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeftIcon className="size-4" aria-hidden />
        {tt("title")}
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-3">
          <h1 className="font-mono text-xl font-semibold">{terminal.serialNumber}</h1>
          <TerminalStatusBadge status={terminal.status} />
        </div>
        {role === "admin" && (
          <div className="flex flex-wrap gap-2">
            <EditTerminalDialog terminal={terminal} />
            {terminal.status !== "retired" && <AssignTerminalDialog terminal={terminal} />}
            {statusActions[terminal.status].map((status) => (
              <StatusDialog key={status} terminalId={terminal.id} serialNumber={terminal.serialNumber} status={status} />
            ))}
          </div>
        )}
      </div>

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

      <Card>
        <CardHeader>
          <CardTitle>{t("history")}</CardTitle>
        </CardHeader>
        <CardContent>
          {terminal.history.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("noHistory")}</p>
          ) : (
            <ol className="space-y-3" data-testid="terminal-history">
              {terminal.history.map((entry) => (
                <li key={entry.id} className="border-l-2 pl-3 text-sm">
                  <p className="font-medium">{entry.action}</p>
                  <p className="text-xs text-muted-foreground">
                    <DateTime date={entry.at} /> · {entry.actorLabel}
                  </p>
                  <AuditChanges changes={entry.changes} />
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
    </div>
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
  const tt = useTranslations("terminals");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTerminals();
  const [open, setOpen] = useState(false);
  const [merchantId, setMerchantId] = useState(terminal.merchantId ?? "");
  const [storeId, setStoreId] = useState(terminal.storeId ?? "");
  const options = useQuery({ ...trpc.terminals.filterOptions.queryOptions(), enabled: open });
  const mutation = useMutation(
    trpc.terminals.assign.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setOpen(false);
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          {t("move")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("move")}</DialogTitle>
          <DialogDescription>{t("moveHint", { serialNumber: terminal.serialNumber })}</DialogDescription>
        </DialogHeader>
        <div className="grid gap-3">
          <div className="grid gap-1.5">
            <Label htmlFor="assign-merchant">{tt("merchant")}</Label>
            <Select
              id="assign-merchant"
              value={merchantId}
              onChange={(e) => {
                setMerchantId(e.target.value);
                setStoreId("");
              }}
            >
              <option value="">{tt("unassigned")}</option>
              {options.data?.merchants.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="assign-store">{tt("store")}</Label>
            <Select id="assign-store" value={storeId} disabled={!merchantId} onChange={(e) => setStoreId(e.target.value)}>
              <option value="">{tt("noStore")}</option>
              {options.data?.stores
                .filter((s) => s.merchantId === merchantId)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </Select>
            <FieldError error={mutation.error} field="storeId" />
          </div>
        </div>
        <FormError error={mutation.error} />
        <DialogFooter>
          <Button disabled={mutation.isPending} onClick={() => mutation.mutate({ id: terminal.id, merchantId: merchantId || null, storeId: storeId || null })}>
            {tc("save")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function EditTerminalDialog({ terminal }: { terminal: TerminalData }) {
  const t = useTranslations("terminal");
  const tt = useTranslations("terminals");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTerminals();
  const [open, setOpen] = useState(false);
  const options = useQuery({ ...trpc.terminals.filterOptions.queryOptions(), enabled: open });
  const mutation = useMutation(
    trpc.terminals.update.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setOpen(false);
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          {tc("edit")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("edit")}</DialogTitle>
        </DialogHeader>
        <form
          className="grid gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            mutation.mutate({ id: terminal.id, modelId: String(form.get("modelId")), firmwareVersion: String(form.get("firmwareVersion")) });
          }}
        >
          <div className="grid gap-1.5">
            <Label htmlFor="edit-model">{tt("model")}</Label>
            <Select id="edit-model" name="modelId" defaultValue={terminal.modelId} key={options.data ? "loaded" : "loading"}>
              {options.data?.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="edit-firmware">{tt("firmware")}</Label>
            <Input id="edit-firmware" name="firmwareVersion" defaultValue={terminal.firmwareVersion ?? ""} className="font-mono" />
            <FieldError error={mutation.error} field="firmwareVersion" />
          </div>
          <FormError error={mutation.error} />
          <DialogFooter>
            <Button type="submit" disabled={mutation.isPending || !options.data}>
              {tc("save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
