import { and, desc, eq, lte, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { auditLog, terminalCommands, terminals, users, type CommandParams, type CommandResult, type CommandStatus, type CommandType, type TerminalStatus, type UserRole } from "@/db/schema";
import { openCommandStatuses } from "@/db/schema/values";
import { setting } from "../env";
import { AppError, notFound } from "../errors";
import { commandTypesByRole, type CommandSendInput } from "../schemas/commands";
import type { CommandResultInput } from "../schemas/device";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { inScope, type Scope } from "../scope";
import { objectStorage } from "../storage";
import type { ObjectStorage } from "../storage/object-storage";
import { recordAudit, systemActor, type AuditActor } from "./audit";
import type { AuthenticatedDevice } from "./device-tokens";
import { notifyFleetChanged, notifyTerminalsChanged } from "./fleet-events";
import { uuidArray } from "./sql-text";

/** The largest log a terminal may upload for a collect_logs command (shared/DESIGN.md). */
export const MAX_COMMAND_LOG_BYTES = 10 * 1024 * 1024;

/** The most open commands one heartbeat answer carries, oldest first; the rest follow once these are reported. */
export const COMMANDS_PER_HEARTBEAT = 10;

/** A command shown to a terminal in its heartbeat answer (shared/DESIGN.md). */
export interface TerminalCommand {
  id: string;
  type: CommandType;
  params: CommandParams;
  issuedAt: string;
}

const isOpen = (status: CommandStatus) => (openCommandStatuses as readonly CommandStatus[]).includes(status);

/** Live consoles of the commands' merchants refresh; a terminal without one is an admin's only, told fleet-wide. */
async function notifyCommandsChanged(tx: Db, commands: readonly { merchantId: string | null }[]) {
  const merchantIds = [...new Set(commands.map((c) => c.merchantId))];
  if (merchantIds.includes(null)) await notifyFleetChanged(tx);
  else await notifyTerminalsChanged(tx, merchantIds);
}

const auditCommand = (
  action: "issued" | "cancelled" | "expired" | CommandResult,
  command: { id: string; terminalId: string; merchantId: string | null; type: CommandType },
  changes: Record<string, unknown> = {},
) => ({
  action: `command.${action}` as const,
  // Under the terminal, so the entry links to its page and the terminal's own trail shows its commands.
  entityType: "terminal" as const,
  entityId: command.terminalId,
  merchantId: command.merchantId,
  changes: { commandId: command.id, commandType: command.type, ...changes },
});

/** A command as sent to one terminal or to many: its kind and parameters, without the terminal. */
export type CommandSpec = Omit<CommandSendInput, "terminalId">;

/** Why queueCommands left a terminal without the command. */
export type CommandRefusal = { reason: "notInScope" } | { reason: "notInService"; status: TerminalStatus };

/**
 * Queues the command for each of the given terminals that is in the caller's scope and in service,
 * with its audit entry, in a constant number of statements whatever the count (a bulk action sends
 * one command to a hundred thousand terminals). The caller's role must be allowed the kind
 * (commandTypesByRole) for terminals it can see. Each command expires COMMAND_EXPIRY_HOURS after `now` unless a heartbeat
 * carried it. Returns the queued commands and, per terminal left out, why.
 */
export async function queueCommands(db: Db, actor: AuditActor, viewer: { role: UserRole }, scope: Scope, terminalIds: readonly string[], command: CommandSpec, now: Date = new Date()) {
  const inScopeAndListed = and(sql`${terminals.id} = any(${uuidArray(terminalIds)})`, inScope(terminals.merchantId, scope));
  const inService = sql.join(
    statusesWithDeviceAccess.map((status) => sql`${status}`),
    sql`, `,
  );
  return db.transaction(async (tx) => {
    if (!commandTypesByRole[viewer.role].includes(command.type)) {
      // After the scope: a terminal the caller may not see is not found, whatever the kind.
      const [visible] = await tx.select({ id: terminals.id }).from(terminals).where(inScopeAndListed).limit(1);
      if (visible) throw new AppError("forbidden", "commandKindForbidden");
      return { queued: [], refused: new Map<string, CommandRefusal>(terminalIds.map((id) => [id, { reason: "notInScope" }])) };
    }
    const expiresAt = new Date(now.getTime() + setting("COMMAND_EXPIRY_HOURS") * 3_600_000);
    const auditChanges = command.type === "lock" ? sql`, 'message', ${command.params.message}::text` : sql``;
    // The terminals, their commands and the commands' audit entries (auditCommand's shape) in one statement;
    // the rows back are the queued commands and the terminals out of service.
    const rows = await queryRows<{
      id: string | null;
      terminal_id: string;
      merchant_id: string | null;
      issued_at: Date | string | null;
      expires_at: Date | string | null;
      out_of_service: TerminalStatus | null;
    }>(
      tx,
      sql`with target as materialized (
        select ${terminals.id} as id, ${terminals.merchantId} as merchant_id, ${terminals.status}::text as status from ${terminals} where ${inScopeAndListed}
      ), queued as (
        insert into ${terminalCommands} (terminal_id, merchant_id, type, params, issued_by, issued_at, expires_at)
        select id, merchant_id, ${command.type}::command_type, ${JSON.stringify(command.params)}::jsonb, ${actor.id}, ${now.toISOString()}::timestamptz, ${expiresAt.toISOString()}::timestamptz
        from target where status in (${inService})
        returning id, terminal_id, merchant_id, issued_at, expires_at
      ), audited as (
        insert into ${auditLog} (actor_id, actor_label, ip, action, entity_type, entity_id, merchant_id, changes)
        select ${actor.id}, ${actor.label}, ${actor.ip}, 'command.issued', 'terminal', q.terminal_id::text, q.merchant_id,
          jsonb_build_object('commandId', q.id, 'commandType', ${command.type}::text${auditChanges})
        from queued q
      )
      select id, terminal_id, merchant_id, issued_at, expires_at, null as out_of_service from queued
      union all
      select null, id, merchant_id, null, null, status from target where status not in (${inService})`,
    );
    const refused = new Map<string, CommandRefusal>(terminalIds.map((id) => [id, { reason: "notInScope" }]));
    const queued = [];
    for (const row of rows) {
      if (row.out_of_service) refused.set(row.terminal_id, { reason: "notInService", status: row.out_of_service });
      else {
        refused.delete(row.terminal_id);
        queued.push({ id: row.id!, terminalId: row.terminal_id, merchantId: row.merchant_id, status: "queued" as const, issuedAt: new Date(row.issued_at!), expiresAt: new Date(row.expires_at!) });
      }
    }
    if (queued.length > 0) await notifyCommandsChanged(tx, queued);
    return { queued, refused };
  });
}

/** Queues a command for one terminal in the caller's scope (queueCommands); a terminal it cannot take is an error. */
export async function issueCommand(db: Db, actor: AuditActor, viewer: { role: UserRole }, scope: Scope, input: CommandSendInput, now: Date = new Date()) {
  const { terminalId, ...command } = input;
  const { queued, refused } = await queueCommands(db, actor, viewer, scope, [terminalId], command as CommandSpec, now);
  const refusal = refused.get(terminalId);
  if (refusal?.reason === "notInScope") throw notFound("terminal");
  if (refusal?.reason === "notInService") throw new AppError("conflict", "commandTerminalOutOfService", { status: refusal.status });
  const { id, status, issuedAt, expiresAt } = queued[0]!;
  return { id, status, issuedAt, expiresAt };
}

/** A command in the caller's scope (by the merchant it was issued under), locked for the caller's transaction. */
async function commandForChange(tx: Db, where: SQL) {
  const [command] = await tx.select().from(terminalCommands).where(where).for("update");
  if (!command) throw notFound("command");
  return command;
}

/** Takes back a command no heartbeat has carried yet; only the kinds the caller's role may send. */
export async function cancelCommand(db: Db, actor: AuditActor, viewer: { role: UserRole }, scope: Scope, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const command = await commandForChange(tx, and(eq(terminalCommands.id, id), inScope(terminalCommands.merchantId, scope))!);
    if (!commandTypesByRole[viewer.role].includes(command.type)) throw new AppError("forbidden", "commandKindForbidden");
    if (command.status !== "queued") throw new AppError("conflict", "commandNotCancellable", { status: command.status });
    await tx.update(terminalCommands).set({ status: "cancelled", finishedAt: now }).where(eq(terminalCommands.id, id));
    await recordAudit(tx, actor, auditCommand("cancelled", command));
    await notifyCommandsChanged(tx, [command]);
    return { id, status: "cancelled" as const };
  });
}

