import { createHmac, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { and, count, desc, eq, inArray, isNotNull, like, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { activations, auditLog, merchants, smsOutbox, terminals } from "@/db/schema";
import { fleetConfig } from "../config";
import { authSecret } from "../env";
import { AppError, notFound, type ErrorReason } from "../errors";
import type { ActivationListInput, SmsOutboxListInput } from "../schemas/activations";
import { maskPhone } from "../schemas/masking";
import { inScope, type Scope } from "../scope";
import { queueSms } from "../sms/outbox";
import { smsProviderFromEnv } from "../sms/providers";
import { activationCodeSms } from "../sms/texts";
import type { AuditAction } from "../schemas/audit";
import { recordAudit, type AuditActor } from "./audit";
import { issueDeviceToken } from "./device-tokens";
import { notifyTerminalsChanged } from "./fleet-events";
import { escapeLike } from "./sql-text";

export const ACTIVATION_RULES = {
  codeValidMinutes: 10,
  maxWrongCodes: 5,
  // Wrong codes also count per terminal across requests (NIST SP 800-63B-4): this many within a
  // day block it until an admin unblocks it.
  blockAfterWrongCodes: 10,
  perTerminal: { minSecondsApart: 60, perHour: 5 },
  perPhone: { perHour: 20, perDay: 50 },
  perIp: { perHour: 30 },
};

/** Keyed hash of a code, bound to its activation: the database never holds a usable code. */
function hashCode(activationId: string, code: string): string {
  return createHmac("sha256", authSecret()).update(`activation:${activationId}:${code}`).digest("hex");
}

const ADVISORY_CLASS = { phone: 41, ip: 42 } as const;

const rateLimited = (reason: ErrorReason, retryAfterSeconds: number) => new AppError("rate_limited", reason, {}, { details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) } });

/**
 * Refuses a request past any sending limit, with the seconds until every limit would allow it. A
 * window is full when it holds its limit-th newest send, and frees a slot when that send leaves it.
 */
async function checkSendingLimits(tx: Db, terminalId: string, phone: string, ip: string | null, now: Date) {
  const at = now.toISOString();
  const { perTerminal, perPhone, perIp } = ACTIVATION_RULES;
  const windows = [
    { reason: "tooManyCodesTerminal" as const, sendsOf: sql`terminal_id = ${terminalId}`, seconds: 3600, limit: perTerminal.perHour },
    { reason: "tooManyCodesPhoneHour" as const, sendsOf: sql`phone = ${phone}`, seconds: 3600, limit: perPhone.perHour },
    { reason: "tooManyCodesPhoneDay" as const, sendsOf: sql`phone = ${phone}`, seconds: 86_400, limit: perPhone.perDay },
    { reason: "tooManyCodesAddress" as const, sendsOf: ip ? sql`request_ip = ${ip}` : sql`false`, seconds: 3600, limit: perIp.perHour },
  ];
  const freeAt = windows.map(
    ({ sendsOf, seconds, limit }, i) =>
      sql`(select created_at + make_interval(secs => ${seconds}) from log where ${sendsOf} and created_at > ${at}::timestamptz - make_interval(secs => ${seconds})
        order by created_at desc offset ${limit - 1} limit 1) as ${sql.raw(`free_at_${i}`)}`,
  );
  const [row] = await queryRows<Record<string, Date | string | null>>(
    tx,
    // Bounded on both sides: the send log is read as of `now`. Not materialized, so each
    // subquery uses its own index rather than a scan of the whole fleet's day.
    sql`with log as not materialized (select * from activations where created_at <= ${at}::timestamptz and created_at > ${at}::timestamptz - interval '1 day')
    select (select max(created_at) from log where terminal_id = ${terminalId}) as last_sent, ${sql.join(freeAt, sql`, `)}`,
  );
  const secondsUntil = (value: Date | string) => (new Date(value).getTime() - now.getTime()) / 1000;
  const refusals: [ErrorReason, number][] = [];
  const untilNextAllowed = row!.last_sent ? perTerminal.minSecondsApart + secondsUntil(row!.last_sent) : 0;
  if (untilNextAllowed > 0) refusals.push(["codeSentRecently", untilNextAllowed]);
  windows.forEach(({ reason }, i) => {
    const full = row![`free_at_${i}`];
    if (full) refusals.push([reason, secondsUntil(full)]);
  });
  if (refusals.length === 0) return;
  // The longest wait: asking earlier would only be refused again.
  const [reason, wait] = refusals.reduce((longest, r) => (r[1] > longest[1] ? r : longest));
  throw rateLimited(reason, wait);
}

