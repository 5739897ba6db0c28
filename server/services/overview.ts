import { count, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals } from "@/db/schema";
import { inScope, type Scope } from "../scope";

/** Fleet counts for the overview: by status, by model and by firmware version. */
export async function fleetOverview(db: Db, scope: Scope) {
  const visible = inScope(terminals.merchantId, scope);
  const [byStatus, byModel, byFirmware, [merchantCount], [storeCount]] = await Promise.all([
    db.select({ status: terminals.status, n: count() }).from(terminals).where(visible).groupBy(terminals.status),
    db
      .select({ modelId: terminals.modelId, name: sql<string>`min(${terminalModels.manufacturer} || ' ' || ${terminalModels.model})`, n: count() })
      .from(terminals)
      .innerJoin(terminalModels, eq(terminalModels.id, terminals.modelId))
      .where(visible)
      .groupBy(terminals.modelId)
      .orderBy(desc(count())),
    db
      .select({ version: sql<string>`coalesce(${terminals.firmwareVersion}, '')`, n: count() })
      .from(terminals)
      .where(visible)
      .groupBy(terminals.firmwareVersion)
      .orderBy(desc(count()))
      .limit(12),
    db.select({ n: count() }).from(merchants).where(inScope(merchants.id, scope)),
    db.select({ n: count() }).from(stores).where(inScope(stores.merchantId, scope)),
  ]);
  const total = byStatus.reduce((sum, s) => sum + s.n, 0);
  return { total, byStatus, byModel, byFirmware, merchants: merchantCount?.n ?? 0, stores: storeCount?.n ?? 0 };
}
