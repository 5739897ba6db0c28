import { and, asc, count, desc, eq, ne, or, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "@/db/client";
import { merchants, stores, terminals, type BusinessHours, type MerchantLanguage, type MerchantStatus } from "@/db/schema";
import { windowOverlapsBusinessHours } from "./rollout-rules";
import { AppError, notFound } from "../errors";
import { defaultMerchantLanguage, type merchantCreateInput, type merchantListInput, type storeCreateInput, type storeUpdateInput } from "../schemas/merchants";
import { inScope, type Scope } from "../scope";
import { changedFields, recordAudit, type AuditActor } from "./audit";
import { containsText } from "./sql-text";

// Drizzle leaves columns unqualified in single-table selects, so correlated subqueries name the outer table themselves.
const terminalCount = sql<number>`(select count(*)::int from terminals t where t.merchant_id = "merchants"."id")`;
const storeCount = sql<number>`(select count(*)::int from stores s where s.merchant_id = "merchants"."id")`;

export async function listMerchants(db: Db, scope: Scope, f: z.output<typeof merchantListInput>) {
  const where = and(inScope(merchants.id, scope), f.q ? or(containsText(merchants.name, f.q), containsText(merchants.code, f.q)) : undefined, f.status ? eq(merchants.status, f.status) : undefined);
  const sortColumn = f.sort === "terminalCount" ? terminalCount : merchants[f.sort];
  const items = await db
    .select({
      id: merchants.id,
      name: merchants.name,
      code: merchants.code,
      registeredPhone: merchants.registeredPhone,
      contactName: merchants.contactName,
      status: merchants.status,
      createdAt: merchants.createdAt,
      terminalCount,
      storeCount,
    })
    .from(merchants)
    .where(where)
    .orderBy(f.dir === "asc" ? asc(sortColumn) : desc(sortColumn), asc(merchants.id))
    .limit(f.pageSize)
    .offset((f.page - 1) * f.pageSize);
  const [total] = await db.select({ n: count() }).from(merchants).where(where);
  return { items, total: total?.n ?? 0, page: f.page, pageSize: f.pageSize };
}

export async function getMerchant(db: Db, scope: Scope, id: string) {
  const [merchant] = await db
    .select()
    .from(merchants)
    .where(and(eq(merchants.id, id), inScope(merchants.id, scope)));
  if (!merchant) throw notFound("merchant");
  const storeRows = await db
    .select({
      id: stores.id,
      name: stores.name,
      code: stores.code,
      address: stores.address,
      region: stores.region,
      phone: stores.phone,
      timeZone: stores.timeZone,
      businessHours: stores.businessHours,
      maintenanceStarts: stores.maintenanceStarts,
      maintenanceEnds: stores.maintenanceEnds,
      terminalCount: sql<number>`(select count(*)::int from terminals t where t.store_id = "stores"."id")`,
    })
    .from(stores)
    .where(eq(stores.merchantId, id))
    .orderBy(stores.name);
  const byStatus = await db.select({ status: terminals.status, n: count() }).from(terminals).where(eq(terminals.merchantId, id)).groupBy(terminals.status);
  return { ...merchant, stores: storeRows, terminalsByStatus: byStatus };
}

/** Refuses a code another merchant holds, naming that merchant, so the form marks the field. */
async function assertMerchantCodeFree(db: Db, code: string | undefined, exceptId?: string) {
  if (!code) return;
  const [holder] = await db
    .select({ name: merchants.name })
    .from(merchants)
    .where(and(eq(merchants.code, code), exceptId ? ne(merchants.id, exceptId) : undefined));
  if (holder) throw new AppError("conflict", "merchantCodeTaken", { code, merchant: holder.name }, { field: "code" });
}

/** Refuses a code another store of the same merchant holds. */
async function assertStoreCodeFree(db: Db, merchantId: string, code: string | undefined, exceptId?: string) {
  if (!code) return;
  const [holder] = await db
    .select({ name: stores.name })
    .from(stores)
    .where(and(eq(stores.merchantId, merchantId), eq(stores.code, code), exceptId ? ne(stores.id, exceptId) : undefined));
  if (holder) throw new AppError("conflict", "storeCodeTaken", { code, store: holder.name }, { field: "code" });
}

export async function createMerchant(db: Db, actor: AuditActor, input: z.output<typeof merchantCreateInput>) {
  return db.transaction(async (tx) => {
    await assertMerchantCodeFree(tx, input.code);
    const values = { ...input, language: input.language ?? defaultMerchantLanguage(input.registeredPhone) };
    const [merchant] = await tx.insert(merchants).values(values).returning();
    // The code as given or as the database made it.
    await recordAudit(tx, actor, { action: "merchant.created", entityType: "merchant", entityId: merchant!.id, merchantId: merchant!.id, changes: { ...values, code: merchant!.code } });
    return merchant!;
  });
}

export async function updateMerchant(
  db: Db,
  actor: AuditActor,
  input: { id: string; name?: string; code?: string; registeredPhone?: string; contactName?: string | null; contactEmail?: string | null; language?: MerchantLanguage; status?: MerchantStatus },
) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(merchants).where(eq(merchants.id, input.id)).for("update");
    if (!before) throw notFound("merchant");
    await assertMerchantCodeFree(tx, input.code, input.id);
    const { id, ...patch } = input;
    const changes = changedFields(before, patch);
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(merchants)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(merchants.id, id))
      .returning();
    await recordAudit(tx, actor, { action: "merchant.updated", entityType: "merchant", entityId: id, merchantId: id, changes });
    return after!;
  });
}

