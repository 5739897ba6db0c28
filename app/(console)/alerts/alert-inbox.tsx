"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { CheckCheckIcon, XIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { adminOnlyAlertKinds } from "@/server/schemas/alerts";
import type { AppRouter } from "@/server/root";
import { alertRuleKinds, alertSeverities, type UserRole } from "@/db/schema/values";
import { DataList, type Column } from "@/app/_components/data-list";
import { FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { FilterPanel, FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader } from "@/app/_components/ui/card";
import { Label, Select, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { AlertSeverityBadge } from "./alert-badges";
import { alertInboxParams } from "./url-params";

type AlertRow = inferRouterOutputs<AppRouter>["alerts"]["list"]["items"][number];

/** The link in an alert's e-mail names it as `?alert=<id>`; anything else there is ignored. */
const alertIdParam = z.uuid();

/** The alerts the viewer may see, newest first, with the filters in the URL; the one an e-mail links to is opened above the list. */
export function AlertInbox({ role }: { role: UserRole }) {
  const t = useTranslations("alertsPage.inbox");
  const tk = useTranslations("alertTexts");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useListParams(alertInboxParams);
  const { input, update } = list;
  const alerts = useQuery(trpc.alerts.list.queryOptions(input, { placeholderData: keepPreviousData }));
  const { data } = alerts;
  const { data: unreadCount = 0 } = useQuery(trpc.alerts.unreadCount.queryOptions());
  const search = useSearchParam(input.q, update);
  const markAllRead = useMutation(trpc.alerts.markRead.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()) }));
  const linkedId = alertIdParam.safeParse(useSearchParams().get("alert")).data;
  useMarkLinkedRead(linkedId);
  // The linked alert by its id, whatever the list's filters and page show.
  const linked = useQuery({ ...trpc.alerts.list.queryOptions({ id: linkedId, status: "all", page: 1, pageSize: 25 }), enabled: Boolean(linkedId) });

  const kinds = role === "admin" ? alertRuleKinds : alertRuleKinds.filter((k) => !adminOnlyAlertKinds.includes(k));
  const activeFilters = [input.status !== "open", input.kind, input.severity, input.unread, input.acknowledged !== undefined].filter(Boolean).length;
  const filtered = Boolean(input.q) || activeFilters > 0;

  const columns: Column<AlertRow>[] = [
    { id: "alert", header: t("alert"), cell: (a) => <AlertTitle alert={a} linked={a.id === linkedId} />, card: "title" },
    { id: "state", header: t("state"), cell: (a) => <AlertState alert={a} />, card: "status" },
    { id: "where", header: t("where"), cell: (a) => <AlertWhere alert={a} role={role} /> },
    { id: "raised", header: t("raised"), cell: (a) => <RelativeTime date={a.raisedAt} /> },
    { id: "resolved", header: t("resolved"), cell: (a) => <RelativeTime date={a.resolvedAt} /> },
    { id: "acknowledged", header: t("acknowledged"), cell: (a) => <Acknowledgement alert={a} /> },
    { id: "actions", header: <span className="sr-only">{t("actions")}</span>, cell: (a) => <AlertActions alert={a} />, card: "actions" },
  ];

  return (
    <div className="space-y-4">
      {linkedId && linked.data && <LinkedAlert id={linkedId} alert={linked.data.items[0]} role={role} />}

      <FilterPanel
        id="alert-filters"
        className="space-y-2 md:block"
        activeFilters={activeFilters}
        search={<SearchBox label={t("search")} placeholder={t("searchPlaceholder")} className="min-w-0 flex-1 md:max-w-md" inputProps={search.inputProps} />}
      >
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
          <Select aria-label={t("status")} value={input.status} onChange={(e) => update({ status: e.target.value === "open" ? "" : e.target.value })}>
            {(["open", "resolved", "all"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`statuses.${s}`)}
              </option>
            ))}
          </Select>
          <FilterSelect label={t("kind")} allLabel={t("allKinds")} value={input.kind} options={kinds.map((k) => ({ value: k, label: tk(`kinds.${k}`) }))} onChange={(kind) => update({ kind })} />
          <FilterSelect
            label={t("severity")}
            allLabel={t("allSeverities")}
            value={input.severity}
            options={alertSeverities.map((s) => ({ value: s, label: tk(`severities.${s}`) }))}
            onChange={(severity) => update({ severity })}
          />
          <FilterSelect
            label={t("acknowledged")}
            allLabel={t("acknowledgedAny")}
            value={input.acknowledged === undefined ? undefined : String(input.acknowledged)}
            options={[
              { value: "true", label: t("acknowledgedYes") },
              { value: "false", label: t("acknowledgedNo") },
            ]}
            onChange={(acknowledged) => update({ acknowledged })}
          />
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <label className="flex min-h-9 items-center gap-2 text-sm">
            <input type="checkbox" className="size-4 accent-primary" checked={input.unread ?? false} onChange={(e) => update({ unread: e.target.checked ? "true" : "" })} />
            {t("unreadOnly")}
          </label>
          {filtered && (
            <Button
              variant="link"
              size="sm"
              onClick={() => {
                search.clear();
                update({ q: "", status: "", kind: "", severity: "", unread: "", acknowledged: "" });
              }}
            >
              {t("clearFilters")}
            </Button>
          )}
        </div>
      </FilterPanel>

      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground" data-testid="alerts-unread" aria-live="polite">
          {t("unreadCount", { count: unreadCount })}
        </p>
        <Button variant="outline" size="sm" disabled={unreadCount === 0 || markAllRead.isPending} onClick={() => markAllRead.mutate({ all: true })}>
          <CheckCheckIcon aria-hidden />
          {t("markAllRead")}
        </Button>
      </div>

      <DataList
        columns={columns}
        rows={data?.items}
        rowKey={(a) => a.id}
        rowLabel={(a) => tk(`kinds.${a.kind}`)}
        rowTestId={(a) => `alert-${a.id}`}
        error={alerts.error}
        onRetry={() => void alerts.refetch()}
        params={{ ...list, isPending: list.isPending || alerts.isPlaceholderData }}
        paging={data}
        empty={filtered ? { title: t("emptyFiltered"), hint: t("emptyFilteredHint") } : { title: t("empty"), hint: t("emptyHint") }}
        data-testid="alerts"
      />
    </div>
  );
}

