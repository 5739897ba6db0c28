"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { DEFAULT_TIME_ZONE, terminalStatuses } from "@/db/schema/values";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../_components/ui/card";
import { useTRPC } from "../_lib/trpc/client";

const statusColors: Record<string, string> = {
  in_stock: "var(--chart-1)",
  active: "var(--chart-2)",
  suspended: "var(--chart-3)",
  faulty: "var(--chart-4)",
  retired: "var(--chart-5)",
};

export function OverviewView() {
  const t = useTranslations("overview");
  const ts = useTranslations("terminalStatus");
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.overview.get.queryOptions());
  const count = (status: string) => data.byStatus.find((s) => s.status === status)?.n ?? 0;
  const statusData = terminalStatuses.map((status) => ({ status, name: ts(status), value: count(status) })).filter((s) => s.value > 0);

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Stat label={t("terminals")} value={data.total} href="/terminals" />
        {(["active", "in_stock", "suspended", "faulty"] as const).map((status) => (
          <Stat key={status} label={ts(status)} value={count(status)} href={`/terminals?status=${status}`} />
        ))}
      </div>
      <section aria-labelledby="attention-title" className="space-y-2">
        <h2 id="attention-title" className="text-sm font-medium text-muted-foreground">
          {t("attention")}
        </h2>
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-5" data-testid="attention">
          <Stat label={t("online")} value={data.attention.online} href="/terminals?connectivity=online" tone="good" />
          <Stat label={t("offline")} value={data.attention.offline} href="/terminals?connectivity=offline" tone={data.attention.offline ? "warn" : undefined} />
          <Stat label={t("offlineDay")} value={data.attention.offline_day} href="/terminals?connectivity=offline_day" tone={data.attention.offline_day ? "bad" : undefined} />
          <Stat label={t("lowBattery")} value={data.attention.low_battery} href="/terminals?connectivity=low_battery" tone={data.attention.low_battery ? "warn" : undefined} />
          <Stat label={t("reportingErrors")} value={data.attention.errors} href="/terminals?connectivity=errors" tone={data.attention.errors ? "bad" : undefined} />
          {data.tamperAlerts > 0 && <Stat label={t("tamperAlerts")} value={data.tamperAlerts} href="/maintenance?tamper=true&open=true" tone="bad" />}
        </div>
      </section>
      <TransactionsCard days={data.transactionsPerDay} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>{t("byStatus")}</CardTitle>
            <CardDescription>{t("merchantsAndStores", { merchants: data.merchants, stores: data.stores })}</CardDescription>
          </CardHeader>
          <CardContent className="h-64">
            <ResponsiveContainer width="100%" height="100%">
              <PieChart>
                <Pie data={statusData} dataKey="value" nameKey="name" innerRadius="50%" outerRadius="80%" paddingAngle={2} isAnimationActive={false}>
                  {statusData.map((s) => (
                    <Cell key={s.status} fill={statusColors[s.status]} />
                  ))}
                </Pie>
                <Tooltip />
                <Legend verticalAlign="bottom" height={24} iconSize={10} wrapperStyle={{ fontSize: 12 }} />
              </PieChart>
            </ResponsiveContainer>
          </CardContent>
        </Card>
        <ChartCard title={t("byModel")} data={data.byModel.map((m) => ({ name: m.name, value: m.n }))} color="var(--chart-1)" />
        <ChartCard title={t("byFirmware")} data={data.byFirmware.map((f) => ({ name: f.version || t("unknownFirmware"), value: f.n }))} color="var(--chart-2)" />
      </div>
      <ComplianceCard models={data.firmwareCompliance} />
    </div>
  );
}

/** Per model, how much of the fleet in service runs the latest stable release. */
function ComplianceCard({ models }: { models: { modelId: string; model: string; latestVersion: string; total: number; current: number }[] }) {
  const t = useTranslations("overview");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("compliance")}</CardTitle>
        <CardDescription>{t("complianceHint")}</CardDescription>
      </CardHeader>
      <CardContent>
        {models.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("complianceEmpty")}</p>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="compliance">
            {models.map((m) => {
              const share = m.total ? Math.round((m.current / m.total) * 100) : 0;
              return (
                <li key={m.modelId} className="space-y-1">
                  <div className="flex items-baseline justify-between gap-2 text-sm">
                    <span className="font-medium">{m.model}</span>
                    <span className="tabular-nums">{share}%</span>
                  </div>
                  <div className="h-2 overflow-hidden rounded bg-muted" role="progressbar" aria-label={m.model} aria-valuenow={share} aria-valuemin={0} aria-valuemax={100}>
                    <div className={share >= 90 ? "h-full bg-emerald-500" : share >= 50 ? "h-full bg-amber-500" : "h-full bg-red-500"} style={{ width: `${share}%` }} />
                  </div>
                  <p className="text-xs text-muted-foreground">{t("onLatest", { current: m.current, total: m.total, version: m.latestVersion })}</p>
                </li>
              );
            })}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

const toneDot = { good: "bg-emerald-500", warn: "bg-amber-500", bad: "bg-red-500" } as const;

function Stat({ label, value, href, tone }: { label: string; value: number; href: string; tone?: keyof typeof toneDot }) {
  return (
    <Link href={href} className="rounded-xl border bg-card p-4 shadow-xs hover:bg-accent">
      <p className="flex items-center gap-1.5 text-sm text-muted-foreground">
        {tone && <span aria-hidden className={`size-2 rounded-full ${toneDot[tone]}`} />}
        {label}
      </p>
      <p className="text-2xl font-semibold tabular-nums">{value.toLocaleString()}</p>
    </Link>
  );
}

function TransactionsCard({ days }: { days: { day: string; transactions: number }[] }) {
  const t = useTranslations("overview");
  const format = useFormatter();
  const quiet = days.every((d) => d.transactions === 0);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("transactionsPerDay")}</CardTitle>
        <CardDescription>
          {t("transactionsPerDayHint", { zone: DEFAULT_TIME_ZONE })}
          {quiet && ` · ${t("noActivity")}`}
        </CardDescription>
      </CardHeader>
      <CardContent className="h-56" data-testid="transactions-per-day" data-days={days.length}>
        <ResponsiveContainer width="100%" height="100%">
          {/* The days are calendar dates in the fleet's zone: printed as such, never shifted into the browser's. */}
          <BarChart data={days.map((d) => ({ ...d, label: format.dateTime(new Date(`${d.day}T00:00:00Z`), { month: "short", day: "numeric", timeZone: "UTC" }) }))}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            <XAxis dataKey="label" fontSize={12} interval="preserveStartEnd" minTickGap={4} />
            <YAxis allowDecimals={false} fontSize={12} width={48} />
            <Tooltip />
            <Bar dataKey="transactions" name={t("transactions")} fill="var(--chart-2)" radius={3} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </CardContent>
    </Card>
  );
}

function ChartCard({ title, data, color }: { title: string; data: { name: string; value: number }[]; color: string }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent className="h-64">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} fontSize={12} />
            <YAxis type="category" dataKey="name" width={110} fontSize={12} interval={0} />
            <Tooltip />
            <Bar dataKey="value" fill={color} radius={3} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </CardContent>
    </Card>
  );
}
