import { count, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals, type TerminalStatus } from "@/db/schema";
import { connectivityFilters, type ConnectivityFilter } from "../schemas/terminals";
import { inScope, type Scope } from "../scope";
import { transactionsPerDay } from "./activity";
import { connectivityCondition } from "./connectivity";

/** Fleet counts for the overview: by status, by model and by firmware version. */
export async function fleetOverview(db: Db, scope: Scope, now: Date = new Date()) {
  const attentionCount = (filter: ConnectivityFilter) => sql<number>`count(*) filter (where ${connectivityCondition(filter, now)})::int`;
  // The statements run concurrently, each on its own pooled connection.
  const [groups, models, [merchantCount], [storeCount], [attention], daily] = await Promise.all([
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
      .where(inScope(terminals.merchantId, scope))
      .groupBy(sql`grouping sets ((${terminals.status}), (${terminals.modelId}), (${terminals.firmwareVersion}))`),
    db.select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` }).from(terminalModels),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
    db
      .select(Object.fromEntries(connectivityFilters.map((f) => [f, attentionCount(f)])) as Record<ConnectivityFilter, SQL.Aliased<number> | SQL<number>>)
      .from(terminals)
      .where(inScope(terminals.merchantId, scope)),
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
  return {
    total,
    byStatus,
    byModel,
    byFirmware,
    merchants: merchantCount?.n ?? 0,
    stores: storeCount?.n ?? 0,
    attention: attention as Record<ConnectivityFilter, number>,
    transactionsPerDay: daily,
  };
}
