"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { LOCK_MESSAGE_MAX, type CommandStatus, type CommandType, type TerminalStatus, type UserRole } from "@/db/schema/values";
import { commandTypesByRole } from "@/server/schemas/commands";
import { statusesWithDeviceAccess } from "@/server/schemas/terminals";
import type { AppRouter } from "@/server/root";
import { DataList, type Column } from "@/app/_components/data-list";
import { DateTime, formatBytes } from "@/app/_components/format";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { useTRPC } from "@/app/_lib/trpc/client";

type CommandRow = inferRouterOutputs<AppRouter>["commands"]["list"][number];

const statusVariant: Record<CommandStatus, "success" | "warning" | "danger" | "muted" | "default"> = {
  queued: "muted",
  delivered: "default",
  succeeded: "success",
  failed: "danger",
  rejected: "warning",
  expired: "muted",
  cancelled: "muted",
};

function CommandStatusBadge({ status }: { status: CommandStatus }) {
  const t = useTranslations("commands");
  return <Badge variant={statusVariant[status]}>{t(`statuses.${status}`)}</Badge>;
}

/**
 * The terminal's remote commands, live (the fleet events refetch them), and buttons for the kinds
 * the viewer's role may send; the server holds the same matrix and the terminal's scope.
 */
export function TerminalCommands({ terminal, role }: { terminal: { id: string; serialNumber: string; status: TerminalStatus }; role: UserRole }) {
  const t = useTranslations("commands");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.commands.list.queryOptions({ terminalId: terminal.id }));
  const invalidate = () => queryClient.invalidateQueries(trpc.commands.pathFilter());
  const send = useMutation(trpc.commands.send.mutationOptions({ onSuccess: invalidate }));
  const cancel = useMutation(trpc.commands.cancel.mutationOptions({ onSuccess: invalidate }));
  const kinds = commandTypesByRole[role];
  const reachable = statusesWithDeviceAccess.includes(terminal.status);
  const mayCancel = (type: CommandType) => kinds.includes(type);

  const columns: Column<CommandRow>[] = [
    {
      id: "type",
      header: t("type"),
      cell: (c) => (
        <span className="flex flex-col">
          <span>{t(`types.${c.type}`)}</span>
          {c.type === "lock" && c.params.message && <span className="text-xs font-normal break-words text-muted-foreground">{t("screenMessage", { message: c.params.message })}</span>}
        </span>
      ),
      card: "title",
    },
    { id: "status", header: t("status"), cell: (c) => <CommandStatusBadge status={c.status} />, card: "status" },
    { id: "issuedBy", header: t("issuedBy"), cell: (c) => c.issuedBy ?? "—" },
    { id: "issuedAt", header: t("issuedAt"), cell: (c) => <DateTime date={c.issuedAt} /> },
    { id: "deliveredAt", header: t("deliveredAt"), cell: (c) => (c.deliveredAt ? <DateTime date={c.deliveredAt} /> : "—"), className: "hidden xl:table-cell" },
    { id: "finishedAt", header: t("finishedAt"), cell: (c) => (c.finishedAt ? <DateTime date={c.finishedAt} /> : "—") },
    {
      id: "result",
      header: t("result"),
      cell: (c) =>
        c.logBytes != null ? (
          <span className="flex flex-col gap-1">
            {c.resultMessage && <span>{c.resultMessage}</span>}
            <a className="inline-flex items-center gap-1 text-primary hover:underline" href={`/api/commands/${c.id}/logs`} download>
              <DownloadIcon className="size-4" aria-hidden />
              {t("downloadLog", { size: formatBytes(c.logBytes) })}
            </a>
          </span>
        ) : (
          (c.resultMessage ?? "—")
        ),
      className: "max-w-80 break-words",
    },
    {
      id: "actions",
      header: <span className="sr-only">{t("actions")}</span>,
      cell: (c) =>
        c.status === "queued" &&
        mayCancel(c.type) && (
          <Button size="sm" variant="outline" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: c.id })} aria-label={t("cancelLabel", { type: t(`types.${c.type}`) })}>
            {t("cancel")}
          </Button>
        ),
      card: "actions",
      className: "text-right",
    },
  ];

  return (
    <Card data-testid="terminal-commands">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-2">
        <div className="space-y-1">
          <CardTitle>{t("title")}</CardTitle>
          <p className="text-sm text-muted-foreground">{reachable ? t("hint") : t("unreachable")}</p>
        </div>
        {reachable && (
          <div className="flex flex-wrap gap-2">
            {kinds.map((type) =>
              type === "lock" ? (
                <LockDialog
                  key={type}
                  serialNumber={terminal.serialNumber}
                  send={(message) => send.mutateAsync({ terminalId: terminal.id, type, params: { message } })}
                  error={send.error}
                  pending={send.isPending}
                  onOpenChange={() => send.reset()}
                />
              ) : type === "reboot" || type === "unlock" ? (
                <ConfirmDialog
                  key={type}
                  type={type}
                  serialNumber={terminal.serialNumber}
                  send={() => send.mutateAsync({ terminalId: terminal.id, type, params: {} })}
                  error={send.error}
                  pending={send.isPending}
                  onOpenChange={() => send.reset()}
                />
              ) : (
                <Button key={type} size="sm" variant="outline" disabled={send.isPending} onClick={() => send.mutate({ terminalId: terminal.id, type, params: {} })}>
                  {t(`types.${type}`)}
                </Button>
              ),
            )}
          </div>
        )}
      </CardHeader>
      <CardContent className="space-y-3">
        {/* The dialogs show their own errors; this one is for the kinds sent without one. */}
        {(send.variables?.type === "ping" || send.variables?.type === "collect_logs") && <FormError error={send.error} />}
        <FormError error={cancel.error} />
        <DataList
          framed={false}
          columns={columns}
          rows={list.data}
          rowKey={(c) => c.id}
          rowLabel={(c) => t(`types.${c.type}`)}
          rowTestId={(c) => `command-${c.type}`}
          empty={{ title: t("empty"), hint: reachable ? t("emptyHint") : undefined }}
          error={list.error}
          onRetry={() => void list.refetch()}
        />
      </CardContent>
    </Card>
  );
}