const stripUndefined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Installs never run while the store trades, and need some time. */
function assertMaintenanceWindow(store: { maintenanceStarts: string; maintenanceEnds: string; businessHours: BusinessHours }) {
  if (store.maintenanceStarts === store.maintenanceEnds) throw new AppError("invalid", "maintenanceWindowEmpty", {}, { field: "maintenanceEnds" });
  if (windowOverlapsBusinessHours(store.maintenanceStarts, store.maintenanceEnds, store.businessHours)) {
    throw new AppError("invalid", "maintenanceWindowOverlapsHours", {}, { field: "maintenanceStarts" });
  }
}

export async function createStore(db: Db, actor: AuditActor, input: z.output<typeof storeCreateInput>) {
  return db.transaction(async (tx) => {
    const [merchant] = await tx.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, input.merchantId));
    if (!merchant) throw new AppError("invalid", "merchantGone", {}, { field: "merchantId" });
    assertMaintenanceWindow(input);
    await assertStoreCodeFree(tx, input.merchantId, input.code);
    const [store] = await tx.insert(stores).values(input).returning();
    await recordAudit(tx, actor, { action: "store.created", entityType: "store", entityId: store!.id, merchantId: input.merchantId, changes: { ...input, code: store!.code } });
    return store!;
  });
}

export async function updateStore(db: Db, actor: AuditActor, input: z.output<typeof storeUpdateInput>) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(stores).where(eq(stores.id, input.id)).for("update");
    if (!before) throw notFound("store");
    await assertStoreCodeFree(tx, before.merchantId, input.code, input.id);
    const { id, ...patch } = input;
    // Checked when the window or the hours change, so a store saved before windows existed stays editable.
    if (patch.maintenanceStarts !== undefined || patch.maintenanceEnds !== undefined || patch.businessHours !== undefined) {
      assertMaintenanceWindow({ ...before, ...stripUndefined(patch) });
    }
    const changes = changedFields(before, patch);
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(stores)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(stores.id, id))
      .returning();
    await recordAudit(tx, actor, { action: "store.updated", entityType: "store", entityId: id, merchantId: before.merchantId, changes });
    return after!;
  });
}

/** Every merchant by name, for admin pickers (users, assignments, terminal placement). */
export async function merchantChoices(db: Db, scope: Scope) {
  return db.select({ id: merchants.id, name: merchants.name }).from(merchants).where(inScope(merchants.id, scope)).orderBy(merchants.name);
}

/** Every store the caller may see, with its merchant, for pickers. */
export async function storeChoices(db: Db, scope: Scope) {
  return db
    .select({ id: stores.id, name: stores.name, merchantId: stores.merchantId, merchantName: merchants.name })
    .from(stores)
    .innerJoin(merchants, eq(merchants.id, stores.merchantId))
    .where(inScope(stores.merchantId, scope))
    .orderBy(merchants.name, stores.name);
}
