import { and, asc, desc, eq, gt, inArray, or, sql, type SQL } from "drizzle-orm";
import { union, type PgSelect } from "drizzle-orm/pg-core";
import { queryRows, type Db } from "@/db/client";
import { auditLog, merchants, stores, terminalModels, terminalPresence, terminals, workOrders, type TerminalStatus, type UserRole } from "@/db/schema";
import { csvLine } from "../csv";
import { AppError, notFound, sqlState } from "../errors";
import { statusChangesByHand, type TerminalListFilters } from "../schemas/terminals";
import { historySince, inScope, scopeIncludes, type Scope } from "../scope";
import { auditTrail, changedFields, recordAudit, type AuditActor } from "./audit";
import { connectivityCondition, inConnectivityFilter, isOnline } from "./connectivity";
import { notifyTerminalsChanged } from "./fleet-events";
import { escapeLike } from "./sql-text";
import { endPendingActivations } from "./activation";
import { cancelOpenWorkOrders, terminalWorkOrders } from "./maintenance";
import { terminalCounts } from "./terminal-counts";
import { applyTerminalStatus, terminalForChange } from "./terminal-status";
import { cancelOpenJob, terminalUpdateJobs } from "./rollouts";

export function canChangeStatus(from: TerminalStatus, to: TerminalStatus): boolean {
  return statusChangesByHand[from].includes(to);
}

/** The terminal list's filters other than the search, in the caller's scope. */
function filterConditions(scope: Scope, f: Omit<TerminalListFilters, "q" | "sort" | "dir" | "page" | "pageSize">): SQL | undefined {
  return and(
    f.connectivity ? connectivityCondition(f.connectivity) : undefined,
    inScope(terminals.merchantId, scope),
    f.status?.length ? inArray(terminals.status, f.status) : undefined,
    f.modelId ? eq(terminals.modelId, f.modelId) : undefined,
    f.merchantId ? eq(terminals.merchantId, f.merchantId) : undefined,
    f.storeId ? eq(terminals.storeId, f.storeId) : undefined,
    f.firmwareVersion ? eq(terminals.firmwareVersion, f.firmwareVersion) : undefined,
  );
}

/** The terminal list's filters in the caller's scope; bulk actions select "all matching" with the same conditions. */
export function terminalListConditions(scope: Scope, f: Omit<TerminalListFilters, "sort" | "dir" | "page" | "pageSize">): SQL | undefined {
  const search = f.q ? searchParts(scope, f.q) : undefined;
  return and(filterConditions(scope, f), search ? or(search.serialStart, search.elsewhere) : undefined);
}

/**
 * A search matches anywhere in the serial number, or the store's or the merchant's name (any
 * case), in two parts that each have an index. The serial starting with the text is a range of the
 * serial sort index, read in serial order. The text later in the serial is found by trigrams
 * (pg_trgm) of the serial after its first character, and the names are looked up first, so their
 * terminals are found through the store and merchant indexes. A serial's beginning, the usual
 * search, may match a tenth of a fleet; the second part then has next to nothing to read.
 * Below three characters pg_trgm has no trigram to look up and PostgreSQL reads the rows instead:
 * slower on a whole fleet, still right, and quick in a merchant's scope.
 */
function searchParts(scope: Scope, q: string): { serialStart: SQL; elsewhere: SQL } {
  const serialText = escapeLike(q.toUpperCase());
  const anywhere = `%${escapeLike(q)}%`;
  return {
    serialStart: sql`${terminals.serialNumber} collate "C" like ${`${serialText}%`}`,
    // The names are looked up in the caller's scope only: a merchant's search needs its own stores, not every store named "Store …".
    elsewhere: or(
      sql`substr(${terminals.serialNumber}, 2) like ${`%${serialText}%`}`,
      sql`${terminals.storeId} = any(array(select ${stores.id} from ${stores} where ${stores.name} ilike ${anywhere} and ${inScope(stores.merchantId, scope)}))`,
      sql`${terminals.merchantId} = any(array(select ${merchants.id} from ${merchants} where ${merchants.name} ilike ${anywhere} and ${inScope(merchants.id, scope)}))`,
    )!,
  };
}

