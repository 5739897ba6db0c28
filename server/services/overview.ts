import { and, count, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals, type TerminalStatus } from "@/db/schema";
import { statusesWithDeviceAccess, type ConnectivityFilter } from "../schemas/terminals";
import { inScope, type Scope } from "../scope";
import { transactionsPerDay } from "./activity";
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
  const [groups, models, [merchantCount], [storeCount], offline, offlineDay, lowBattery, errors, daily] = await Promise.all([
    // One pass over the visible terminals yields all three breakdowns.
    db
      .select({
        status: terminals.status,
        modelId: terminals.modelId,
        firmwareVersion: terminals.firmwareVersion,
        byStatus: sql<number>`grouping(${terminals.status})`,
        byModel: sql<number>`grouping(${terminals.modelId})`,
        n: count(),
      })
      .from(terminals)
      .where(visible)
      .groupBy(sql`grouping sets ((${terminals.status}), (${terminals.modelId}), (${terminals.firmwareVersion}))`),
    db.select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` }).from(terminalModels),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
    countWhere("offline"),
    countWhere("offline_day"),
    countWhere("low_battery"),
    countWhere("errors"),
    transactionsPerDay(db, scope, now),
  ]);
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const byStatus = groups.filter((g) => g.byStatus === 0).map((g) => ({ status: g.status as TerminalStatus, n: g.n }));
  const byModel = groups
    .filter((g) => g.byModel === 0)
    .map((g) => ({ modelId: g.modelId, name: modelName.get(g.modelId) ?? "?", n: g.n }))
    .sort((a, b) => b.n - a.n);
  const byFirmware = groups
    .filter((g) => g.byStatus === 1 && g.byModel === 1)
    .map((g) => ({ version: g.firmwareVersion ?? "", n: g.n }))
    .sort((a, b) => b.n - a.n)
    .slice(0, 12);
  const total = byStatus.reduce((sum, s) => sum + s.n, 0);
  const inService = byStatus.filter((s) => statusesWithDeviceAccess.includes(s.status)).reduce((sum, s) => sum + s.n, 0);
  const attention: Record<ConnectivityFilter, number> = { online: inService - offline, offline, offline_day: offlineDay, low_battery: lowBattery, errors };
  return {
    total,
    byStatus,
    byModel,
    byFirmware,
    merchants: merchantCount?.n ?? 0,
    stores: storeCount?.n ?? 0,
    attention,
    transactionsPerDay: daily,
  };
}