/** A terminal's commands, newest first, with who issued them; those issued under an earlier merchant only for admins. */
export async function listCommands(db: Db, scope: Scope, terminalId: string) {
  const [terminal] = await db
    .select({ id: terminals.id })
    .from(terminals)
    .where(and(eq(terminals.id, terminalId), inScope(terminals.merchantId, scope)));
  if (!terminal) throw notFound("terminal");
  return db
    .select({
      id: terminalCommands.id,
      type: terminalCommands.type,
      params: terminalCommands.params,
      status: terminalCommands.status,
      issuedAt: terminalCommands.issuedAt,
      issuedBy: users.name,
      deliveredAt: terminalCommands.deliveredAt,
      finishedAt: terminalCommands.finishedAt,
      expiresAt: terminalCommands.expiresAt,
      resultMessage: terminalCommands.resultMessage,
      logBytes: terminalCommands.logBytes,
    })
    .from(terminalCommands)
    .leftJoin(users, eq(users.id, terminalCommands.issuedBy))
    .where(and(eq(terminalCommands.terminalId, terminalId), inScope(terminalCommands.merchantId, scope)))
    .orderBy(desc(terminalCommands.issuedAt))
    .limit(50);
}
export type CommandRow = Awaited<ReturnType<typeof listCommands>>[number];

