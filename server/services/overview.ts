import { count, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals, type TerminalStatus } from "@/db/schema";
import { inScope, type Scope } from "../scope";

/** Fleet counts for the overview: by status, by model and by firmware version. */
export async function fleetOverview(db: Db, scope: Scope) {
  // One pass over the visible terminals yields all three breakdowns.
  const groups = await db
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
    .groupBy(sql`grouping sets ((${terminals.status}), (${terminals.modelId}), (${terminals.firmwareVersion}))`);
  const [models, [merchantCount], [storeCount]] = await Promise.all([
    db.select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` }).from(terminalModels),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
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
  return { total, byStatus, byModel, byFirmware, merchants: merchantCount?.n ?? 0, stores: storeCount?.n ?? 0 };
}
