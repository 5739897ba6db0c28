import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { deviceTokens, terminals, type TerminalStatus } from "@/db/schema";
import { Batcher, DEVICE_REQUEST_BATCHING, perDatabase } from "../batcher";
import { fleetConfig } from "../config";
import { AppError, notFound } from "../errors";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { recordAudit, type AuditActor } from "./audit";

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

/**
 * Checks a batch of bearer tokens in one statement, which also counts each token's requests in
 * its current one-minute window.
 */
async function authenticateBatch(db: Db, hashes: string[], now: Date): Promise<DeviceAuthResult[]> {
  const counts = new Map<string, number>();
  for (const hash of hashes) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  const unique = [...counts.keys()];
  const windowStart = new Date(now.getTime() - 60_000);
  const rows = await queryRows<{
    token_hash: string;
    terminal_id: string;
    serial_number: string;
    merchant_id: string | null;
    status: TerminalStatus;
    window_count: number;
    window_start: Date | string;
  }>(
    db,
    sql`
    update device_tokens dt set
      window_count = case when dt.window_start <= ${windowStart.toISOString()}::timestamptz then i.n else dt.window_count + i.n end,
      window_start = case when dt.window_start <= ${windowStart.toISOString()}::timestamptz then ${now.toISOString()}::timestamptz else dt.window_start end
    -- The limit tells the planner the real row count (it assumes 100), so it looks tokens up by index.
    from (select * from jsonb_to_recordset(${JSON.stringify(unique.map((hash) => ({ hash, n: counts.get(hash) })))}::jsonb) as r(hash text, n int) limit ${unique.length}) i,
      terminals t
    where dt.token_hash = i.hash and dt.revoked_at is null and t.id = dt.terminal_id
    returning dt.token_hash, dt.terminal_id, t.serial_number, t.merchant_id, t.status, dt.window_count, dt.window_start`,
  );
  const byHash = new Map(rows.map((r) => [r.token_hash, r]));
  const limit = fleetConfig.deviceRequestsPerMinute();
  const seen = new Map<string, number>();
  return hashes.map((hash) => {
    const row = byHash.get(hash);
    if (!row || !statusesWithDeviceAccess.includes(row.status)) return { ok: false, reason: "unauthorized" };
    // The k-th of n requests for one token in this batch is request (count - n + k) of its window.
    const k = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, k);
    const position = row.window_count - counts.get(hash)! + k;
    if (position > limit) {
      const resetAt = new Date(row.window_start).getTime() + 60_000;
      return { ok: false, reason: "rate_limited", retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)) };
    }
    return { ok: true, device: { terminalId: row.terminal_id, serialNumber: row.serial_number, merchantId: row.merchant_id } };
  });
}

const authBatcher = perDatabase((db: Db) => new Batcher((hashes: string[]) => authenticateBatch(db, hashes, new Date()), { ...DEVICE_REQUEST_BATCHING, name: "token-checks" }));

/** Authenticates one request's token; concurrent requests share a statement. */
export function authenticateDevice(db: Db, token: string): Promise<DeviceAuthResult> {
  return authBatcher(db).add(hashDeviceToken(token));
}
