"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import { activationStatuses, smsStatuses, type UserRole } from "@/db/schema/values";
import { activationListInput, smsOutboxListInput } from "@/server/schemas/activations";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { FormError } from "@/app/_components/form-error";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { EmailOutbox } from "./email-outbox";

const statusVariant = { pending: "warning", verified: "success", locked: "danger", failed: "danger", replaced: "muted", cancelled: "muted", expired: "muted" } as const;

export function ActivationsView({ role }: { role: UserRole }) {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const tc = useTranslations("common");
  const list = useListParams(activationListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.activations.list.queryOptions(input));
  const search = useSearchParam(input.q, update);
  // An expired code shows as expired, whatever its stored status.
  const shown = (a: (typeof data.items)[number]) => (a.expired ? "expired" : a.status);
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "terminal", header: t("terminal"), cell: (a) => <span className="font-mono">{a.serialNumber}</span>, card: "title" },
    { id: "status", header: t("status"), cell: (a) => <Badge variant={statusVariant[shown(a)]}>{t(`statuses.${shown(a)}`)}</Badge>, card: "status" },
    ...(role !== "merchant" ? [{ id: "merchant", header: t("merchant"), cell: (a: (typeof data.items)[number]) => a.merchantName }] : []),
    { id: "phone", header: t("phone"), cell: (a) => <span className="font-mono">{a.phone}</span> },
    { id: "attempts", header: t("attemptsLeft"), cell: (a) => (a.status === "pending" ? a.attemptsLeft : "—"), className: "tabular-nums md:text-right" },
    { id: "requested", header: t("requested"), cell: (a) => <RelativeTime date={a.createdAt} /> },
    { id: "expires", header: t("expires"), cell: (a) => (a.status === "pending" ? <DateTime date={a.expiresAt} /> : "—") },
    // An expired code works no more: there is nothing to cancel.
    ...(role === "admin"
      ? [
          {
            id: "cancel",
            header: <span className="sr-only">{tc("actions")}</span>,
            cell: (a: (typeof data.items)[number]) => shown(a) === "pending" && <CancelDialog id={a.id} serialNumber={a.serialNumber} />,
            card: "actions" as const,
          },
        ]
      : []),
  ];

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
      <RefusedRequests />

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

      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(a) => a.id}
        rowLabel={(a) => a.serialNumber}
        rowHref={(a) => `/terminals/${encodeURIComponent(a.serialNumber)}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="activations"
      />
      {role === "admin" && <SmsOutbox />}
      {role === "admin" && <EmailOutbox />}
    </div>
  );
}

/** The terminals waiting for activation (in stock with a merchant), so a merchant sees which ones to switch on. */
function InStockTerminals() {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const { data } = useQuery(trpc.activations.activatable.queryOptions());
  if (!data) return <div className="h-6 animate-pulse rounded bg-muted" />;
  return (
    <div className="space-y-2 text-sm" data-testid="in-stock">
      <p>{t("inStock", { count: data.total })}</p>
      {data.items.length > 0 && (
        <ul className="flex flex-wrap gap-1.5">
          {data.items.map((terminal) => (
            <li key={terminal.id}>
              <Link className="inline-flex min-h-8 items-center rounded-full border px-2.5 font-mono text-xs hover:bg-accent" href={`/terminals/${encodeURIComponent(terminal.serialNumber)}`}>
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
      {data.withoutMerchant > 0 && (
        <p className="text-muted-foreground" data-testid="in-stock-without-merchant">
          {t("noMerchant", { count: data.withoutMerchant })}
        </p>
      )}
    </div>
  );
}

/** Refused code requests (a wrong phone number, a terminal without a merchant): several in a row may be someone guessing. */
function RefusedRequests() {
  const t = useTranslations("activations");
  const trpc = useTRPC();
  const { data } = useQuery(trpc.activations.refused.queryOptions());
  if (!data?.length) return null;
  return (
    <Card data-testid="refused-requests">
      <CardHeader>
        <CardTitle>{t("refusedTitle")}</CardTitle>
        <CardDescription>{t("refusedHint")}</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="divide-y text-sm">
          {data.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
              {r.known ? (
                <Link className="font-mono text-primary hover:underline" href={`/terminals/${encodeURIComponent(r.serialNumber)}`}>
                  {r.serialNumber}
                </Link>
              ) : (
                <span className="font-mono">{r.serialNumber}</span>
              )}
              {r.phone && <span className="font-mono text-muted-foreground">{r.phone}</span>}
              <Badge variant={r.reason === "phone_not_registered" ? "danger" : "warning"}>{t.has(`reasons.${r.reason}`) ? t(`reasons.${r.reason}`) : t("reasons.other")}</Badge>
              <span className="text-xs text-muted-foreground">
                <RelativeTime date={r.at} />
              </span>
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
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
  const outboxColumns: Column<(typeof data.items)[number]>[] = [
    { id: "to", header: t("to"), cell: (m) => <span className="font-mono">{m.to}</span>, card: "title" },
    { id: "status", header: t("status"), cell: (m) => <Badge variant={smsVariant[m.status]}>{t(`sms.${m.status}`)}</Badge>, card: "status" },
    { id: "queued", header: t("queuedAt"), cell: (m) => <DateTime date={m.createdAt} /> },
    { id: "message", header: t("message"), cell: (m) => <span title={m.preview}>{m.preview}</span>, className: "max-w-sm truncate" },
    { id: "provider", header: t("provider"), cell: (m) => m.provider },
    { id: "attempts", header: t("attempts"), cell: (m) => m.attempts, className: "tabular-nums md:text-right" },
    {
      id: "error",
      header: t("lastError"),
      cell: (m) => (
        <span className="text-xs text-red-700" title={m.lastError ?? undefined}>
          {m.lastError ?? "—"}
        </span>
      ),
      className: "max-w-xs truncate",
    },
  ];
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
      <DataList
        columns={outboxColumns}
        rows={data.items}
        rowKey={(m) => m.id}
        // The outbox pages in the component, not in the URL: it sits below the page's own list.
        params={{ input: {}, update: (patch) => setInput({ ...input, ...(patch as { page?: number; pageSize?: number }) }) }}
        paging={data}
        empty={{ title: t("outboxEmpty") }}
        data-testid="sms-outbox"
      />
    </section>
  );
}
