"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { AlertTriangleIcon, DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { LOW_BATTERY_PERCENT, terminalStatuses, type UserRole } from "@/db/schema/values";
import { connectivityFilters, terminalListInput } from "@/server/schemas/terminals";
import { RelativeTime } from "@/app/_components/format";
import { EmptyState, Pagination, SearchBox, SortableHead } from "@/app/_components/list-controls";
import { OnlineDot, TerminalStatusBadge } from "@/app/_components/terminal-status";
import { Button } from "@/app/_components/ui/button";
import { Select } from "@/app/_components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { CreateTerminalDialog } from "./create-terminal-dialog";
import { ImportTerminalsDialog } from "./import-terminals-dialog";

export function TerminalsView({ role }: { role: UserRole }) {
  const t = useTranslations("terminals");
  const ts = useTranslations("terminalStatus");
  const tc = useTranslations("connectivity");
  const trpc = useTRPC();
  const { input, update, isPending, queryString } = useListParams(terminalListInput, ["status"]);
  const { data } = useSuspenseQuery(trpc.terminals.list.queryOptions(input));
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const search = useSearchParam(input.q, update);

  const statuses = input.status ?? [];
  const toggleStatus = (status: (typeof terminalStatuses)[number]) => update({ status: statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status] });
  const stores = options.stores.filter((s) => !input.merchantId || s.merchantId === input.merchantId);
  const filtered = Boolean(input.q || input.connectivity || statuses.length || input.modelId || input.merchantId || input.storeId || input.firmwareVersion);

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

      <div className="space-y-2 rounded-xl border bg-card p-3">
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-6">
          <SearchBox label={t("search")} placeholder={t("searchPlaceholder")} className="sm:col-span-2 lg:col-span-1" inputProps={search.inputProps} />
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
              className={cn("rounded-full border px-3 py-1 text-xs", statuses.includes(status) ? "border-primary bg-primary text-primary-foreground" : "bg-card hover:bg-accent")}
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
      </div>

      <div className={cn("rounded-xl border bg-card px-1 transition-opacity", isPending && "opacity-60")}>
        {data.items.length === 0 ? (
          <EmptyState title={filtered ? t("emptyFiltered") : t("empty")} hint={filtered ? t("emptyFilteredHint") : undefined} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <SortableHead field="serialNumber" label={t("serialNumber")} sort={input.sort} dir={input.dir} onSort={update} />
                <SortableHead field="status" label={t("status")} sort={input.sort} dir={input.dir} onSort={update} />
                <TableHead className="hidden 2xl:table-cell">{t("model")}</TableHead>
                {role !== "merchant" && <TableHead>{t("merchant")}</TableHead>}
                <TableHead>{t("store")}</TableHead>
                <SortableHead field="firmwareVersion" label={t("firmware")} sort={input.sort} dir={input.dir} onSort={update} />
                <SortableHead field="lastSeenAt" label={t("lastSeen")} sort={input.sort} dir={input.dir} onSort={update} />
                <TableHead className="text-right">{t("battery")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((terminal) => (
                <TableRow key={terminal.id}>
                  <TableCell className="font-mono">
                    <Link className="text-primary hover:underline" href={`/terminals/${encodeURIComponent(terminal.serialNumber)}`}>
                      {terminal.serialNumber}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <TerminalStatusBadge status={terminal.status} />
                  </TableCell>
                  <TableCell className="hidden 2xl:table-cell">{terminal.modelName}</TableCell>
                  {role !== "merchant" && <TableCell>{terminal.merchantName ?? "—"}</TableCell>}
                  <TableCell>{terminal.storeName ?? "—"}</TableCell>
                  <TableCell className="font-mono">{terminal.firmwareVersion ?? "—"}</TableCell>
                  <TableCell>
                    <span className="flex items-center gap-2" data-testid="last-seen">
                      <OnlineDot online={terminal.online} />
                      <RelativeTime date={terminal.lastSeenAt} />
                      {terminal.errorCount > 0 && (
                        <AlertTriangleIcon className="size-4 text-red-600" role="img" aria-label={tc("errors")}>
                          <title>{tc("errors")}</title>
                        </AlertTriangleIcon>
                      )}
                    </span>
                  </TableCell>
                  <TableCell className={cn("text-right tabular-nums", terminal.batteryPercent !== null && terminal.batteryPercent < LOW_BATTERY_PERCENT && "font-medium text-red-600")}>
                    {terminal.batteryPercent === null ? "—" : `${terminal.batteryPercent}%`}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      <Pagination page={data.page} pageSize={data.pageSize} total={data.total} totalIsLowerBound={data.totalIsLowerBound} onChange={update} />
    </div>
  );
}