/** Queued commands past their expiry that no heartbeat carried end as expired. */
export async function expireCommands(db: Db, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const expired = await tx
      .update(terminalCommands)
      .set({ status: "expired", finishedAt: now })
      .where(and(eq(terminalCommands.status, "queued"), lte(terminalCommands.expiresAt, now)))
      .returning({ id: terminalCommands.id, terminalId: terminalCommands.terminalId, merchantId: terminalCommands.merchantId, type: terminalCommands.type });
    if (!expired.length) return { expired: 0 };
    await recordAudit(tx, systemActor, ...expired.map((command) => auditCommand("expired", command)));
    await notifyCommandsChanged(tx, expired);
    return { expired: expired.length };
  });
}

const deviceActor = (device: AuthenticatedDevice): AuditActor => ({ id: null, label: `terminal ${device.serialNumber}`, ip: null });

/** The terminal's own command, locked; another terminal's is not found. */
const deviceCommand = (tx: Db, device: AuthenticatedDevice, id: string) => commandForChange(tx, and(eq(terminalCommands.id, id), eq(terminalCommands.terminalId, device.terminalId))!);

const ended = (status: CommandStatus) => new AppError("conflict", "commandEnded", { status });

/**
 * A terminal's result for one of its commands. A queued command counts as delivered too (the
 * answer that carried it may have been lost). The same result again is answered and changes
 * nothing; a command that expired, was cancelled or got another result takes none. A lock that
 * succeeded marks the terminal locked until an unlock succeeds.
 */
export async function reportCommandResult(db: Db, device: AuthenticatedDevice, id: string, result: CommandResultInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const command = await deviceCommand(tx, device, id);
    if (command.status === result.status) return { ok: true as const };
    if (!isOpen(command.status)) throw ended(command.status);
    await tx
      .update(terminalCommands)
      .set({ status: result.status, deliveredAt: command.deliveredAt ?? now, finishedAt: now, resultMessage: result.message ?? null })
      .where(eq(terminalCommands.id, id));
    if (result.status === "succeeded" && (command.type === "lock" || command.type === "unlock")) {
      await tx
        .update(terminals)
        .set({ lockedAt: command.type === "lock" ? now : null })
        .where(eq(terminals.id, command.terminalId));
    }
    await recordAudit(tx, deviceActor(device), auditCommand(result.status, command, result.message ? { message: result.message } : {}));
    await notifyCommandsChanged(tx, [command]);
    return { ok: true as const };
  });
}

