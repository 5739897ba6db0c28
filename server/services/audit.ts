import { and, asc, desc, eq, gt, gte, like, lt, lte, or, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditLog, terminals, users, workOrders, type UserRole } from "@/db/schema";
import { csvLine } from "../csv";
import { auditActions, type AuditAction, type AuditEntityType, type AuditFilterInput, type AuditListInput } from "../schemas/audit";
import { maskPhone, phoneFields } from "../schemas/masking";
import { inScope, type Scope } from "../scope";
import { entityNames, subjectOf } from "./audit-subjects";

/** Who did it: a console user, a terminal, or the system. */
export interface AuditActor {
  id: string | null;
  label: string;
  ip: string | null;
}

export const systemActor: AuditActor = { id: null, label: "system", ip: null };

export interface AuditEntry {
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  merchantId?: string | null;
  changes?: Record<string, unknown>;
}

/** Call inside the transaction of the change, so the entries exist exactly when the change does. */
export async function recordAudit(db: Db, actor: AuditActor, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(auditLog).values(
    entries.map((entry) => ({
      actorId: actor.id,
      actorLabel: actor.label,
      ip: actor.ip,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      merchantId: entry.merchantId ?? null,
      changes: entry.changes ?? {},
    })),
  );
}

/** The fields that differ between two versions of a row, as { field: { from, to } }. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, to] of Object.entries(after)) {
    if (to === undefined) continue;
    const from = before[key];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from: from ?? null, to };
  }
  return changes;
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/**
 * An entity filter as people type it: an id, a serial number or a work-order number (WO-12). The
 * serial and the number are looked up, so "DEMO-0009" finds the terminal's entries.
 */
async function entityFilter(db: Db, entityId: string): Promise<SQL> {
  const ids = [entityId];
  if (!isUuid(entityId)) {
    const [terminal] = await db.select({ id: terminals.id }).from(terminals).where(eq(terminals.serialNumber, entityId.toUpperCase()));
    if (terminal) ids.push(terminal.id);
    const number = /^WO-(\d{1,15})$/i.exec(entityId)?.[1];
    const [order] = number
      ? await db
          .select({ id: workOrders.id })
          .from(workOrders)
          .where(eq(workOrders.number, Number(number)))
      : [];
    if (order) ids.push(order.id);
  }
  return or(...ids.map((id) => eq(auditLog.entityId, id)))!;
}

async function auditConditions(db: Db, input: AuditFilterInput): Promise<SQL[]> {
  const conditions: SQL[] = [];
  // A whole action, or a group of them ("terminal" is every terminal.* action).
  if (input.action) conditions.push((auditActions as readonly string[]).includes(input.action) ? eq(auditLog.action, input.action) : like(auditLog.action, `${input.action}.%`));
  if (input.entityType) conditions.push(eq(auditLog.entityType, input.entityType));
  if (input.entityId) conditions.push(await entityFilter(db, input.entityId));
  if (input.actorId) conditions.push(eq(auditLog.actorId, input.actorId));
  if (input.from) conditions.push(gte(auditLog.at, input.from));
  if (input.to) conditions.push(lte(auditLog.at, input.to));
  return conditions;
}

const auditColumns = {
  id: auditLog.id,
  at: auditLog.at,
  action: auditLog.action,
  entityType: auditLog.entityType,
  entityId: auditLog.entityId,
  merchantId: auditLog.merchantId,
  changes: auditLog.changes,
  ip: auditLog.ip,
  actorId: auditLog.actorId,
  actorLabel: auditLog.actorLabel,
  actorName: users.name,
};

const auditRows = (db: Db) => db.select(auditColumns).from(auditLog).leftJoin(users, eq(users.id, auditLog.actorId));
type AuditRow = Awaited<ReturnType<ReturnType<typeof auditRows>["execute"]>>[number];

/** Rows with who acted and what it was about named, for the log page and its export. */
async function named(db: Db, rows: AuditRow[]) {
  const names = await entityNames(db, rows);
  return rows.map(({ actorId, actorLabel, actorName, ...row }) => ({
    ...row,
    actor: { id: actorId, name: actorName, label: actorLabel },
    subject: subjectOf(names, row),
  }));
}

export async function listAudit(db: Db, input: AuditListInput) {
  const conditions = await auditConditions(db, input);
  // Keyset pagination on the identity column: stable while new entries arrive.
  if (input.before) conditions.push(lt(auditLog.id, input.before));
  const rows = await auditRows(db)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: await named(db, page), nextBefore: rows.length > input.limit ? page[page.length - 1]!.id : null };
}

/** Changes with phone numbers masked, as the console shows them: the file travels further than the page. */
function maskedChanges(changes: Record<string, unknown>): Record<string, unknown> {
  const mask = (v: unknown) => (typeof v === "string" ? maskPhone(v) : v);
  return Object.fromEntries(
    Object.entries(changes).map(([field, value]) => {
      if (!phoneFields.has(field)) return [field, value];
      const diff = value && typeof value === "object" && "to" in value ? (value as { from?: unknown; to: unknown }) : null;
      return [field, diff ? { from: mask(diff.from), to: mask(diff.to) } : mask(value)];
    }),
  );
}

const csvColumns = ["id", "at", "action", "actor", "actor_label", "entity_type", "entity_id", "entity", "changes", "ip"] as const;

/**
 * The filtered log as CSV, oldest first, a thousand entries at a time: what an auditor loads into a
 * spreadsheet. Raw action and field names, so the file reads the same whatever the console's language.
 */
export async function* exportAuditCsv(db: Db, input: AuditFilterInput): AsyncGenerator<string> {
  yield csvLine([...csvColumns]);
  const conditions = await auditConditions(db, input);
  let after = 0;
  for (;;) {
    const rows = await auditRows(db)
      .where(and(...conditions, gt(auditLog.id, after)))
      .orderBy(asc(auditLog.id))
      .limit(1000);
    if (rows.length === 0) return;
    const entries = await named(db, rows);
    yield entries
      .map((e) => csvLine([e.id, e.at, e.action, e.actor.name ?? "", e.actor.label, e.entityType, e.entityId, e.subject.label ?? "", JSON.stringify(maskedChanges(e.changes)), e.ip]))
      .join("");
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * An entity's audit entries within the caller's scope, for the entity's page, with who acted by
 * name and role. A user actor's label is their e-mail address: console staff's personal data, so
 * merchant users do not get it. Terminals and the system keep their labels ("terminal DEMO-0101",
 * "system"). The client address stays in the admins' audit log.
 */
export async function auditTrail(db: Db, scope: Scope, role: UserRole, entityType: string, entityId: string, limit = 50) {
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      changes: auditLog.changes,
      actorId: auditLog.actorId,
      actorLabel: auditLog.actorLabel,
      actorName: users.name,
      actorRole: users.role,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(and(eq(auditLog.entityType, entityType), eq(auditLog.entityId, entityId), inScope(auditLog.merchantId, scope)))
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return rows.map(({ actorId, actorLabel, actorName, actorRole, ...entry }) => ({
    ...entry,
    actor: { name: actorName, role: actorRole, label: role === "merchant" && actorId !== null ? null : actorLabel },
  }));
}