const listColumns = {
  id: terminals.id,
  serialNumber: terminals.serialNumber,
  status: terminals.status,
  firmwareVersion: terminals.firmwareVersion,
  lastSeenAt: terminals.lastSeenAt,
  connectivity: terminals.connectivity,
  batteryPercent: terminals.batteryPercent,
  network: terminals.network,
  errorCount: terminals.errorCount,
  // Set while a lock command holds the terminal (a stolen one): the console shows "Locked".
  lockedAt: terminals.lockedAt,
  createdAt: terminals.createdAt,
  modelId: terminals.modelId,
  modelName: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}`,
  merchantId: terminals.merchantId,
  merchantName: merchants.name,
  storeId: terminals.storeId,
  storeName: stores.name,
};

/** The list's tables: each terminal with its copy in terminal_presence (the last-seen order, listOrder), model, merchant and store. */
function withListTables<Query extends PgSelect>(query: Query) {
  return query
    .innerJoin(terminalPresence, eq(terminalPresence.terminalId, terminals.id))
    .innerJoin(terminalModels, eq(terminalModels.id, terminals.modelId))
    .leftJoin(merchants, eq(merchants.id, terminals.merchantId))
    .leftJoin(stores, eq(stores.id, terminals.storeId));
}

function listQuery(db: Db) {
  return withListTables(db.select(listColumns).from(terminals).$dynamic());
}

/**
 * Matches the terminals_sort_* indexes (see the schema), and for the last check-in
 * terminal_presence's, so a page is an index scan. The query joins terminal_presence.
 */
function listOrder({ sort, dir }: Pick<TerminalListFilters, "sort" | "dir">): SQL[] {
  const plain = dir === "asc" ? sql`asc` : sql`desc`;
  if (sort === "serialNumber") return [sql`${terminals.serialNumber} collate "C" ${plain}`];
  if (sort === "lastSeenAt") return [sql`${terminalPresence.lastSeenAt} ${plain}`, sql`${terminalPresence.serialNumber} ${plain}`];
  const order = dir === "asc" ? sql`asc nulls first` : sql`desc nulls last`;
  return [sql`${terminals[sort]} ${order}`, sql`${terminals.serialNumber} ${order}`];
}

/**
 * The offline filters once more on terminal_presence's copy of the connectivity, for the queries
 * that join it: in last-seen order, the page is then a walk of its offline index, not of every
 * terminal seen since the offline ones.
 */
function presenceFilter(f: Pick<TerminalListFilters, "connectivity">): SQL | undefined {
  return f.connectivity === "offline" || f.connectivity === "offline_day" ? sql`${terminalPresence.connectivity} <> 'online'` : undefined;
}

/**
 * The list's total from the terminal counts (exact, kept by triggers, a few hundred groups to add up
 * at any fleet size) when every filter is one they are kept by: scope, merchant, status, model,
 * firmware and connectivity. Counting a million matching rows instead takes a tenth of a second.
 * Null for a store or a search, whose matching rows are counted (up to COUNT_CAP).
 */
async function countedTotal(db: Db, scope: Scope, f: TerminalListFilters): Promise<number | null> {
  if (f.q || f.storeId) return null;
  const counted: Scope = f.merchantId ? { kind: "merchants", merchantIds: scopeIncludes(scope, f.merchantId) ? [f.merchantId] : [] } : scope;
  const groups = await terminalCounts(db, counted);
  return groups
    .filter(
      (g) =>
        (!f.status?.length || f.status.includes(g.status)) &&
        (!f.modelId || g.modelId === f.modelId) &&
        (!f.firmwareVersion || g.firmwareVersion === f.firmwareVersion) &&
        (!f.connectivity || inConnectivityFilter(g, f.connectivity)),
    )
    .reduce((sum, g) => sum + g.n, 0);
}

/** Matching rows counted one by one stop here: the list then says "more than 10,000", and a narrower search finds the rest. */
export const COUNT_CAP = 10_000;

export async function listTerminals(db: Db, scope: Scope, filters: TerminalListFilters) {
  const where = terminalListConditions(scope, filters);
  const result = (rows: Awaited<ReturnType<typeof listQuery>>, total: number) => ({
    items: rows.map((t) => ({ ...t, online: isOnline(t) })),
    // Past the cap the total is a lower bound: "more than COUNT_CAP".
    total: Math.min(total, COUNT_CAP),
    totalIsLowerBound: total > COUNT_CAP,
    page: filters.page,
    pageSize: filters.pageSize,
  });
  const searched = filters.q ? await searchPage(db, scope, filters, filters.q) : null;
  if (searched?.rows) return result(searched.rows, searched.total);
  const countMatches = async () => {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from (select 1 from ${terminals} where ${where ?? sql`true`} limit ${COUNT_CAP + 1}) m`);
    return row?.n ?? 0;
  };
  // The page and its total concurrently, each on its own pooled connection.
  const [rows, total] = await Promise.all([
    listQuery(db)
      .where(and(where, presenceFilter(filters)))
      .orderBy(...listOrder(filters))
      .limit(filters.pageSize)
      .offset((filters.page - 1) * filters.pageSize),
    searched ? searched.total : countedTotal(db, scope, filters).then((n) => n ?? countMatches()),
  ]);
  return result(rows, total);
}