/**
 * The wrong codes that count toward a terminal's block: those of the codes sent for it in the day up
 * to its latest code, and after an admin last unblocked it. While a code is pending that is the last
 * 24 hours; a blocked terminal gets no new code, so its count stands until an admin unblocks it.
 * Correlated with the query's terminals row.
 */
function wrongCodesCounted(now: Date): SQL<number> {
  const at = sql`${now.toISOString()}::timestamptz`;
  // Spelled out: in a select from terminals alone, drizzle would leave "id" unqualified.
  const latestCode = sql`(select max(l.created_at) from activations l where l.terminal_id = "terminals"."id" and l.created_at <= ${at})`;
  return sql<number>`(select coalesce(sum(a.wrong_attempts), 0)::int from activations a
    where a.terminal_id = "terminals"."id" and a.created_at <= ${at}
      and a.created_at >= greatest(${latestCode} - interval '1 day', "terminals"."activation_unblocked_at"))`;
}

async function wrongCodesOf(tx: Db, terminalId: string, now: Date): Promise<number> {
  const [row] = await tx
    .select({ n: wrongCodesCounted(now) })
    .from(terminals)
    .where(eq(terminals.id, terminalId));
  return row!.n;
}

const isBlocked = (wrongCodes: number) => wrongCodes >= ACTIVATION_RULES.blockAfterWrongCodes;

/** Codes that may still be tried on an activation: its own five, within the terminal's ten a day. */
function attemptsLeft(activationWrongAttempts: number, terminalWrongCodes: number): number {
  return Math.max(0, Math.min(ACTIVATION_RULES.maxWrongCodes - activationWrongAttempts, ACTIVATION_RULES.blockAfterWrongCodes - terminalWrongCodes));
}

const activationBlocked = () => new AppError("invalid", "activationBlocked", {}, { details: { code: "activation_blocked" } });

interface RequestInput {
  serialNumber: string;
  phone: string;
  ip: string | null;
}

/**
 * POST /activation/request: checks the phone against the merchant's registered number and the
 * sending limits, replaces any earlier code and queues the SMS, all in one transaction. The
 * terminal's row lock and advisory locks on the phone and the address serialise concurrent
 * requests, so the limits hold across instances and parallel requests send one SMS.
 */
