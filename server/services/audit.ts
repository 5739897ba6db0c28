import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditLog, users, type UserRole } from "@/db/schema";
import type { AuditListInput } from "../schemas/audit";
import { inScope, type Scope } from "../scope";

/** Who did it: a console user, a terminal, or the system. */
export interface AuditActor {
  id: string | null;
  label: string;
  ip: string | null;
}

export const systemActor: AuditActor = { id: null, label: "system", ip: null };

export interface AuditEntry {
  action: string;
  entityType: string;
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

export async function listAudit(db: Db, input: AuditListInput) {
  const conditions: SQL[] = [];
  if (input.action) conditions.push(eq(auditLog.action, input.action));
  if (input.entityType) conditions.push(eq(auditLog.entityType, input.entityType));
  if (input.entityId) conditions.push(eq(auditLog.entityId, input.entityId));
  if (input.actorId) conditions.push(eq(auditLog.actorId, input.actorId));
  if (input.from) conditions.push(gte(auditLog.at, input.from));
  if (input.to) conditions.push(lte(auditLog.at, input.to));
  // Keyset pagination on the identity column: stable while new entries arrive.
  if (input.before) conditions.push(lt(auditLog.id, input.before));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  return { items: rows.slice(0, input.limit), nextBefore: rows.length > input.limit ? rows[input.limit - 1]!.id : null };
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