/**
 * A search's page from its matches, collected once through the indexes of its two parts (see
 * searchParts), up to COUNT_CAP + 1 of each: sorting a few thousand matches beats walking a sort
 * index and filtering, which reads most of a million rows to find a few scattered matches. Past the
 * cap in the serial-start part, its first matches in list order stand in for the rest of it.
 * Rows null when the other part alone passes the cap: the caller then walks the sort index.
 */
async function searchPage(db: Db, scope: Scope, filters: TerminalListFilters, q: string) {
  const filtered = filterConditions(scope, filters);
  const { serialStart, elsewhere } = searchParts(scope, q);
  const startMatches = db.$with("start_matches").as(
    db
      .select({ id: terminals.id })
      .from(terminals)
      .where(and(filtered, serialStart))
      // In serial order, so collecting is a walk along the sort index's range whatever the rows' order on disk.
      .orderBy(sql`${terminals.serialNumber} collate "C"`)
      .limit(COUNT_CAP + 1),
  );
  const otherMatches = db.$with("other_matches").as(
    db
      .select({ id: terminals.id })
      .from(terminals)
      .where(and(filtered, elsewhere))
      .limit(COUNT_CAP + 1),
  );
  const startCount = sql`(select count(*) from ${startMatches})`;
  const otherCount = sql<number>`(select count(*)::int from ${otherMatches})`;
  const matchedTotal = sql<number>`(select count(*)::int from (${union(db.select({ id: startMatches.id }).from(startMatches), db.select({ id: otherMatches.id }).from(otherMatches))}) m)`;
  const candidates = union(
    db.select({ id: otherMatches.id }).from(otherMatches),
    db
      .select({ id: startMatches.id })
      .from(startMatches)
      .where(sql`${startCount} <= ${COUNT_CAP}`),
    db
      .select({ id: terminals.id })
      .from(terminals)
      .innerJoin(terminalPresence, eq(terminalPresence.terminalId, terminals.id))
      .where(and(filtered, presenceFilter(filters), serialStart, sql`${startCount} > ${COUNT_CAP}`))
      .orderBy(...listOrder(filters))
      .limit(filters.page * filters.pageSize),
  );
  const rows = await withListTables(
    db
      .with(startMatches, otherMatches)
      .select({ ...listColumns, matchedTotal })
      .from(terminals)
      .$dynamic(),
  )
    // The candidates as an array fetched by primary key: a semi-join lets the planner walk the sort
    // order instead, probing the candidates per row, which takes seconds at a million terminals.
    .where(and(sql`${terminals.id} = any(array(${candidates}))`, sql`${otherCount} <= ${COUNT_CAP}`))
    .orderBy(...listOrder(filters))
    .limit(filters.pageSize)
    .offset((filters.page - 1) * filters.pageSize);
  if (rows[0]) return { rows: rows.map(({ matchedTotal: _, ...row }) => row), total: rows[0].matchedTotal };
  // No row: no match, a page past the last, or too many matches elsewhere; the counts say which.
  const [counts] = await db
    .with(startMatches, otherMatches)
    .select({ total: matchedTotal, others: otherCount })
    .from(sql`(values (1)) as one`);
  return { rows: counts!.others > COUNT_CAP ? null : [], total: counts!.total };
}

