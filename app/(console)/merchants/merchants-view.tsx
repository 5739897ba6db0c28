"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import type { UserRole } from "@/db/schema/values";
import { merchantListInput } from "@/server/schemas/merchants";
import type { AppRouter } from "@/server/root";
import { DataList, type Column } from "@/app/_components/data-list";
import { SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { MerchantDialog } from "./merchant-forms";

type MerchantRow = inferRouterOutputs<AppRouter>["merchants"]["list"]["items"][number];

export function MerchantsView({ role }: { role: UserRole }) {
  const t = useTranslations("merchants");
  const trpc = useTRPC();
  const list = useListParams(merchantListInput);
  const { data } = useSuspenseQuery(trpc.merchants.list.queryOptions(list.input));
  const search = useSearchParam(list.input.q, list.update);

  const columns: Column<MerchantRow>[] = [
    { id: "name", header: t("name"), cell: (m) => m.name, sortKey: "name", card: "title" },
    { id: "code", header: t("code"), cell: (m) => <span className="font-mono">{m.code}</span>, sortKey: "code" },
    { id: "status", header: t("status"), cell: (m) => <Badge variant={m.status === "active" ? "success" : "muted"}>{t(`statuses.${m.status}`)}</Badge>, card: "status" },
    { id: "phone", header: t("registeredPhone"), cell: (m) => <span className="font-mono">{m.registeredPhone}</span> },
    { id: "contact", header: t("contactName"), cell: (m) => m.contactName ?? "—" },
    { id: "stores", header: t("stores"), cell: (m) => <span className="tabular-nums">{m.storeCount}</span> },
    { id: "terminals", header: t("terminals"), cell: (m) => <span className="tabular-nums">{m.terminalCount}</span>, sortKey: "terminalCount" },
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        {role === "admin" && <MerchantDialog />}
      </div>
      <SearchBox label={t("search")} className="block max-w-sm" inputProps={search.inputProps} />
      <DataList columns={columns} rows={data.items} rowKey={(m) => m.id} rowHref={(m) => `/merchants/${m.id}`} params={list} paging={data} empty={{ title: t("empty") }} />
    </div>
  );
}
