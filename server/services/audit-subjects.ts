import { inArray, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { queryRows, type Db } from "@/db/client";
import {
  alertRules,
  alerts,
  emailOutbox,
  webhooks,
  firmwareReleases,
  maintenancePlans,
  merchants,
  notices,
  rollouts,
  smsOutbox,
  staffMembers,
  stores,
  terminalModels,
  terminals,
  trainingCourses,
  trainingRecords,
  users,
  workOrders,
} from "@/db/schema";
import type { AuditEntityType } from "../schemas/audit";
import { maskPhone } from "../schemas/masking";

type Named = { id: string; label: string; parentId: string | null };

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How an entity type is named: its table, the id column, the name and, where its page is its parent's, the parent id. */
const namings: Partial<Record<AuditEntityType, { table: PgTable; id: AnyPgColumn; label: SQL; parentId?: AnyPgColumn; textIds?: true }>> = {
  terminal: { table: terminals, id: terminals.id, label: sql`${terminals.serialNumber}` },
  merchant: { table: merchants, id: merchants.id, label: sql`${merchants.name}` },
  store: { table: stores, id: stores.id, label: sql`${stores.name}`, parentId: stores.merchantId },
  terminal_model: { table: terminalModels, id: terminalModels.id, label: sql`${terminalModels.manufacturer} || ' ' || ${terminalModels.model}` },
  user: { table: users, id: users.id, label: sql`${users.name}`, textIds: true },
  work_order: { table: workOrders, id: workOrders.id, label: sql`'WO-' || ${workOrders.number}` },
  maintenance_plan: { table: maintenancePlans, id: maintenancePlans.id, label: sql`${maintenancePlans.name}` },
  firmware_release: { table: firmwareReleases, id: firmwareReleases.id, label: sql`${firmwareReleases.version}` },
  rollout: { table: rollouts, id: rollouts.id, label: sql`${rollouts.name}` },
  notice: { table: notices, id: notices.id, label: sql`${notices.title}` },
  sms: { table: smsOutbox, id: smsOutbox.id, label: sql`${smsOutbox.to}` },
  email: { table: emailOutbox, id: emailOutbox.id, label: sql`${emailOutbox.to}` },
  staff_member: { table: staffMembers, id: staffMembers.id, label: sql`${staffMembers.name}` },
  training_course: { table: trainingCourses, id: trainingCourses.id, label: sql`${trainingCourses.title}` },
  training_record: { table: trainingRecords, id: trainingRecords.id, label: sql`'TR-' || ${trainingRecords.number}` },
  webhook: { table: webhooks, id: webhooks.id, label: sql`${webhooks.url}` },
  alert_rule: { table: alertRules, id: alertRules.id, label: sql`${alertRules.name}` },
  alert: { table: alerts, id: alerts.id, label: sql`coalesce(${alerts.params} ->> 'serialNumber', ${alerts.params} ->> 'rollout', ${alerts.params} ->> 'staff', ${alerts.kind}::text)` },
};

const key = (type: string, id: string) => `${type}:${id}`;

/** The names of the entities a page of audit entries is about: one query per entity type on the page. */
export async function entityNames(db: Db, entries: { entityType: string; entityId: string }[]): Promise<Map<string, Named>> {
  const idsByType = new Map<AuditEntityType, Set<string>>();
  for (const { entityType, entityId } of entries) {
    const naming = namings[entityType as AuditEntityType];
    // A refused request for an unknown terminal is logged under the serial it gave: no row to name.
    if (!naming || (!naming.textIds && !uuidShape.test(entityId))) continue;
    const ids = idsByType.get(entityType as AuditEntityType) ?? new Set<string>();
    ids.add(entityId);
    idsByType.set(entityType as AuditEntityType, ids);
  }
  const names = new Map<string, Named>();
  await Promise.all(
    [...idsByType].map(async ([type, ids]) => {
      const naming = namings[type]!;
      const rows = await queryRows<Named>(
        db,
        sql`select ${naming.id}::text as "id", ${naming.label} as "label", ${naming.parentId ? sql`${naming.parentId}::text` : sql`null`} as "parentId"
          from ${naming.table} where ${inArray(naming.id, [...ids])}`,
      );
      for (const row of rows) names.set(key(type, row.id), { ...row, label: type === "sms" ? maskPhone(row.label) : row.label });
    }),
  );
  return names;
}

/**
 * What an entry is about, by name. An entity deleted since keeps the name its deletion recorded;
 * an unknown terminal's refused request, the serial it gave.
 */
export function subjectOf(names: Map<string, Named>, entry: { entityType: string; entityId: string; changes: Record<string, unknown> }) {
  const found = names.get(key(entry.entityType, entry.entityId));
  const recorded = [entry.changes.title, entry.changes.version, entry.changes.name].find((v): v is string => typeof v === "string");
  const unknownTerminal = entry.entityType === "terminal" && !uuidShape.test(entry.entityId) ? entry.entityId : null;
  return { type: entry.entityType, id: entry.entityId, label: found?.label ?? recorded ?? unknownTerminal, parentId: found?.parentId ?? null, exists: Boolean(found) };
}