export async function requestActivation(db: Db, input: RequestInput, now: Date = new Date()) {
  const actor: AuditActor = { id: null, label: `terminal ${input.serialNumber}`, ip: input.ip };
  const serialNumber = input.serialNumber.toUpperCase();
  try {
    return await db.transaction(async (tx) => {
      // Locks in one order (phone, address, terminal) so concurrent requests cannot deadlock.
      // Two-part keys: a class per kind, so phone, address and other advisory locks never collide.
      await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(ADVISORY_CLASS.phone))}, hashtext(${input.phone}))`);
      if (input.ip) await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(ADVISORY_CLASS.ip))}, hashtext(${input.ip}))`);
      const [terminal] = await tx.select().from(terminals).where(eq(terminals.serialNumber, serialNumber)).for("update");
      if (!terminal) throw notFound("terminal");
      if (terminal.status === "active") throw new AppError("conflict", "terminalAlreadyActive");
      if (terminal.status !== "in_stock") throw new AppError("conflict", "terminalCannotActivate", { status: terminal.status });
      // No merchant means no registered phone: the contract's refusal, with its own reason so the
      // terminal and the console can say what to do (assign it first).
      if (!terminal.merchantId) throw new AppError("invalid", "terminalHasNoMerchant", {}, { details: { code: "phone_not_registered", reason: "terminal_has_no_merchant" } });
      const [merchant] = await tx.select().from(merchants).where(eq(merchants.id, terminal.merchantId));
      if (!merchant || merchant.status !== "active" || merchant.registeredPhone !== input.phone) {
        throw new AppError("invalid", "phoneNotRegistered", {}, { details: { code: "phone_not_registered" } });
      }
      // A new code must not buy more guesses: the terminal's count outlives its codes.
      if (isBlocked(await wrongCodesOf(tx, terminal.id, now))) throw activationBlocked();
      await checkSendingLimits(tx, terminal.id, input.phone, input.ip, now);

      await endPendingActivations(tx, terminal.id, "replaced", now);
      const id = randomUUID();
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      const expiresAt = new Date(now.getTime() + ACTIVATION_RULES.codeValidMinutes * 60_000);
      await tx.insert(activations).values({ id, terminalId: terminal.id, merchantId: merchant.id, phone: input.phone, codeHash: hashCode(id, code), requestIp: input.ip, createdAt: now, expiresAt });
      const provider = smsProviderFromEnv();
      await queueSms(
        tx,
        {
          to: input.phone,
          body: activationCodeSms(merchant.language, { serialNumber, code, validMinutes: ACTIVATION_RULES.codeValidMinutes }),
          template: "activation_code",
          params: { code },
        },
        { activationId: id, merchantId: merchant.id },
        provider.name,
        now,
      );
      await recordAudit(tx, actor, {
        action: "activation.requested",
        entityType: "terminal",
        entityId: terminal.id,
        merchantId: merchant.id,
        changes: { activationId: id, phone: input.phone },
      });
      await notifyTerminalsChanged(tx, [merchant.id]);
      return { activationId: id, expiresAt: expiresAt.toISOString(), resendAfterSeconds: ACTIVATION_RULES.perTerminal.minSecondsApart };
    });
  } catch (error) {
    if (error instanceof AppError) await auditRefusal(db, actor, "activation.request_refused", serialNumber, error, { phone: input.phone });
    throw error;
  }
}

/**
 * Ends a terminal's pending activation (a new request replaces it, an admin cancels it, the terminal
 * is retired or moved) together with its undelivered SMS: a stale code must not arrive later.
 */
export async function endPendingActivations(tx: Db, terminalId: string, status: "replaced" | "cancelled", now: Date = new Date()) {
  const ended = await tx
    .update(activations)
    .set({ status, finishedAt: now })
    .where(and(eq(activations.terminalId, terminalId), eq(activations.status, "pending")))
    .returning({ id: activations.id });
  if (ended.length === 0) return;
  await tx
    .update(smsOutbox)
    .set({ status: "failed", secret: null, lastError: `activation ${status}` })
    .where(
      and(
        inArray(
          smsOutbox.activationId,
          ended.map((a) => a.id),
        ),
        eq(smsOutbox.status, "queued"),
      ),
    );
}

/** A refused request is audited after its transaction rolled back, with the terminal when it exists. */
async function auditRefusal(db: Db, actor: AuditActor, action: AuditAction, serialNumber: string, error: AppError, changes: Record<string, unknown>) {
  const [terminal] = await db.select({ id: terminals.id, merchantId: terminals.merchantId }).from(terminals).where(eq(terminals.serialNumber, serialNumber));
  await recordAudit(db, actor, {
    action,
    entityType: "terminal",
    entityId: terminal?.id ?? serialNumber,
    merchantId: terminal?.merchantId ?? null,
    changes: { ...changes, reason: [error.details?.reason, error.details?.code].find((r) => typeof r === "string") ?? error.code },
  });
}

interface VerifyInput {
  serialNumber: string;
  code: string;
  ip: string | null;
}

const activationLocked = () => new AppError("invalid", "activationLocked", {}, { details: { code: "activation_locked" } });

