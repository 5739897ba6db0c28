"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { rolloutStatuses } from "@/db/schema/values";
import { rolloutListInput } from "@/server/schemas/firmware";
import { DateTime } from "@/app/_components/format";
import { EmptyState, FilterSelect, Pagination } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { ProgressBar, RolloutStatusBadge } from "@/app/_components/rollout-status";

export function RolloutsView() {
  const t = useTranslations("rollouts");
  const trpc = useTRPC();
  const { input, update, isPending } = useListParams(rolloutListInput);
  const { data } = useSuspenseQuery({ ...trpc.rollouts.list.queryOptions(input), refetchInterval: 15_000 });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <Button asChild>
          <Link href="/rollouts/new">{t("new")}</Link>
        </Button>
      </div>
      <p className="text-sm text-muted-foreground">{t("maintenanceNote")}</p>
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={rolloutStatuses.map((s) => ({ value: s, label: t(`statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
      </div>
      <div className={cn("overflow-x-auto rounded-xl border bg-card px-1", isPending && "opacity-60")} data-testid="rollouts">
        {data.items.length === 0 ? (
          <EmptyState title={t("empty")} hint={t("emptyHint")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("name")}</TableHead>
                <TableHead>{t("release")}</TableHead>
                <TableHead>{t("status")}</TableHead>
                <TableHead>{t("progress")}</TableHead>
                <TableHead>{t("starts")}</TableHead>
                <TableHead>{t("created")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((r) => (
                <TableRow key={r.id}>
                  <TableCell className="font-medium">
                    <Link className="text-primary hover:underline" href={`/rollouts/${r.id}`}>
                      {r.name}
                    </Link>
                  </TableCell>
                  <TableCell className="font-mono">{r.version}</TableCell>
                  <TableCell>
                    <RolloutStatusBadge status={r.status} />
                  </TableCell>
                  <TableCell>
                    <ProgressBar counts={r.counts} total={r.terminalCount} />
                  </TableCell>
                  <TableCell>
                    <DateTime date={r.startsAt} />
                  </TableCell>
                  <TableCell>
                    <DateTime date={r.createdAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {data.total > 0 && <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />}
    </div>
  );
}