/** Opening the link of an alert's e-mail reads it: once per alert, even if it is not on this page. */
function useMarkLinkedRead(alertId: string | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { mutate } = useMutation(trpc.alerts.markRead.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()) }));
  const marked = useRef<string | null>(null);
  useEffect(() => {
    if (!alertId || marked.current === alertId) return;
    marked.current = alertId;
    mutate({ ids: [alertId] });
  }, [alertId, mutate]);
}

function AlertTitle({ alert, linked }: { alert: AlertRow; linked: boolean }) {
  const t = useTranslations("alertsPage.inbox");
  const tk = useTranslations("alertTexts");
  return (
    <div className={cn("max-w-md min-w-0 rounded-md", linked && "bg-primary/5 ring-2 ring-primary ring-offset-2")} data-unread={alert.unread} aria-current={linked || undefined}>
      <div className="flex items-center gap-2">
        {alert.unread && (
          <span className="size-2 shrink-0 rounded-full bg-primary">
            <span className="sr-only">{t("unread")}</span>
          </span>
        )}
        <span className={alert.unread ? "font-semibold" : "font-normal"}>{tk(`kinds.${alert.kind}`)}</span>
      </div>
      <p className="text-sm font-normal text-muted-foreground">{tk(`messages.${alert.kind}`, alert.params)}</p>
      <p className="text-xs font-normal text-muted-foreground">{t("rule", { name: alert.ruleName })}</p>
    </div>
  );
}

function AlertState({ alert }: { alert: AlertRow }) {
  const t = useTranslations("alertsPage.inbox");
  return (
    <span className="flex flex-wrap items-center justify-end gap-1 md:justify-start">
      <AlertSeverityBadge severity={alert.severity} />
      <Badge variant={alert.status === "open" ? "outline" : "success"}>{t(`statuses.${alert.status}`)}</Badge>
    </span>
  );
}

/** Where the alert is: merchant (for those who see several), store and the terminal, which links to its page. */
function AlertWhere({ alert, role }: { alert: AlertRow; role: UserRole }) {
  const merchant = role === "merchant" ? null : alert.merchantName;
  if (!merchant && !alert.storeName && !alert.serialNumber) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="text-sm">
      {merchant && <div>{merchant}</div>}
      {alert.storeName && <div className="text-muted-foreground">{alert.storeName}</div>}
      {alert.serialNumber && (
        <Link href={`/terminals/${encodeURIComponent(alert.serialNumber)}`} className="font-mono text-primary hover:underline">
          {alert.serialNumber}
        </Link>
      )}
    </div>
  );
}