type VerifyOutcome = { ok: true; deviceToken: string; terminal: { serialNumber: string; merchantId: string; storeId: string | null; status: "active" } } | { ok: false; error: AppError };

/**
 * POST /activation/verify. The pending activation's row lock serialises concurrent attempts: wrong
 * codes are counted one by one (the fifth locks it) and a right code activates exactly once.
 */
export async function verifyActivation(db: Db, input: VerifyInput, now: Date = new Date()) {
  const actor: AuditActor = { id: null, label: `terminal ${input.serialNumber}`, ip: input.ip };
  const serialNumber = input.serialNumber.toUpperCase();
  const outcome = await db.transaction(async (tx): Promise<VerifyOutcome> => {
    const [terminal] = await tx.select().from(terminals).where(eq(terminals.serialNumber, serialNumber)).for("update");
    if (!terminal) return { ok: false, error: notFound("terminal") };
    if (terminal.status === "active") return { ok: false, error: new AppError("conflict", "terminalAlreadyActive") };
    // The live activation, else the latest locked one: a replaced or cancelled code never counts.
    const [activation] = await tx
      .select()
      .from(activations)
      .where(and(eq(activations.terminalId, terminal.id), inArray(activations.status, ["pending", "locked"])))
      .orderBy(sql`${activations.status} = 'pending' desc`, desc(activations.createdAt))
      .limit(1)
      .for("update");
    const audit = (action: AuditAction, changes: Record<string, unknown> = {}) =>
      recordAudit(tx, actor, {
        action,
        entityType: "terminal",
        entityId: terminal.id,
        merchantId: terminal.merchantId,
        changes: { activationId: activation?.id, phone: activation?.phone, ...changes },
      });
    const wrongCodes = await wrongCodesOf(tx, terminal.id, now);
    if (isBlocked(wrongCodes)) {
      await audit("activation.verify_failed", { reason: "activation_blocked" });
      return { ok: false, error: activationBlocked() };
    }
    if (!activation) {
      await audit("activation.verify_failed", { reason: "no_pending_activation" });
      return { ok: false, error: new AppError("conflict", "noPendingCode") };
    }
    if (activation.status === "locked") {
      await audit("activation.verify_failed", { reason: "activation_locked" });
      return { ok: false, error: activationLocked() };
    }
    if (activation.expiresAt <= now) {
      await audit("activation.verify_failed", { reason: "code_expired" });
      return { ok: false, error: new AppError("invalid", "codeExpired", {}, { details: { code: "code_expired" } }) };
    }
    // The terminal must still be the merchant's and in stock: it may have been retired or moved since.
    const [merchant] = await tx.select({ status: merchants.status }).from(merchants).where(eq(merchants.id, activation.merchantId));
    if (terminal.status !== "in_stock" || terminal.merchantId !== activation.merchantId || merchant?.status !== "active") {
      await endPendingActivations(tx, terminal.id, "cancelled", now);
      await audit("activation.verify_failed", { reason: "terminal_changed" });
      return { ok: false, error: new AppError("conflict", "terminalChangedSinceCode") };
    }
    const expected = Buffer.from(activation.codeHash, "hex");
    const given = Buffer.from(hashCode(activation.id, input.code), "hex");
    if (!timingSafeEqual(expected, given)) {
      const wrongAttempts = activation.wrongAttempts + 1;
      // The pending code is the terminal's latest, so this wrong code is among those counted.
      const left = attemptsLeft(wrongAttempts, wrongCodes + 1);
      const blocked = isBlocked(wrongCodes + 1);
      await tx
        .update(activations)
        .set({ wrongAttempts, ...(left === 0 ? { status: "locked" as const, finishedAt: now } : {}) })
        .where(eq(activations.id, activation.id));
      await audit(blocked ? "activation.blocked" : left === 0 ? "activation.locked" : "activation.verify_failed", { reason: "invalid_code", wrongAttempts });
      if (blocked) return { ok: false, error: activationBlocked() };
      return left === 0 ? { ok: false, error: activationLocked() } : { ok: false, error: new AppError("invalid", "wrongCode", {}, { details: { code: "invalid_code", attemptsLeft: left } }) };
    }
    await tx.update(activations).set({ status: "verified", finishedAt: now }).where(eq(activations.id, activation.id));
    await tx.update(terminals).set({ status: "active", activatedAt: now, updatedAt: now }).where(eq(terminals.id, terminal.id));
    const deviceToken = await issueDeviceToken(tx, terminal.id);
    await audit("activation.verified");
    await notifyTerminalsChanged(tx, [terminal.merchantId]);
    return { ok: true, deviceToken, terminal: { serialNumber: terminal.serialNumber, merchantId: activation.merchantId, storeId: terminal.storeId, status: "active" } };
  });
  if (!outcome.ok) {
    // Not found has no terminal to record against; everything else was audited in the transaction.
    if (outcome.error.code === "not_found") await recordAudit(db, actor, { action: "activation.verify_failed", entityType: "terminal", entityId: serialNumber, changes: { reason: "not_found" } });
    throw outcome.error;
  }
  return { deviceToken: outcome.deviceToken, terminal: outcome.terminal, heartbeatIntervalSeconds: fleetConfig.heartbeatIntervalSeconds() };
}