const csvColumns = ["serial_number", "manufacturer", "model", "status", "merchant_id", "merchant", "store_id", "store", "firmware_version", "last_seen_at"] as const;

/** The filtered list (or the chosen terminals of it) as CSV, streamed in serial-number order a thousand rows at a time. */
export async function* exportTerminalsCsv(db: Db, scope: Scope, filters: TerminalListFilters, ids?: readonly string[]): AsyncGenerator<string> {
  yield `${csvColumns.join(",")}\n`;
  let after = "";
  for (;;) {
    const rows = await db
      .select({
        serialNumber: terminals.serialNumber,
        manufacturer: terminalModels.manufacturer,
        model: terminalModels.model,
        status: terminals.status,
        merchantId: terminals.merchantId,
        merchant: merchants.name,
        storeId: terminals.storeId,
        store: stores.name,
        firmwareVersion: terminals.firmwareVersion,
        lastSeenAt: terminals.lastSeenAt,
      })
      .from(terminals)
      .innerJoin(terminalModels, eq(terminalModels.id, terminals.modelId))
      .leftJoin(merchants, eq(merchants.id, terminals.merchantId))
      .leftJoin(stores, eq(stores.id, terminals.storeId))
      .where(and(terminalListConditions(scope, filters), ids && inArray(terminals.id, [...ids]), gt(terminals.serialNumber, after)))
      .orderBy(asc(terminals.serialNumber))
      .limit(1000);
    if (rows.length === 0) return;
    yield rows.map((r) => csvLine(Object.values(r))).join("");
    after = rows[rows.length - 1]!.serialNumber;
  }
}

export async function getTerminalBySerial(db: Db, scope: Scope, role: UserRole, serialNumber: string) {
  const [terminal] = await db
    .select({
      ...listColumns,
      signalDbm: terminals.signalDbm,
      activatedAt: terminals.activatedAt,
      updatedAt: terminals.updatedAt,
      manufacturer: terminalModels.manufacturer,
      model: terminalModels.model,
      capabilities: terminalModels.capabilities,
      storeAddress: stores.address,
      storeRegion: stores.region,
      lastErrors: terminals.lastErrors,
      merchantSince: terminals.merchantSince,
    })
    .from(terminals)
    .innerJoin(terminalModels, eq(terminalModels.id, terminals.modelId))
    .leftJoin(merchants, eq(merchants.id, terminals.merchantId))
    .leftJoin(stores, eq(stores.id, terminals.storeId))
    .where(and(eq(terminals.serialNumber, serialNumber.toUpperCase()), inScope(terminals.merchantId, scope)));
  if (!terminal) throw notFound("terminal");
  const [history, updates, maintenance, tamperSuspension] = await Promise.all([
    auditTrail(db, scope, role, "terminal", terminal.id),
    terminalUpdateJobs(db, terminal.id, historySince(scope, terminal)),
    terminalWorkOrders(db, scope, terminal.id),
    tamperSuspensionOf(db, scope, terminal),
  ]);
  return { ...terminal, online: isOnline(terminal), history, updates, maintenance, tamperSuspension };
}

