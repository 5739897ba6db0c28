import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { deviceTokens, terminals } from "@/db/schema";
import { Batcher, DEVICE_REQUEST_BATCHING, perDatabase } from "../batcher";
import { fleetConfig } from "../config";
import { AppError, notFound } from "../errors";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { recordAudit, type AuditActor } from "./audit";
import { literalList } from "./sql-text";

/** Only the hash is stored: a leaked database does not leak working tokens. */
export function hashDeviceToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates a terminal's device token and revokes every earlier one, inside the caller's
 * transaction. Activation calls this; so does an admin re-provisioning an active terminal.
 */
export async function issueDeviceToken(tx: Db, terminalId: string): Promise<string> {
  const token = `pfd_${randomBytes(32).toString("base64url")}`;
  await tx
    .update(deviceTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(deviceTokens.terminalId, terminalId), isNull(deviceTokens.revokedAt)));
  await tx.insert(deviceTokens).values({ terminalId, tokenHash: hashDeviceToken(token) });
  return token;
}

/** An admin issues a new token for an active terminal (a reset device, a lost token). */
export async function reissueDeviceToken(db: Db, actor: AuditActor, terminalId: string) {
  return db.transaction(async (tx) => {
    const [terminal] = await tx.select().from(terminals).where(eq(terminals.id, terminalId)).for("update");
    if (!terminal) throw notFound("terminal");
    if (!statusesWithDeviceAccess.includes(terminal.status)) {
      throw new AppError("conflict", "tokenByActivationOnly", { status: terminal.status });
    }
    const token = await issueDeviceToken(tx, terminalId);
    await recordAudit(tx, actor, { action: "terminal.token_issued", entityType: "terminal", entityId: terminalId, merchantId: terminal.merchantId });
    return { serialNumber: terminal.serialNumber, deviceToken: token };
  });
}

/** Suspending or retiring a terminal ends its API access at once. */
export async function revokeDeviceTokens(tx: Db, terminalId: string): Promise<void> {
  await tx
    .update(deviceTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(deviceTokens.terminalId, terminalId), isNull(deviceTokens.revokedAt)));
}

export interface AuthenticatedDevice {
  terminalId: string;
  serialNumber: string;
  merchantId: string | null;
}

export type DeviceAuthResult = { ok: true; device: AuthenticatedDevice } | { ok: false; reason: "unauthorized" } | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/** A token check's answer for one request, as the statement gives it (see tokenCheckSql). */
export interface TokenCheckRow {
  seq: number;
  outcome: "ok" | "unauthorized" | "rate_limited";
  terminal_id: string | null;
  serial_number: string | null;
  merchant_id: string | null;
  window_start: Date | string | null;
}

/**
 * The token check of a batch of requests (`hashes`, one per request, in order) as common table
 * expressions: `tokens_counted` counts each token's requests in its current one-minute window, and
 * `token_checks` gives each request (by `seq`, its index in `hashes`) its terminal and its outcome:
 * unauthorized (unknown or revoked token, or a terminal without API access), rate_limited (past the
 * limit in this window, counting the batch's earlier requests for the token) or ok. A statement of
 * its own (authenticateBatch), or the start of the heartbeat's check-in statement, which then
 * records only the requests that passed.
 */
export function tokenCheckSql(hashes: string[], now: Date): SQL {
  const counts = new Map<string, number>();
  const requests = hashes.map((hash, seq) => {
    const k = (counts.get(hash) ?? 0) + 1;
    counts.set(hash, k);
    return { seq, hash, k };
  });
  const windowStart = new Date(now.getTime() - 60_000).toISOString();
  return sql`tokens_counted as (
      update device_tokens dt set
        window_count = case when dt.window_start <= ${windowStart}::timestamptz then i.n else dt.window_count + i.n end,
        window_start = case when dt.window_start <= ${windowStart}::timestamptz then ${now.toISOString()}::timestamptz else dt.window_start end
      -- The limit tells the planner the real row count (it assumes 100), so it looks tokens up by index.
      from (select * from jsonb_to_recordset(${JSON.stringify([...counts].map(([hash, n]) => ({ hash, n })))}::jsonb) as r(hash text, n int) limit ${counts.size}) i,
        terminals t
      where dt.token_hash = i.hash and dt.revoked_at is null and t.id = dt.terminal_id
      returning dt.token_hash, dt.terminal_id, t.serial_number, t.merchant_id, t.status, dt.window_count, dt.window_start, i.n
    ), token_checks as (
      -- The k-th of n requests for one token in this batch is request (count - n + k) of its window.
      select q.seq, c.terminal_id, c.serial_number, c.merchant_id, c.window_start,
        case when c.terminal_id is null or c.status not in ${literalList(statusesWithDeviceAccess)} then 'unauthorized'
          when c.window_count - c.n + q.k > ${fleetConfig.deviceRequestsPerMinute()} then 'rate_limited' else 'ok' end as outcome
      from jsonb_to_recordset(${JSON.stringify(requests)}::jsonb) as q(seq int, hash text, k int)
      left join tokens_counted c on c.token_hash = q.hash
    )`;
}

/** A request's result from its token check's row. */
export function deviceAuthResult(row: TokenCheckRow, now: Date): DeviceAuthResult {
  if (row.outcome === "ok") return { ok: true, device: { terminalId: row.terminal_id!, serialNumber: row.serial_number!, merchantId: row.merchant_id } };
  if (row.outcome === "unauthorized") return { ok: false, reason: "unauthorized" };
  const resetAt = new Date(row.window_start!).getTime() + 60_000;
  return { ok: false, reason: "rate_limited", retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)) };
}

/** Checks a batch of bearer tokens in one statement (see tokenCheckSql). */
async function authenticateBatch(db: Db, hashes: string[], now: Date): Promise<DeviceAuthResult[]> {
  const rows = await queryRows<TokenCheckRow>(db, sql`with ${tokenCheckSql(hashes, now)} select * from token_checks order by seq`);
  return rows.map((row) => deviceAuthResult(row, now));
}

const authBatcher = perDatabase((db: Db) => new Batcher((hashes: string[]) => authenticateBatch(db, hashes, new Date()), { ...DEVICE_REQUEST_BATCHING, name: "token-checks" }));

/** Authenticates one request's token; concurrent requests share a statement. */
export function authenticateDevice(db: Db, token: string): Promise<DeviceAuthResult> {
  return authBatcher(db).add(hashDeviceToken(token));
}
