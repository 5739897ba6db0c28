import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { terminals, type TerminalStatus } from "@/db/schema";
import { notFound } from "../errors";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { endPendingActivations } from "./activation";
import type { AuditAction } from "../schemas/audit";
import { recordAudit, type AuditActor } from "./audit";
import { revokeDeviceTokens } from "./device-tokens";
import { notifyTerminalsChanged } from "./fleet-events";
import { cancelOpenJob } from "./rollouts";

// A status change has callers in terminals.ts (an admin's change) and maintenance.ts (a failed
// tamper check), and terminals.ts needs maintenance.ts too: this module keeps them acyclic.

/** The terminal, locked for the caller's transaction; 404 when it does not exist. */
export async function terminalForChange(db: Db, id: string) {
  const [terminal] = await db.select().from(terminals).where(eq(terminals.id, id)).for("update");
  if (!terminal) throw notFound("terminal");
  return terminal;
}

/**
 * Changes a locked terminal's status with everything that goes with it, inside the caller's
 * transaction: an admin's change, or a rule's (a failed tamper check suspends).
 */
export async function applyTerminalStatus(
  tx: Db,
  actor: AuditActor,
  before: typeof terminals.$inferSelect,
  status: TerminalStatus,
  // What the audit entry adds to the status change: a person's reason, or the work order whose tamper check failed.
  auditDetails: Record<string, unknown> = {},
  action: AuditAction = "terminal.status_changed",
) {
  const [after] = await tx.update(terminals).set({ status, updatedAt: new Date() }).where(eq(terminals.id, before.id)).returning();
  // A lost, stolen, stocked or retired terminal's token must never work again, even if reinstated.
  if (!statusesWithDeviceAccess.includes(status)) {
    await revokeDeviceTokens(tx, before.id);
    await cancelOpenJob(tx, before.id);
  }
  if (before.status === "in_stock") await endPendingActivations(tx, before.id, "cancelled");
  await recordAudit(tx, actor, {
    action,
    entityType: "terminal",
    entityId: before.id,
    merchantId: before.merchantId,
    changes: { status: { from: before.status, to: status }, ...auditDetails },
  });
  await notifyTerminalsChanged(tx, [before.merchantId]);
  return after!;
}