/**
 * When a failed tamper check suspended the terminal (its latest status change, so an admin's later
 * change ends it): when it failed, and the inspection opened for it while that is still open.
 */
async function tamperSuspensionOf(db: Db, scope: Scope, terminal: { id: string; status: TerminalStatus }) {
  if (terminal.status !== "suspended") return null;
  const [change] = await db
    .select({ action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "terminal"), eq(auditLog.entityId, terminal.id), inArray(auditLog.action, ["terminal.status_changed", "terminal.tamper_suspended"])))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(1);
  if (change?.action !== "terminal.tamper_suspended") return null;
  const [inspection] = await db
    .select({ id: workOrders.id, number: workOrders.number })
    .from(workOrders)
    .where(and(eq(workOrders.terminalId, terminal.id), eq(workOrders.tamperAlert, true), inArray(workOrders.status, ["open", "scheduled", "in_progress"]), inScope(workOrders.merchantId, scope)))
    .orderBy(desc(workOrders.createdAt))
    .limit(1);
  return { failedAt: change.at, inspection: inspection ?? null };
}

/** A store must exist and belong to the merchant it is paired with. */
async function checkPlacement(db: Db, merchantId: string | null, storeId: string | null) {
  if (merchantId) {
    const [merchant] = await db.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, merchantId));
    if (!merchant) throw new AppError("invalid", "merchantGone", {}, { field: "merchantId" });
  }
  if (storeId) {
    const [store] = await db.select({ merchantId: stores.merchantId }).from(stores).where(eq(stores.id, storeId));
    if (!store || store.merchantId !== merchantId) throw new AppError("invalid", "storeNotOfMerchant", {}, { field: "storeId" });
  }
}

async function checkModel(db: Db, modelId: string) {
  const [model] = await db.select({ id: terminalModels.id }).from(terminalModels).where(eq(terminalModels.id, modelId));
  if (!model) throw new AppError("invalid", "modelGone", {}, { field: "modelId" });
}

function duplicateSerial(error: unknown, serialNumber: string): never {
  if (sqlState(error) === "23505") throw new AppError("conflict", "serialNumberTaken", { serialNumber }, { field: "serialNumber" });
  throw error;
}

export interface TerminalCreate {
  serialNumber: string;
  modelId: string;
  merchantId: string | null;
  storeId: string | null;
  firmwareVersion?: string;
}

export async function createTerminal(db: Db, actor: AuditActor, input: TerminalCreate) {
  try {
    return await db.transaction(async (tx) => {
      await checkModel(tx, input.modelId);
      await checkPlacement(tx, input.merchantId, input.storeId);
      const [terminal] = await tx
        .insert(terminals)
        .values({ ...input, firmwareVersion: input.firmwareVersion || null, status: "in_stock" })
        .returning();
      await recordAudit(tx, actor, {
        action: "terminal.created",
        entityType: "terminal",
        entityId: terminal!.id,
        merchantId: terminal!.merchantId,
        changes: { serialNumber: terminal!.serialNumber, modelId: input.modelId, merchantId: input.merchantId, storeId: input.storeId },
      });
      await notifyTerminalsChanged(tx, [terminal!.merchantId]);
      return terminal!;
    });
  } catch (error) {
    duplicateSerial(error, input.serialNumber);
  }
}

export async function updateTerminal(db: Db, actor: AuditActor, input: { id: string; modelId?: string; firmwareVersion?: string }) {
  return db.transaction(async (tx) => {
    const before = await terminalForChange(tx, input.id);
    if (input.modelId) await checkModel(tx, input.modelId);
    const patch = { modelId: input.modelId, firmwareVersion: input.firmwareVersion === undefined ? undefined : input.firmwareVersion || null };
    const changes = changedFields(before, patch);
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(terminals)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(terminals.id, input.id))
      .returning();
    // Firmware for the old model is no use to the new one.
    if (changes.modelId) await cancelOpenJob(tx, input.id);
    await recordAudit(tx, actor, { action: "terminal.updated", entityType: "terminal", entityId: input.id, merchantId: after!.merchantId, changes });
    await notifyTerminalsChanged(tx, [after!.merchantId]);
    return after!;
  });
}

