"use client";

import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { AlertTriangleIcon, DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { LOW_BATTERY_PERCENT, terminalStatuses, type UserRole } from "@/db/schema/values";
import { connectivityFilters, terminalListInput } from "@/server/schemas/terminals";
import type { AppRouter } from "@/server/root";
import { DataList, useRowSelection, type Column, type RowSelection } from "@/app/_components/data-list";
import { RelativeTime } from "@/app/_components/format";
import { FilterPanel, SearchBox } from "@/app/_components/list-controls";
import { Connectivity, TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Button } from "@/app/_components/ui/button";
import { Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { BulkActionsBar, BulkProgress } from "./bulk-actions";
import { CreateTerminalDialog } from "./create-terminal-dialog";
import { ImportTerminalsDialog } from "./import-terminals-dialog";

type TerminalRow = inferRouterOutputs<AppRouter>["terminals"]["list"]["items"][number];

export function TerminalsView({ role }: { role: UserRole }) {
  const t = useTranslations("terminals");
  const ts = useTranslations("terminalStatus");
  const tc = useTranslations("connectivity");
  const tb = useTranslations("bulk");
  const trpc = useTRPC();
  const list = useListParams(terminalListInput, ["status"]);
  const { input, update, queryString } = list;
  const { data } = useSuspenseQuery(trpc.terminals.list.queryOptions(input));
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const search = useSearchParam(input.q, update);
  const rows = useRowSelection();
  // "All N matching": the filter it was chosen under; another filter means another set, so it then lapses.
  const [allMatchingFilter, setAllMatchingFilter] = useState<string | null>(null);
  // The serial numbers of the rows selected so far, from whichever page they were picked on, for a rollout.
  const [serialById, setSerialById] = useState<ReadonlyMap<string, string>>(() => new Map());
  // Bulk jobs shown here: those started on this page, and any still running from before a reload.
  const [startedJobIds, setStartedJobIds] = useState<string[]>([]);
  const [dismissedJobIds, setDismissedJobIds] = useState<ReadonlySet<string>>(() => new Set());
  const { data: recentJobs } = useQuery(trpc.bulk.list.queryOptions({ limit: 5, open: true }));

  const statuses = input.status ?? [];
  const toggleStatus = (status: (typeof terminalStatuses)[number]) => update({ status: statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status] });
  const stores = options.stores.filter((s) => !input.merchantId || s.merchantId === input.merchantId);
  const activeFilters = [input.connectivity, input.modelId, input.merchantId, input.storeId, input.firmwareVersion].filter(Boolean).length + statuses.length;
  const filtered = Boolean(input.q) || activeFilters > 0;

  const { page: _page, pageSize: _pageSize, sort: _sort, dir: _dir, ...filter } = input;
  const filterKey = JSON.stringify(filter);
  const allMatching = allMatchingFilter === filterKey;
  const pageKeys = data.items.map((r) => r.id);
  const remember = (ids: string[]) => setSerialById((known) => new Map([...known, ...data.items.filter((r) => ids.includes(r.id)).map((r) => [r.id, r.serialNumber] as const)]));
  const clearSelection = () => {
    setAllMatchingFilter(null);
    rows.clear();
  };
  // While "all matching" holds, every row shows as selected; unticking one falls back to this page's rows without it.
  const selection: RowSelection = allMatching
    ? {
        selected: new Set(pageKeys),
        isSelected: () => true,
        toggle: (key) => {
          clearSelection();
          const rest = pageKeys.filter((k) => k !== key);
          remember(rest);
          rows.togglePage(rest);
        },
        togglePage: clearSelection,
        clear: clearSelection,
      }
    : {
        ...rows,
        toggle: (key) => {
          remember([key]);
          rows.toggle(key);
        },
        togglePage: (keys) => {
          remember(keys);
          rows.togglePage(keys);
        },
      };
  const pageAllSelected = pageKeys.length > 0 && pageKeys.every((k) => rows.isSelected(k));
  const moreThanThisPage = data.total > pageKeys.length || Boolean(data.totalIsLowerBound);
  const selectedIds = [...rows.selected];
  const runningJobIds = (recentJobs ?? []).map((job) => job.id);
  const jobIds = [...new Set([...startedJobIds, ...runningJobIds])].filter((id) => !dismissedJobIds.has(id));
  const exportQuery = new URLSearchParams(queryString);
  for (const key of ["page", "pageSize", "sort", "dir"]) exportQuery.delete(key);

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

      {jobIds.map((id) => (
        <BulkProgress key={id} jobId={id} role={role} onDismiss={() => setDismissedJobIds((ids) => new Set([...ids, id]))} />
      ))}
      {!allMatching && pageAllSelected && moreThanThisPage && (
        <p className="flex flex-wrap items-center gap-x-2 rounded-md bg-muted px-3 py-2 text-sm" data-testid="select-all-matching">
          {tb("pageSelected", { count: pageKeys.length })}
          <Button
            variant="link"
            size="sm"
            className="h-auto p-0"
            onClick={() => {
              rows.clear();
              setAllMatchingFilter(filterKey);
            }}
          >
            {data.totalIsLowerBound ? tb("selectAllMatchingMoreThan", { count: data.total }) : tb("selectAllMatching", { count: data.total })}
          </Button>
        </p>
      )}
      {(allMatching || selectedIds.length > 0) && (
        <BulkActionsBar
          role={role}
          selection={allMatching ? { filter } : { ids: selectedIds }}
          size={allMatching ? { count: data.total, isLowerBound: Boolean(data.totalIsLowerBound), allMatching: true } : { count: selectedIds.length, isLowerBound: false, allMatching: false }}
          serials={allMatching ? null : selectedIds.map((id) => serialById.get(id)).filter((serial) => serial !== undefined)}
          exportHref={allMatching ? `/api/terminals/export${exportQuery.size ? `?${exportQuery}` : ""}` : null}
          onStarted={(id) => {
            clearSelection();
            setStartedJobIds((ids) => [id, ...ids]);
          }}
          onClear={clearSelection}
        />
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
        selection={selection}
        data-testid="terminals"
      />
    </div>
  );
}
