import { count, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, type TerminalStatus } from "@/db/schema";
import { connectivityFilters, statusesWithDeviceAccess, type ConnectivityFilter } from "../schemas/terminals";
import { inScope, type Scope } from "../scope";
import { transactionsPerDay } from "./activity";
import { latestStableVersions } from "./firmware";
import { openTamperAlerts } from "./maintenance";
import { inConnectivityFilter } from "./connectivity";
import { terminalCounts, type TerminalCount } from "./terminal-counts";

/** Fleet counts for the overview: by status, by model and by firmware version. */
export async function fleetOverview(db: Db, scope: Scope, now: Date = new Date()) {
  // The statements run concurrently, each on its own pooled connection.
  const [groups, models, [merchantCount], [storeCount], daily, latestStable, tamperAlerts] = await Promise.all([
    // The counts kept with every change (a few hundred rows at any fleet size); every figure below is summed from them.
    terminalCounts(db, scope),
    db.select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` }).from(terminalModels),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
    transactionsPerDay(db, scope, now),
    latestStableVersions(db),
    openTamperAlerts(db, scope),
  ]);
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const sumBy = <K>(key: (g: TerminalCount) => K) => {
    const sums = new Map<K, number>();
    for (const g of groups) sums.set(key(g), (sums.get(key(g)) ?? 0) + g.n);
    return [...sums];
  };
  const byStatus = sumBy((g) => g.status).map(([status, n]) => ({ status: status as TerminalStatus, n }));
  const byModel = sumBy((g) => g.modelId)
    .map(([modelId, n]) => ({ modelId, name: modelName.get(modelId) ?? "?", n }))
    .sort((a, b) => b.n - a.n);
  const byFirmware = sumBy((g) => g.firmwareVersion)
    .map(([version, n]) => ({ version, n }))
    .sort((a, b) => b.n - a.n)
    .slice(0, 12);
  const total = byStatus.reduce((sum, s) => sum + s.n, 0);
  const attention = Object.fromEntries(connectivityFilters.map((filter) => [filter, groups.filter((g) => inConnectivityFilter(g, filter)).reduce((sum, g) => sum + g.n, 0)])) as Record<
    ConnectivityFilter,
    number
  >;
  // Per model with a stable release: how many of its terminals in service run that release.
  const compliance = new Map<string, { modelId: string; model: string; latestVersion: string; total: number; current: number }>();
  for (const g of groups) {
    const latestVersion = latestStable.get(g.modelId);
    if (!latestVersion || !statusesWithDeviceAccess.includes(g.status)) continue;
    const entry = compliance.get(g.modelId) ?? { modelId: g.modelId, model: modelName.get(g.modelId) ?? "?", latestVersion, total: 0, current: 0 };
    entry.total += g.n;
    if (g.firmwareVersion === latestVersion) entry.current += g.n;
    compliance.set(g.modelId, entry);
  }
  return {
    total,
    byStatus,
    byModel,
    byFirmware,
    merchants: merchantCount?.n ?? 0,
    stores: storeCount?.n ?? 0,
    attention,
    transactionsPerDay: daily,
    tamperAlerts,
    firmwareCompliance: [...compliance.values()].sort((a, b) => a.model.localeCompare(b.model)),
  };
}