export async function assignTerminal(db: Db, actor: AuditActor, input: { id: string; merchantId: string | null; storeId: string | null }) {
  return db.transaction(async (tx) => {
    const before = await terminalForChange(tx, input.id);
    await checkPlacement(tx, input.merchantId, input.storeId);
    if (before.status === "retired") throw new AppError("conflict", "retiredCannotMove");
    const changes = changedFields(before, { merchantId: input.merchantId, storeId: input.storeId });
    if (Object.keys(changes).length === 0) return before;
    const now = new Date();
    // The new merchant's view of the terminal's history starts now (see historySince).
    const merchantSince = before.merchantId !== input.merchantId ? now : undefined;
    const [after] = await tx.update(terminals).set({ merchantId: input.merchantId, storeId: input.storeId, merchantSince, updatedAt: now }).where(eq(terminals.id, input.id)).returning();
    // A code sent to the old merchant's phone must not activate the terminal for the new one.
    await endPendingActivations(tx, input.id, "cancelled");
    // Work planned for the old merchant is not the new one's: it ends with the move.
    if (before.merchantId !== input.merchantId) await cancelOpenWorkOrders(tx, actor, input.id);
    // Both the old and the new merchant see the move in their trails.
    for (const merchantId of new Set([before.merchantId, input.merchantId])) {
      await recordAudit(tx, actor, { action: "terminal.assigned", entityType: "terminal", entityId: input.id, merchantId, changes });
    }
    await notifyTerminalsChanged(tx, [before.merchantId, input.merchantId]);
    return after!;
  });
}

export async function setTerminalStatus(db: Db, actor: AuditActor, input: { id: string; status: TerminalStatus; reason?: string }) {
  return db.transaction(async (tx) => {
    const before = await terminalForChange(tx, input.id);
    if (before.status === input.status) return before;
    if (!canChangeStatus(before.status, input.status)) {
      throw new AppError("conflict", "terminalStatusChange", { from: before.status, to: input.status });
    }
    return applyTerminalStatus(tx, actor, before, input.status, input.reason ? { reason: input.reason } : {});
  });
}

/** Choices for the list's filters, limited to what the caller may see. */
export async function terminalFilterOptions(db: Db, scope: Scope) {
  const [models, merchantRows, storeRows, firmware, regionRows] = await Promise.all([
    db
      .select({ id: terminalModels.id, name: sql<string>`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` })
      .from(terminalModels)
      .orderBy(terminalModels.manufacturer, terminalModels.model),
    db.select({ id: merchants.id, name: merchants.name }).from(merchants).where(inScope(merchants.id, scope)).orderBy(merchants.name).limit(500),
    db.select({ id: stores.id, name: stores.name, merchantId: stores.merchantId }).from(stores).where(inScope(stores.merchantId, scope)).orderBy(stores.name).limit(1000),
    db
      .selectDistinct({ version: terminals.firmwareVersion })
      .from(terminals)
      .where(and(inScope(terminals.merchantId, scope), sql`${terminals.firmwareVersion} is not null`))
      .orderBy(terminals.firmwareVersion)
      .limit(200),
    db
      .selectDistinct({ region: stores.region })
      .from(stores)
      .where(and(inScope(stores.merchantId, scope), sql`${stores.region} <> ''`))
      .orderBy(stores.region)
      .limit(200),
  ]);
  return { models, merchants: merchantRows, stores: storeRows, firmwareVersions: firmware.map((f) => f.version!), regions: regionRows.map((r) => r.region) };
}
