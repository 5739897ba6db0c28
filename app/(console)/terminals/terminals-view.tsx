"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { AlertTriangleIcon, DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { LOW_BATTERY_PERCENT, terminalStatuses, type UserRole } from "@/db/schema/values";
import { connectivityFilters, terminalListInput } from "@/server/schemas/terminals";
import type { AppRouter } from "@/server/root";
import { DataList, useRowSelection, type Column } from "@/app/_components/data-list";
import { RelativeTime } from "@/app/_components/format";
import { FilterPanel, SearchBox } from "@/app/_components/list-controls";
import { Connectivity, TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Button } from "@/app/_components/ui/button";
import { Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { CreateTerminalDialog } from "./create-terminal-dialog";
import { ImportTerminalsDialog } from "./import-terminals-dialog";

type TerminalRow = inferRouterOutputs<AppRouter>["terminals"]["list"]["items"][number];

export function TerminalsView({ role }: { role: UserRole }) {
  const t = useTranslations("terminals");
  const ts = useTranslations("terminalStatus");
  const tc = useTranslations("connectivity");
  const tl = useTranslations("list");
  const trpc = useTRPC();
  const list = useListParams(terminalListInput, ["status"]);
  const { input, update, queryString } = list;
  const { data } = useSuspenseQuery(trpc.terminals.list.queryOptions(input));
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const search = useSearchParam(input.q, update);
  const selection = useRowSelection();

  const statuses = input.status ?? [];
  const toggleStatus = (status: (typeof terminalStatuses)[number]) => update({ status: statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status] });
  const stores = options.stores.filter((s) => !input.merchantId || s.merchantId === input.merchantId);
  const activeFilters = [input.connectivity, input.modelId, input.merchantId, input.storeId, input.firmwareVersion].filter(Boolean).length + statuses.length;
  const filtered = Boolean(input.q) || activeFilters > 0;

  const columns: Column<TerminalRow>[] = [
    { id: "serialNumber", header: t("serialNumber"), cell: (r) => <span className="font-mono">{r.serialNumber}</span>, sortKey: "serialNumber", card: "title" },
    { id: "status", header: t("status"), cell: (r) => <TerminalStatusBadge status={r.status} lockedAt={r.lockedAt} compact />, sortKey: "status", card: "status" },
    { id: "model", header: t("model"), cell: (r) => r.modelName, className: "hidden 2xl:table-cell" },
    ...(role !== "merchant" ? [{ id: "merchant", header: t("merchant"), cell: (r: TerminalRow) => r.merchantName ?? "—" }] : []),
    { id: "store", header: t("store"), cell: (r) => r.storeName ?? "—" },
    { id: "firmware", header: t("firmware"), cell: (r) => <span className="font-mono">{r.firmwareVersion ?? "—"}</span>, sortKey: "firmwareVersion" },
    {
      id: "connectivity",
      header: tc("label"),
      cell: (r) => (
        <span className="flex items-center gap-2" data-testid="last-seen">
          <Connectivity online={r.online} lastSeenAt={r.lastSeenAt} />
          {r.errorCount > 0 && (
            <AlertTriangleIcon className="size-4 text-red-600" role="img" aria-label={tc("errors")}>
              <title>{tc("errors")}</title>
            </AlertTriangleIcon>
          )}
        </span>
      ),
      sortKey: "lastSeenAt",
      card: "status",
    },
    // The connectivity column says when an offline terminal was last seen, so the relative time waits for wide screens.
    { id: "lastSeen", header: t("lastSeen"), cell: (r) => <RelativeTime date={r.lastSeenAt} />, sortKey: "lastSeenAt", className: "hidden 2xl:table-cell" },
    {
      id: "battery",
      header: t("battery"),
      cell: (r) => (
        <span className={cn("tabular-nums", r.batteryPercent !== null && r.batteryPercent < LOW_BATTERY_PERCENT && "font-medium text-red-600")}>
          {r.batteryPercent === null ? "—" : `${r.batteryPercent}%`}
        </span>
      ),
      className: "md:text-right",
    },
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" asChild>
            <a href={`/api/terminals/export${queryString ? `?${queryString}` : ""}`} download>
              <DownloadIcon aria-hidden />
              {t("exportCsv")}
            </a>
          </Button>
          {role === "admin" && (
            <>
              <ImportTerminalsDialog />
              <CreateTerminalDialog />
            </>
          )}
        </div>
      </div>

      <FilterPanel
        id="terminal-filters"
        className="space-y-2 md:block"
        activeFilters={activeFilters}
        search={<SearchBox label={t("search")} placeholder={t("searchPlaceholder")} className="min-w-0 flex-1 md:max-w-md" inputProps={search.inputProps} />}
      >
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
          <Select aria-label={tc("label")} value={input.connectivity ?? ""} onChange={(e) => update({ connectivity: e.target.value })}>
            <option value="">{tc("any")}</option>
            {connectivityFilters.map((f) => (
              <option key={f} value={f}>
                {tc(f)}
              </option>
            ))}
          </Select>
          <Select aria-label={t("model")} value={input.modelId ?? ""} onChange={(e) => update({ modelId: e.target.value })}>
            <option value="">{t("allModels")}</option>
            {options.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Select>
          {role !== "merchant" && (
            <Select aria-label={t("merchant")} value={input.merchantId ?? ""} onChange={(e) => update({ merchantId: e.target.value, storeId: "" })}>
              <option value="">{t("allMerchants")}</option>
              {options.merchants.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
          )}
          <Select aria-label={t("store")} value={input.storeId ?? ""} onChange={(e) => update({ storeId: e.target.value })}>
            <option value="">{t("allStores")}</option>
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </Select>
          <Select aria-label={t("firmware")} value={input.firmwareVersion ?? ""} onChange={(e) => update({ firmwareVersion: e.target.value })}>
            <option value="">{t("allFirmware")}</option>
            {options.firmwareVersions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label={t("status")}>
          {terminalStatuses.map((status) => (
            <button
              key={status}
              type="button"
              aria-pressed={statuses.includes(status)}
              onClick={() => toggleStatus(status)}
              className={cn("min-h-9 rounded-full border px-3 py-1 text-xs", statuses.includes(status) ? "border-primary bg-primary text-primary-foreground" : "bg-card hover:bg-accent")}
            >
              {ts(status)}
            </button>
          ))}
          {filtered && (
            <Button
              variant="link"
              size="sm"
              onClick={() => {
                search.clear();
                update({ q: "", connectivity: "", status: [], modelId: "", merchantId: "", storeId: "", firmwareVersion: "" });
              }}
            >
              {t("clearFilters")}
            </Button>
          )}
        </div>
      </FilterPanel>

      {selection.selected.size > 0 && (
        <div className="flex items-center gap-3 text-sm" role="status">
          <span>{tl("selected", { count: selection.selected.size })}</span>
          <Button variant="link" size="sm" onClick={selection.clear}>
            {tl("clearSelection")}
          </Button>
        </div>
      )}
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(r) => r.id}
        rowLabel={(r) => r.serialNumber}
        rowHref={(r) => `/terminals/${encodeURIComponent(r.serialNumber)}`}
        params={list}
        paging={data}
        empty={filtered ? { title: t("emptyFiltered"), hint: t("emptyFilteredHint") } : { title: t("empty") }}
        selection={role === "admin" ? selection : undefined}
        data-testid="terminals"
      />
    </div>
  );
}