/** Activations the viewer may see, newest first, with the phone masked and the attempts left. */
export async function listActivations(db: Db, scope: Scope, input: ActivationListInput, now: Date = new Date()) {
  const where = and(
    inScope(activations.merchantId, scope),
    input.status ? eq(activations.status, input.status) : undefined,
    input.q ? like(terminals.serialNumber, `${escapeLike(input.q.toUpperCase())}%`) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: activations.id,
        serialNumber: terminals.serialNumber,
        merchantName: merchants.name,
        phone: activations.phone,
        status: activations.status,
        wrongAttempts: activations.wrongAttempts,
        createdAt: activations.createdAt,
        expiresAt: activations.expiresAt,
        finishedAt: activations.finishedAt,
        terminalWrongCodes: wrongCodesCounted(now),
      })
      .from(activations)
      .innerJoin(terminals, eq(terminals.id, activations.terminalId))
      .innerJoin(merchants, eq(merchants.id, activations.merchantId))
      .where(where)
      .orderBy(desc(activations.createdAt))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(activations).innerJoin(terminals, eq(terminals.id, activations.terminalId)).where(where),
  ]);
  const items = rows.map(({ phone, terminalWrongCodes, ...row }) => ({
    ...row,
    phone: maskPhone(phone),
    expired: row.status === "pending" && row.expiresAt <= now,
    attemptsLeft: attemptsLeft(row.wrongAttempts, terminalWrongCodes),
  }));
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/**
 * Terminals that can be activated now: in stock and assigned to a merchant (whose registered phone
 * gets the code), the first few by serial number. Those in stock without a merchant are counted
 * apart: they need assigning first.
 */
export async function activatableTerminals(db: Db, scope: Scope, limit = 25) {
  const inStock = and(inScope(terminals.merchantId, scope), eq(terminals.status, "in_stock"));
  const [items, [counts]] = await Promise.all([
    db
      .select({ id: terminals.id, serialNumber: terminals.serialNumber })
      .from(terminals)
      .where(and(inStock, isNotNull(terminals.merchantId)))
      .orderBy(terminals.serialNumber)
      .limit(limit),
    db
      .select({ activatable: sql<number>`count(${terminals.merchantId})::int`, withoutMerchant: sql<number>`(count(*) - count(${terminals.merchantId}))::int` })
      .from(terminals)
      .where(inStock),
  ]);
  return { items, total: counts?.activatable ?? 0, withoutMerchant: counts?.withoutMerchant ?? 0 };
}

/**
 * Refused code requests, newest first, from the audit log: a wrong phone number, a terminal without
 * a merchant, limits. Several in a row may be someone guessing the merchant's number.
 */
