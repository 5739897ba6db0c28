"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { rolloutStatuses } from "@/db/schema/values";
import { rolloutListInput } from "@/server/schemas/firmware";
import type { AppRouter } from "@/server/root";
import { DateTime } from "@/app/_components/format";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams } from "@/app/_lib/use-list-params";
import { ProgressBar, RolloutStatusBadge } from "@/app/_components/rollout-status";

type RolloutRow = inferRouterOutputs<AppRouter>["rollouts"]["list"]["items"][number];

export function RolloutsView() {
  const t = useTranslations("rollouts");
  const trpc = useTRPC();
  const list = useListParams(rolloutListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery({ ...trpc.rollouts.list.queryOptions(input), refetchInterval: 15_000 });
  const columns: Column<RolloutRow>[] = [
    { id: "name", header: t("name"), cell: (r) => r.name, card: "title" },
    { id: "status", header: t("status"), cell: (r) => <RolloutStatusBadge status={r.status} />, card: "status" },
    { id: "release", header: t("release"), cell: (r) => <span className="font-mono">{r.version}</span> },
    { id: "progress", header: t("progress"), cell: (r) => <ProgressBar counts={r.counts} total={r.terminalCount} /> },
    { id: "starts", header: t("starts"), cell: (r) => <DateTime date={r.startsAt} /> },
    { id: "created", header: t("created"), cell: (r) => <DateTime date={r.createdAt} /> },
  ];
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
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(r) => r.id}
        rowHref={(r) => `/rollouts/${r.id}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="rollouts"
      />
    </div>
  );
}
