import { and, count, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals, type TerminalStatus } from "@/db/schema";
import { statusesWithDeviceAccess, type ConnectivityFilter } from "../schemas/terminals";
import { inScope, type Scope } from "../scope";
import { transactionsPerDay } from "./activity";
import { latestStableVersions } from "./firmware";
import { openTamperAlerts } from "./maintenance";
import { connectivityCondition } from "./connectivity";

/** Fleet counts for the overview: by status, by model and by firmware version. */
export async function fleetOverview(db: Db, scope: Scope, now: Date = new Date()) {
  const visible = inScope(terminals.merchantId, scope);
  // Each count walks an index range (offline) or a partial index (low battery, errors), so none of
  // them scans the fleet; online is the rest of the terminals in service.
  const countWhere = (filter: ConnectivityFilter) =>
    db
      .select({ n: count() })
      .from(terminals)
      .where(and(visible, connectivityCondition(filter, now)))
      .then(([row]) => row?.n ?? 0);
  // The statements run concurrently, each on its own pooled connection.
  const [groups, models, [merchantCount], [storeCount], offline, offlineDay, lowBattery, errors, daily, latestStable, tamperAlerts] = await Promise.all([
    // One pass over the visible terminals: counts by status, model and firmware together (a few
    // hundred groups), from which every breakdown below is summed.
    db
      .select({ status: terminals.status, modelId: terminals.modelId, firmwareVersion: terminals.firmwareVersion, n: count() })
      .from(terminals)
      .where(visible)
      .groupBy(terminals.status, terminals.modelId, terminals.firmwareVersion),
    db.select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` }).from(terminalModels),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
    countWhere("offline"),
    countWhere("offline_day"),
    countWhere("low_battery"),
    countWhere("errors"),
    transactionsPerDay(db, scope, now),
    latestStableVersions(db),
    openTamperAlerts(db, scope),
  ]);
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const sumBy = <K>(key: (g: (typeof groups)[number]) => K) => {
    const sums = new Map<K, number>();
    for (const g of groups) sums.set(key(g), (sums.get(key(g)) ?? 0) + g.n);
    return [...sums];
  };
  const byStatus = sumBy((g) => g.status).map(([status, n]) => ({ status: status as TerminalStatus, n }));
  const byModel = sumBy((g) => g.modelId)
    .map(([modelId, n]) => ({ modelId, name: modelName.get(modelId) ?? "?", n }))
    .sort((a, b) => b.n - a.n);
  const byFirmware = sumBy((g) => g.firmwareVersion ?? "")
    .map(([version, n]) => ({ version, n }))
    .sort((a, b) => b.n - a.n)
    .slice(0, 12);
  const total = byStatus.reduce((sum, s) => sum + s.n, 0);
  const inService = byStatus.filter((s) => statusesWithDeviceAccess.includes(s.status)).reduce((sum, s) => sum + s.n, 0);
  const attention: Record<ConnectivityFilter, number> = { online: inService - offline, offline, offline_day: offlineDay, low_battery: lowBattery, errors };
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
