"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import type { UserRole } from "@/db/schema/values";
import { alertThresholds } from "@/server/schemas/alerts";
import type { AppRouter } from "@/server/root";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DataList, type Column } from "@/app/_components/data-list";
import { FormError } from "@/app/_components/form-error";
import { Badge } from "@/app/_components/ui/badge";
import { useTRPC } from "@/app/_lib/trpc/client";
import { AlertSeverityBadge } from "./alert-badges";
import { RuleDialog } from "./rule-dialog";

export type AlertRule = inferRouterOutputs<AppRouter>["alerts"]["rules"][number];
type Choice = { id: string; name: string };
type StoreChoice = Choice & { merchantId: string; merchantName: string };

/** Admins and merchant owners write rules and keep webhooks; technicians subscribe to their merchants' rules. */
export const writesRules = (role: UserRole) => role !== "technician";

export function AlertRules({ role }: { role: UserRole }) {
  const t = useTranslations("alertsPage.rules");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  const { data: stores = [] } = useQuery(trpc.merchants.storeChoices.queryOptions());
  // Merchant owners' rules name only their own merchant; admins pick merchants and technicians read their names.
  const { data: merchants = [] } = useQuery({ ...trpc.merchants.choices.queryOptions(), enabled: role !== "merchant" });
  const invalidate = () => queryClient.invalidateQueries(trpc.alerts.pathFilter());
  const subscribe = useMutation(trpc.alerts.subscribe.mutationOptions({ onSettled: invalidate }));
  const names = new Map<string, string>([...merchants, ...stores].map((c: Choice) => [c.id, c.name]));

  const columns: Column<AlertRule>[] = [
    {
      id: "name",
      header: t("name"),
      cell: (r) => (
        <>
          <div>{r.name}</div>
          <div className="text-xs font-normal text-muted-foreground">
            <RuleCondition rule={r} />
          </div>
        </>
      ),
      card: "title",
    },
    {
      id: "state",
      header: t("state"),
      cell: (r) => (
        <span className="flex flex-wrap items-center justify-end gap-1 md:justify-start">
          <AlertSeverityBadge severity={r.severity} />
          {r.enabled ? <Badge variant="success">{t("enabled")}</Badge> : <Badge variant="muted">{t("disabled")}</Badge>}
        </span>
      ),
      card: "status",
    },
    { id: "scope", header: t("scope"), cell: (r) => <RuleScope rule={r} names={names} /> },
    { id: "channels", header: t("channels"), cell: (r) => <RuleChannels rule={r} /> },
    {
      id: "counts",
      header: t("counts"),
      cell: (r) => (
        <span className="tabular-nums">
          {r.subscribers !== null && (
            <>
              {t("subscribers", { count: r.subscribers })}
              <br />
            </>
          )}
          {t("openAlerts", { count: r.openAlerts })}
        </span>
      ),
    },
    {
      id: "subscribed",
      header: t("subscribed"),
      cell: (r) => (
        <label className="flex min-h-9 items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-primary"
            checked={r.subscribed}
            disabled={subscribe.isPending}
            onChange={(e) => subscribe.mutate({ ruleId: r.id, subscribed: e.target.checked })}
            data-testid={`subscribe-${r.id}`}
          />
          {t("subscribeLabel")}
        </label>
      ),
      card: "actions",
    },
    ...(writesRules(role)
      ? [
          {
            id: "actions",
            header: <span className="sr-only">{t("actions")}</span>,
            cell: (r: AlertRule) => (r.editable ? <RuleActions rule={r} role={role} merchants={merchants} stores={stores} /> : null),
            card: "actions" as const,
          },
        ]
      : []),
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="max-w-2xl text-sm text-muted-foreground">{writesRules(role) ? t("hintWriter") : t("hintSubscriber")}</p>
        {writesRules(role) && <RuleDialog role={role} merchants={merchants} stores={stores} />}
      </div>
      <FormError error={subscribe.error} />
      <DataList
        columns={columns}
        rows={rules.data}
        rowKey={(r) => r.id}
        rowTestId={(r) => `rule-${r.name}`}
        error={rules.error}
        onRetry={() => void rules.refetch()}
        empty={{ title: t("empty"), hint: writesRules(role) ? t("emptyHintWriter") : t("emptyHintSubscriber") }}
        data-testid="alert-rules"
      />
    </div>
  );
}

/** What the rule watches, in words: "Offline for more than 30 min", "Battery below 15 %". */
function RuleCondition({ rule }: { rule: AlertRule }) {
  const t = useTranslations("alertsPage.rules");
  const tk = useTranslations("alertTexts.kinds");
  const worded = alertThresholds[rule.kind] && rule.threshold !== null ? t(`thresholds.${rule.kind}`, { n: rule.threshold }) : tk(rule.kind);
  return (
    <div className="text-sm">
      <div>{worded}</div>
      {rule.onlyWhenOpen && <div className="text-xs text-muted-foreground">{t("onlyWhenOpenShort")}</div>}
    </div>
  );
}

/** Who the rule covers: the chosen stores, else the chosen merchants (a merchant owner's rule: theirs), else the whole fleet. */
function RuleScope({ rule, names }: { rule: AlertRule; names: Map<string, string> }) {
  const t = useTranslations("alertsPage.rules");
  const listed = (ids: string[], fallback: string | null = null) => {
    const known = ids.map((id) => names.get(id)).filter((name): name is string => Boolean(name));
    if (!known.length && fallback) known.push(fallback);
    return known.length ? known.join(", ") : t("chosen", { count: ids.length });
  };
  if (rule.storeIds.length) return <span className="text-sm">{t("scopeStores", { names: listed(rule.storeIds) })}</span>;
  if (rule.merchantIds.length || rule.ownerMerchantName) return <span className="text-sm">{t("scopeMerchants", { names: listed(rule.merchantIds, rule.ownerMerchantName) })}</span>;
  return <span className="text-sm">{t("scopeFleet")}</span>;
}

function RuleChannels({ rule }: { rule: AlertRule }) {
  const t = useTranslations("alertsPage.channels");
  const on = (["email", "sms", "webhook"] as const).filter((channel) => rule[channel]);
  return <span className="text-sm">{[t("inbox"), ...on.map((channel) => t(channel))].join(" · ")}</span>;
}

function RuleActions({ rule, role, merchants, stores }: { rule: AlertRule; role: UserRole; merchants: Choice[]; stores: StoreChoice[] }) {
  const t = useTranslations("alertsPage.rules");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.alerts.deleteRule.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.pathFilter()) }));
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <RuleDialog role={role} merchants={merchants} stores={stores} rule={rule} triggerLabel={tc("edit")} />
      <ConfirmDialog
        label={t("delete")}
        title={t("deleteTitle", { name: rule.name })}
        description={t("deleteHint", { count: rule.openAlerts })}
        onConfirm={() => remove.mutateAsync({ id: rule.id })}
        error={remove.error}
        pending={remove.isPending}
        destructive
      />
    </div>
  );
}