function LockDialog({
  serialNumber,
  send,
  error,
  pending,
  onOpenChange,
}: {
  serialNumber: string;
  send: (message: string) => Promise<unknown>;
  error: unknown;
  pending: boolean;
  onOpenChange: () => void;
}) {
  const t = useTranslations("commands");
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="destructive">
          {t("types.lock")}
        </Button>
      }
      title={t("lockTitle", { serialNumber })}
      description={t("lockHint")}
      submitLabel={t("types.lock")}
      error={error}
      pending={pending}
      onOpenChange={onOpenChange}
      onSubmit={(form) => send(formText(form, "params.message"))}
    >
      <Field name="params.message" label={t("lockMessage")} error={error} placeholder={t("lockMessagePlaceholder")} maxLength={LOCK_MESSAGE_MAX} required autoComplete="off" />
    </FormDialog>
  );
}

function ConfirmDialog({
  type,
  serialNumber,
  send,
  error,
  pending,
  onOpenChange,
}: {
  type: "reboot" | "unlock";
  serialNumber: string;
  send: () => Promise<unknown>;
  error: unknown;
  pending: boolean;
  onOpenChange: () => void;
}) {
  const t = useTranslations("commands");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const change = (next: boolean) => {
    setOpen(next);
    onOpenChange();
  };
  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          {t(`types.${type}`)}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("confirmTitle", { type: t(`types.${type}`), serialNumber })}</DialogTitle>
          <DialogDescription>{t(`confirm.${type}`, { serialNumber })}</DialogDescription>
        </DialogHeader>
        <FormError error={error} />
        <DialogFooter>
          <Button variant="outline" onClick={() => change(false)}>
            {tc("cancel")}
          </Button>
          <Button
            disabled={pending}
            onClick={() =>
              send().then(
                () => setOpen(false),
                () => undefined,
              )
            }
          >
            {t(`types.${type}`)}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