export async function listRefusedRequests(db: Db, scope: Scope, limit = 20) {
  const rows = await db
    .select({ id: auditLog.id, at: auditLog.at, entityId: auditLog.entityId, changes: auditLog.changes, serialNumber: terminals.serialNumber })
    .from(auditLog)
    .leftJoin(terminals, sql`${auditLog.entityType} = 'terminal' and ${terminals.id}::text = ${auditLog.entityId}`)
    .where(and(eq(auditLog.action, "activation.request_refused"), inScope(auditLog.merchantId, scope)))
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    // An unknown serial is logged as given.
    serialNumber: row.serialNumber ?? row.entityId,
    known: row.serialNumber !== null,
    phone: typeof row.changes.phone === "string" ? maskPhone(row.changes.phone) : null,
    reason: typeof row.changes.reason === "string" ? row.changes.reason : null,
  }));
}

/** The SMS outbox for admins: delivery state per message, codes masked. */
export async function listSmsOutbox(db: Db, input: SmsOutboxListInput) {
  const where = input.status ? eq(smsOutbox.status, input.status) : undefined;
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: smsOutbox.id,
        to: smsOutbox.to,
        preview: smsOutbox.preview,
        provider: smsOutbox.provider,
        status: smsOutbox.status,
        attempts: smsOutbox.attempts,
        lastError: smsOutbox.lastError,
        createdAt: smsOutbox.createdAt,
        sentAt: smsOutbox.sentAt,
      })
      .from(smsOutbox)
      .where(where)
      .orderBy(desc(smsOutbox.createdAt))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(smsOutbox).where(where),
  ]);
  return { items: rows.map((row) => ({ ...row, to: maskPhone(row.to) })), total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** An admin ends a pending activation: its code stops working at once. */
export async function cancelActivation(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [activation] = await tx.select().from(activations).where(eq(activations.id, id)).for("update");
    if (!activation) throw notFound("activation");
    if (activation.status !== "pending") throw new AppError("conflict", "activationNotPending", { status: activation.status });
    await endPendingActivations(tx, activation.terminalId, "cancelled", now);
    await recordAudit(tx, actor, { action: "activation.cancelled", entityType: "terminal", entityId: activation.terminalId, merchantId: activation.merchantId, changes: { activationId: id } });
    return { id, status: "cancelled" as const };
  });
}

/** Terminals in stock that wrong codes have blocked from activation, within the caller's scope. */
export async function listBlockedTerminals(db: Db, scope: Scope, now: Date = new Date()) {
  const wrongCodes = wrongCodesCounted(now);
  return (
    db
      .select({ serialNumber: terminals.serialNumber, merchantName: merchants.name, wrongCodes })
      .from(terminals)
      .leftJoin(merchants, eq(merchants.id, terminals.merchantId))
      .where(and(inScope(terminals.merchantId, scope), eq(terminals.status, "in_stock"), sql`${wrongCodes} >= ${ACTIVATION_RULES.blockAfterWrongCodes}`))
      .orderBy(terminals.serialNumber)
      // Blocks are rare and each needs a decision: the first hundred are plenty to act on.
      .limit(100)
  );
}

/** An admin lifts a terminal's activation block: its wrong codes so far no longer count. */
export async function unblockActivation(db: Db, actor: AuditActor, serialNumber: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [terminal] = await tx.select().from(terminals).where(eq(terminals.serialNumber, serialNumber.toUpperCase())).for("update");
    if (!terminal) throw notFound("terminal");
    const wrongCodes = await wrongCodesOf(tx, terminal.id, now);
    if (!isBlocked(wrongCodes)) throw new AppError("conflict", "terminalNotBlocked");
    await tx.update(terminals).set({ activationUnblockedAt: now, updatedAt: now }).where(eq(terminals.id, terminal.id));
    await recordAudit(tx, actor, { action: "activation.unblocked", entityType: "terminal", entityId: terminal.id, merchantId: terminal.merchantId, changes: { wrongCodes } });
    await notifyTerminalsChanged(tx, [terminal.merchantId]);
    return { serialNumber: terminal.serialNumber, wrongCodes };
  });
}