/**
 * A collect_logs command's log, streamed into the object storage (at most MAX_COMMAND_LOG_BYTES,
 * else the storage's TooLargeError and nothing kept). Sent again before the result, it replaces
 * the earlier upload.
 */
export async function uploadCommandLog(db: Db, device: AuthenticatedDevice, id: string, body: ReadableStream<Uint8Array>, storage: ObjectStorage = objectStorage()) {
  const checkOpen = (command: typeof terminalCommands.$inferSelect) => {
    if (command.type !== "collect_logs") throw new AppError("conflict", "commandTakesNoLog");
    if (!isOpen(command.status)) throw ended(command.status);
  };
  // Refused before a byte is stored.
  checkOpen(await deviceCommand(db, device, id));
  const stored = await storage.put(body, MAX_COMMAND_LOG_BYTES);
  let replaced: string | null = null;
  try {
    await db.transaction(async (tx) => {
      const command = await deviceCommand(tx, device, id);
      checkOpen(command);
      replaced = command.logKey;
      await tx.update(terminalCommands).set({ logKey: stored.key, logBytes: stored.sizeBytes }).where(eq(terminalCommands.id, id));
      await notifyCommandsChanged(tx, [command]);
    });
  } catch (error) {
    await storage.remove(stored.key);
    throw error;
  }
  if (replaced) await storage.remove(replaced);
  return { ok: true as const };
}

/** The log a terminal uploaded for a command in the caller's scope, as a plain-text download. */
export async function commandLogResponse(db: Db, scope: Scope, id: string, storage: ObjectStorage = objectStorage()): Promise<Response> {
  const [command] = await db
    .select({ logKey: terminalCommands.logKey, logBytes: terminalCommands.logBytes, serialNumber: terminals.serialNumber, issuedAt: terminalCommands.issuedAt })
    .from(terminalCommands)
    .innerJoin(terminals, eq(terminals.id, terminalCommands.terminalId))
    .where(and(eq(terminalCommands.id, id), inScope(terminalCommands.merchantId, scope)));
  if (!command) throw notFound("command");
  if (!command.logKey) throw notFound("commandLog");
  // DEMO-0021-20261207T152500.log: the terminal and when the log was asked for, in UTC.
  const fileName = `${command.serialNumber}-${command.issuedAt.toISOString().replace(/[-:]/g, "").slice(0, 15)}.log`.replace(/[^\w.-]+/g, "_");
  return new Response(await storage.read(command.logKey), {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": String(command.logBytes),
      "Content-Disposition": `attachment; filename="${fileName}"`,
      // A terminal wrote it: never sniffed into something a browser would run.
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, no-store",
    },
  });
}

/**
 * For the check-in statement (heartbeat.ts): CTEs that find the open commands of the terminals
 * checking in (through the partial index on open commands), the queued ones not yet expired, and
 * mark the queued ones delivered; and the select that answers them, per terminal. A command issued
 * under the terminal's earlier merchant does not reach it.
 */
export function openCommandsSql(checkIns: SQL): { ctes: SQL; select: SQL } {
  return {
    ctes: sql`open_commands as (
        select * from (
          select c.id, c.terminal_id, c.type, c.params, c.issued_at, c.status, h.at,
            row_number() over (partition by c.terminal_id order by c.issued_at) as oldest
          from (${checkIns}) h join terminal_commands c on c.terminal_id = h.terminal_id and c.status in ('queued', 'delivered')
            and c.merchant_id is not distinct from h.merchant_id and (c.status = 'delivered' or c.expires_at > h.at)
        ) ranked where oldest <= ${COMMANDS_PER_HEARTBEAT}
      ), command_deliveries as (
        update terminal_commands c set status = 'delivered', delivered_at = o.at from open_commands o
        where c.id = o.id and c.status = 'queued'
      )`,
    select: sql`(select json_agg(json_build_object('terminalId', o.terminal_id, 'id', o.id, 'type', o.type, 'params', o.params,
        'issuedAt', to_char(o.issued_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) order by o.issued_at) from open_commands o)`,
  };
}