function Acknowledgement({ alert }: { alert: AlertRow }) {
  const t = useTranslations("alertsPage.inbox");
  if (!alert.acknowledgedAt) return <span className="text-muted-foreground">{t("notAcknowledged")}</span>;
  return (
    <div className="max-w-60 text-sm" data-testid="acknowledgement">
      <div>
        {t("acknowledgedBy", { name: alert.acknowledgedByName ?? t("formerUser") })} · <RelativeTime date={alert.acknowledgedAt} />
      </div>
      {alert.acknowledgementNote && <p className="break-words whitespace-pre-line text-muted-foreground">{alert.acknowledgementNote}</p>}
    </div>
  );
}

function AlertActions({ alert }: { alert: AlertRow }) {
  const t = useTranslations("alertsPage.inbox");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const markRead = useMutation(trpc.alerts.markRead.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()) }));
  return (
    <div className="flex flex-wrap justify-end gap-2">
      {alert.status === "open" && !alert.acknowledgedAt && <AcknowledgeDialog alert={alert} />}
      {alert.unread && (
        <Button size="sm" variant="ghost" disabled={markRead.isPending} onClick={() => markRead.mutate({ ids: [alert.id] })}>
          {t("markRead")}
        </Button>
      )}
    </div>
  );
}

/** Someone is on it: the alert stays open until its condition ends, with who acknowledged it and their note. */
function AcknowledgeDialog({ alert }: { alert: AlertRow }) {
  const t = useTranslations("alertsPage.inbox");
  const tk = useTranslations("alertTexts");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const acknowledge = useMutation(trpc.alerts.acknowledge.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()) }));
  const noteId = `acknowledge-note-${alert.id}`;
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {t("acknowledge")}
        </Button>
      }
      title={t("acknowledgeTitle", { title: tk(`kinds.${alert.kind}`) })}
      description={t("acknowledgeHint")}
      submitLabel={t("acknowledge")}
      error={acknowledge.error}
      pending={acknowledge.isPending}
      onOpenChange={() => acknowledge.reset()}
      onSubmit={(form) => acknowledge.mutateAsync({ id: alert.id, note: formText(form, "note") })}
    >
      <p className="text-sm">{tk(`messages.${alert.kind}`, alert.params)}</p>
      <div className="grid gap-1.5">
        <Label htmlFor={noteId}>{t("note")}</Label>
        <Textarea id={noteId} name="note" maxLength={500} placeholder={t("notePlaceholder")} {...invalidProps(acknowledge.error, "note")} />
        <FieldError error={acknowledge.error} field="note" />
      </div>
    </FormDialog>
  );
}

/** The alert an e-mail linked to, opened above the list with everything about it; a note when it is not there (or not the reader's to see). */
function LinkedAlert({ id, alert, role }: { id: string; alert: AlertRow | undefined; role: UserRole }) {
  const t = useTranslations("alertsPage.inbox");
  const tk = useTranslations("alertTexts");
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const close = () => {
    const next = new URLSearchParams(searchParams);
    next.delete("alert");
    const query = next.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const closeButton = (
    <Button variant="ghost" size="icon" aria-label={t("closeLinked")} onClick={close}>
      <XIcon />
    </Button>
  );
  if (!alert) {
    return (
      <div
        role="status"
        className="flex flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        data-testid="linked-alert-missing"
        data-alert-id={id}
      >
        <span className="flex-1">{t("linkedNotFound")}</span>
        {closeButton}
      </div>
    );
  }
  return (
    <Card className="border-primary/50" data-testid="linked-alert" data-alert-id={alert.id}>
      <CardHeader className="flex-row items-start justify-between gap-2">
        <div className="space-y-1">
          <h2 className="flex flex-wrap items-center gap-2 text-base font-semibold">
            {tk(`kinds.${alert.kind}`)}
            <AlertState alert={alert} />
          </h2>
          <p className="text-sm">{tk(`messages.${alert.kind}`, alert.params)}</p>
        </div>
        {closeButton}
      </CardHeader>
      <CardContent className="space-y-3">
        <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-muted-foreground">{t("ruleLabel")}</dt>
          <dd>{alert.ruleName}</dd>
          <dt className="text-muted-foreground">{t("where")}</dt>
          <dd>
            <AlertWhere alert={alert} role={role} />
          </dd>
          <dt className="text-muted-foreground">{t("raised")}</dt>
          <dd>
            <DateTime date={alert.raisedAt} /> (<RelativeTime date={alert.raisedAt} />)
          </dd>
          <dt className="text-muted-foreground">{t("resolved")}</dt>
          <dd>{alert.resolvedAt ? <DateTime date={alert.resolvedAt} /> : t("stillOpen")}</dd>
          <dt className="text-muted-foreground">{t("acknowledged")}</dt>
          <dd>
            <Acknowledgement alert={alert} />
          </dd>
        </dl>
        <AlertActions alert={alert} />
      </CardContent>
    </Card>
  );
}
