"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { DateTime } from "@/app/_components/format";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";

/** Seven days of check-ins as charts, and the latest check-ins as a timeline table. */
export function TerminalActivity({ serialNumber }: { serialNumber: string }) {
  const t = useTranslations("terminal");
  const trpc = useTRPC();
  const format = useFormatter();
  const { data, isPending, isError } = useQuery(trpc.terminals.activity.queryOptions({ serialNumber }));

  if (isPending || isError) {
    return (
      <Card>
        <CardContent className="py-8 text-sm text-muted-foreground" role={isError ? "alert" : undefined}>
          {isError ? t("activityError") : <span className="block h-48 animate-pulse rounded-md bg-muted" aria-label={t("loading")} />}
        </CardContent>
      </Card>
    );
  }
  const tick = (hour: Date) => format.dateTime(hour, { weekday: "short", hour: "2-digit" });
  const hourly = data.hourly.map((h) => ({ ...h, label: tick(h.hour) }));

  return (
    <>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartCard title={t("batterySignal")} hint={t("last7Days")} empty={hourly.length === 0}>
          <LineChart data={hourly}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            <XAxis dataKey="label" fontSize={11} minTickGap={24} />
            <YAxis yAxisId="battery" domain={[0, 100]} fontSize={11} width={36} unit="%" />
            <YAxis yAxisId="signal" orientation="right" domain={[-110, -40]} fontSize={11} width={44} />
            <Tooltip />
            <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
            <Line yAxisId="battery" dataKey="battery" name={`${t("battery")} (%)`} stroke="var(--chart-2)" dot={false} isAnimationActive={false} />
            <Line yAxisId="battery" dataKey="batteryMin" name={`${t("batteryMin")} (%)`} stroke="var(--chart-2)" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
            <Line yAxisId="signal" dataKey="signal" name={`${t("signal")} (dBm)`} stroke="var(--chart-1)" dot={false} isAnimationActive={false} />
          </LineChart>
        </ChartCard>
        <ChartCard title={t("transactionsErrors")} hint={t("last7Days")} empty={hourly.length === 0}>
          <BarChart data={hourly}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            <XAxis dataKey="label" fontSize={11} minTickGap={24} />
            <YAxis allowDecimals={false} fontSize={11} width={36} />
            <Tooltip />
            <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="transactions" name={t("transactions")} fill="var(--chart-2)" isAnimationActive={false} />
            <Bar dataKey="errors" name={t("errors")} fill="var(--chart-4)" isAnimationActive={false} />
          </BarChart>
        </ChartCard>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>{t("recentCheckins")}</CardTitle>
        </CardHeader>
        <CardContent className="px-1">
          {data.recent.length === 0 ? (
            <p className="px-5 text-sm text-muted-foreground">{t("noCheckins")}</p>
          ) : (
            <Table data-testid="recent-checkins">
              <TableHeader>
                <TableRow>
                  <TableHead>{t("checkedInAt")}</TableHead>
                  <TableHead>{t("firmware")}</TableHead>
                  <TableHead className="text-right">{t("battery")}</TableHead>
                  <TableHead className="text-right">{t("signal")}</TableHead>
                  <TableHead>{t("network")}</TableHead>
                  <TableHead className="text-right">{t("transactions")}</TableHead>
                  <TableHead>{t("errors")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.recent.map((c) => (
                  <TableRow key={c.at.toISOString()}>
                    <TableCell>
                      <DateTime date={c.at} />
                    </TableCell>
                    <TableCell className="font-mono">{c.firmwareVersion}</TableCell>
                    <TableCell className="text-right tabular-nums">{c.batteryPercent == null ? "—" : `${c.batteryPercent}%`}</TableCell>
                    <TableCell className="text-right tabular-nums">{c.signalDbm == null ? "—" : `${c.signalDbm} dBm`}</TableCell>
                    <TableCell>{c.network ? t(`networks.${c.network}`) : "—"}</TableCell>
                    <TableCell className="text-right tabular-nums">{c.transactions}</TableCell>
                    <TableCell className="font-mono text-xs">{c.errors?.map((e) => e.code).join(", ") || "—"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </>
  );
}

function ChartCard({ title, hint, empty, children }: { title: string; hint: string; empty: boolean; children: React.ReactElement }) {
  const t = useTranslations("terminal");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        <CardDescription>{hint}</CardDescription>
      </CardHeader>
      <CardContent className="h-64">
        {empty ? (
          <p className="text-sm text-muted-foreground">{t("noCheckins")}</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            {children}
          </ResponsiveContainer>
        )}
      </CardContent>
    </Card>
  );
}
