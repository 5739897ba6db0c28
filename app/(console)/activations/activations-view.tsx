"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import { activationStatuses, smsStatuses, type UserRole } from "@/db/schema/values";
import { activationListInput, smsOutboxListInput } from "@/server/schemas/activations";
import { terminalListInput } from "@/server/schemas/terminals";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { FormError } from "@/app/_components/form-error";
import { EmptyState, FilterSelect, Pagination, SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Select } from "@/app/_components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";

const statusVariant = { pending: "warning", verified: "success", locked: "danger", failed: "danger", replaced: "muted", cancelled: "muted", expired: "muted" } as const;

export function ActivationsView({ role }: { role: UserRole }) {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const { input, update, isPending } = useListParams(activationListInput);
  const { data } = useSuspenseQuery(trpc.activations.list.queryOptions(input));
  const search = useSearchParam(input.q, update);

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <Card>
        <CardHeader>
          <CardTitle>{t("howTitle")}</CardTitle>
          <CardDescription>{t("how")}</CardDescription>
        </CardHeader>
        <CardContent>
          <InStockTerminals />
        </CardContent>
      </Card>
      <BlockedTerminals role={role} />

      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <SearchBox label={t("search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={activationStatuses.map((s) => ({ value: s, label: t(`statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
      </div>

      <div className={cn("rounded-xl border bg-card px-1", isPending && "opacity-60")} data-testid="activations">
        {data.items.length === 0 ? (
          <EmptyState title={t("empty")} hint={t("emptyHint")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("terminal")}</TableHead>
                {role !== "merchant" && <TableHead>{t("merchant")}</TableHead>}
                <TableHead>{t("phone")}</TableHead>
                <TableHead>{t("status")}</TableHead>
                <TableHead className="text-right">{t("attemptsLeft")}</TableHead>
                <TableHead>{t("requested")}</TableHead>
                <TableHead>{t("expires")}</TableHead>
                {role === "admin" && <TableHead />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((a) => {
                const shown = a.expired ? "expired" : a.status;
                return (
                  <TableRow key={a.id}>
                    <TableCell className="font-mono">
                      <Link className="text-primary hover:underline" href={`/terminals/${encodeURIComponent(a.serialNumber)}`}>
                        {a.serialNumber}
                      </Link>
                    </TableCell>
                    {role !== "merchant" && <TableCell>{a.merchantName}</TableCell>}
                    <TableCell className="font-mono">{a.phone}</TableCell>
                    <TableCell>
                      <Badge variant={statusVariant[shown]}>{t(`statuses.${shown}`)}</Badge>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{a.status === "pending" ? a.attemptsLeft : "—"}</TableCell>
                    <TableCell>
                      <RelativeTime date={a.createdAt} />
                    </TableCell>
                    <TableCell>{a.status === "pending" ? <DateTime date={a.expiresAt} /> : "—"}</TableCell>
                    {role === "admin" && <TableCell>{a.status === "pending" && <CancelDialog id={a.id} serialNumber={a.serialNumber} />}</TableCell>}
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />}
      {role === "admin" && <SmsOutbox />}
    </div>
  );
}

/** The terminals waiting for activation, so a merchant sees which ones to switch on. */
function InStockTerminals() {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const { data } = useQuery(trpc.terminals.list.queryOptions(terminalListInput.parse({ status: ["in_stock"], pageSize: 25 })));
  if (!data) return <div className="h-6 animate-pulse rounded bg-muted" />;
  return (
    <div className="space-y-2 text-sm" data-testid="in-stock">
      <p>{t("inStock", { count: data.total })}</p>
      {data.items.length > 0 && (
        <ul className="flex flex-wrap gap-1.5">
          {data.items.map((terminal) => (
            <li key={terminal.id}>
              <Link className="rounded-full border px-2.5 py-0.5 font-mono text-xs hover:bg-accent" href={`/terminals/${encodeURIComponent(terminal.serialNumber)}`}>
                {terminal.serialNumber}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {data.total > data.items.length && (
        <Link className="text-primary hover:underline" href="/terminals?status=in_stock">
          {t("inStockLink")}
        </Link>
      )}
    </div>
  );
}

/** Terminals that too many wrong codes blocked; only an admin can let them ask for codes again. */
function BlockedTerminals({ role }: { role: UserRole }) {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const { data } = useQuery(trpc.activations.blocked.queryOptions());
  if (!data?.length) return null;
  return (
    <Card className="border-red-200 dark:border-red-900" data-testid="blocked-terminals">
      <CardHeader>
        <CardTitle>{t("blockedTitle")}</CardTitle>
        <CardDescription>{t("blockedHint")}</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="divide-y text-sm">
          {data.map((terminal) => (
            <li key={terminal.serialNumber} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="flex flex-wrap items-center gap-2">
                <Link className="font-mono text-primary hover:underline" href={`/terminals/${encodeURIComponent(terminal.serialNumber)}`}>
                  {terminal.serialNumber}
                </Link>
                {role !== "merchant" && terminal.merchantName && <span className="text-muted-foreground">{terminal.merchantName}</span>}
                <span className="text-muted-foreground">{t("wrongCodes", { count: terminal.wrongCodes })}</span>
              </span>
              {role === "admin" && <UnblockButton serialNumber={terminal.serialNumber} />}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}

function UnblockButton({ serialNumber }: { serialNumber: string }) {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mutation = useMutation(trpc.activations.unblock.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.activations.pathFilter()) }));
  return (
    <ConfirmDialog
      label={t("unblock")}
      title={t("unblockTitle", { serialNumber })}
      description={t("unblockConfirm", { serialNumber })}
      onConfirm={() => mutation.mutateAsync({ serialNumber })}
      error={mutation.error}
      pending={mutation.isPending}
    />
  );
}

function CancelDialog({ id, serialNumber }: { id: string; serialNumber: string }) {
  const t = useTranslations("activations");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const mutation = useMutation(
    trpc.activations.cancel.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.activations.pathFilter());
        setOpen(false);
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline" aria-label={`${t("cancel")} ${serialNumber}`}>
          {t("cancelShort")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("cancel")}</DialogTitle>
          <DialogDescription>{t("cancelConfirm", { serialNumber })}</DialogDescription>
        </DialogHeader>
        <FormError error={mutation.error} />
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)}>
            {tc("cancel")}
          </Button>
          <Button variant="destructive" disabled={mutation.isPending} onClick={() => mutation.mutate({ id })}>
            {t("cancel")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

const smsVariant = { queued: "warning", sent: "success", failed: "danger" } as const;

function SmsOutbox() {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const [input, setInput] = useState(smsOutboxListInput.parse({}));
  const { data } = useSuspenseQuery(trpc.activations.outbox.queryOptions(input));
  return (
    <section className="space-y-2" aria-labelledby="outbox-title">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="outbox-title" className="text-lg font-semibold">
          {t("outbox")}
        </h2>
        <Select className="w-48" aria-label={t("smsStatus")} value={input.status ?? ""} onChange={(e) => setInput({ ...input, page: 1, status: (e.target.value || undefined) as typeof input.status })}>
          <option value="">{t("allStatuses")}</option>
          {smsStatuses.map((s) => (
            <option key={s} value={s}>
              {t(`sms.${s}`)}
            </option>
          ))}
        </Select>
      </div>
      <div className="rounded-xl border bg-card px-1" data-testid="sms-outbox">
        {data.items.length === 0 ? (
          <EmptyState title={t("outboxEmpty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("queuedAt")}</TableHead>
                <TableHead>{t("to")}</TableHead>
                <TableHead>{t("message")}</TableHead>
                <TableHead>{t("provider")}</TableHead>
                <TableHead>{t("status")}</TableHead>
                <TableHead className="text-right">{t("attempts")}</TableHead>
                <TableHead>{t("lastError")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((m) => (
                <TableRow key={m.id}>
                  <TableCell>
                    <DateTime date={m.createdAt} />
                  </TableCell>
                  <TableCell className="font-mono">{m.to}</TableCell>
                  <TableCell className="max-w-sm truncate" title={m.preview}>
                    {m.preview}
                  </TableCell>
                  <TableCell>{m.provider}</TableCell>
                  <TableCell>
                    <Badge variant={smsVariant[m.status]}>{t(`sms.${m.status}`)}</Badge>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{m.attempts}</TableCell>
                  <TableCell className="max-w-xs truncate text-xs text-red-700" title={m.lastError ?? undefined}>
                    {m.lastError ?? "—"}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={(patch) => setInput({ ...input, ...patch })} />}
    </section>
  );
}
