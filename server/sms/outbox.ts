import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { activations, smsOutbox } from "@/db/schema";
import { claimDueMessages } from "../outbox";
import { seal, unseal } from "../sealing";
import { recordAudit, systemActor } from "../services/audit";
import { smsProviderFromEnv, type SmsMessage, type SmsProvider } from "./providers";

/**
 * Delays before the 2nd, 3rd, … attempt; after the last, the message has failed. All five attempts
 * fit in a code's 10 minutes: a code that arrives later is of no use.
 */
export const RETRY_DELAYS_SECONDS = [5, 30, 120, 300];
const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** A claimed message is left alone by other instances for this long. */
const CLAIM_SECONDS = 120;

// The code waits for delivery sealed (server/sealing.ts).
const SEALED_AS = "sms-outbox";

export const maskCode = (text: string) => text.replace(/\b\d{6}\b/g, "••••••");

/** Queues a message inside the caller's transaction: it exists exactly when the activation (or notice) does. */
export async function queueSms(tx: Db, message: SmsMessage, refs: { activationId?: string; noticeId?: string; merchantId: string | null }, provider: string, now: Date) {
  const [row] = await tx
    .insert(smsOutbox)
    .values({ ...refs, to: message.to, template: message.template, preview: maskCode(message.body), secret: seal(SEALED_AS, JSON.stringify(message)), provider, createdAt: now, nextAttemptAt: now })
    .returning({ id: smsOutbox.id });
  return row!.id;
}

/** Only while the message is still this attempt's: a claim that outlived its lease was taken over. */
const ownClaim = (sms: ClaimedSms) => and(eq(smsOutbox.id, sms.id), eq(smsOutbox.status, "queued"), eq(smsOutbox.attempts, sms.attempts));

type ClaimedSms = { id: string; activation_id: string | null; notice_id: string | null; merchant_id: string | null; to: string; secret: string | null; attempts: number };

/**
 * Sends the queued messages that are due. Each is claimed with FOR UPDATE SKIP LOCKED, so several
 * instances never send one twice. A failure is retried with back-off; the last failure marks the
 * message failed and ends its activation, which a new request then replaces.
 */
export async function deliverDueSms(db: Db, now: Date = new Date(), provider: SmsProvider = smsProviderFromEnv()): Promise<{ sent: number; failed: number }> {
  // A code whose activation was replaced, cancelled or has expired is never sent late.
  await db.execute(sql`update sms_outbox o set status = 'failed', secret = null, last_error = 'activation no longer pending'
    from activations a where o.activation_id = a.id and o.status = 'queued'
      and (a.status <> 'pending' or a.expires_at <= ${now.toISOString()}::timestamptz)`);
  await cancelStaleNoticeSms(db, now);
  const total = { sent: 0, failed: 0 };
  // Each claim's clock moves on by the time that really passed, so a later claim gets a whole lease.
  const started = performance.now();
  // Claims a few at a time until nothing due is left, so a backlog never starves new messages.
  for (;;) {
    const { claimed, sent, failed } = await deliverClaim(db, new Date(now.getTime() + performance.now() - started), provider);
    total.sent += sent;
    total.failed += failed;
    if (claimed < CLAIM_BATCH) return total;
  }
}

/** A notice's queued SMS are never sent once it is withdrawn or has expired. */
export async function cancelStaleNoticeSms(db: Db, now: Date): Promise<void> {
  await db.execute(sql`update sms_outbox o set status = 'failed', secret = null, last_error = 'notice withdrawn or expired'
    from notices n where o.notice_id = n.id and o.status = 'queued'
      and (n.status <> 'published' or n.expires_at <= ${now.toISOString()}::timestamptz)`);
}

// With 10 s per send at worst, a claim is done well within its lease.
const CLAIM_BATCH = 5;

async function deliverClaim(db: Db, now: Date, provider: SmsProvider) {
  const claimed = await claimDueMessages<ClaimedSms>(db, "sms_outbox", sql`id, activation_id, notice_id, merchant_id, "to", secret, attempts`, now, {
    leaseSeconds: CLAIM_SECONDS,
    limit: CLAIM_BATCH,
  });
  let sent = 0;
  let failed = 0;
  for (const sms of claimed) {
    const audit = {
      entityType: "sms" as const,
      entityId: sms.id,
      merchantId: sms.merchant_id,
      changes: { activationId: sms.activation_id, noticeId: sms.notice_id, to: sms.to, provider: provider.name, attempt: sms.attempts },
    };
    try {
      const { messageId } = await provider.send(JSON.parse(unseal(SEALED_AS, sms.secret!)) as SmsMessage);
      await db.transaction(async (tx) => {
        await tx.update(smsOutbox).set({ status: "sent", sentAt: new Date(), secret: null, providerMessageId: messageId, lastError: null }).where(ownClaim(sms));
        await recordAudit(tx, systemActor, { action: "sms.sent", ...audit });
      });
      sent++;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const final = sms.attempts >= MAX_ATTEMPTS || sms.secret === null;
      await db.transaction(async (tx) => {
        if (final) {
          const [own] = await tx.update(smsOutbox).set({ status: "failed", secret: null, lastError: reason }).where(ownClaim(sms)).returning({ id: smsOutbox.id });
          if (own && sms.activation_id) {
            await tx
              .update(activations)
              .set({ status: "failed", finishedAt: new Date() })
              .where(and(eq(activations.id, sms.activation_id), eq(activations.status, "pending")));
          }
        } else {
          const retryAt = new Date(now.getTime() + RETRY_DELAYS_SECONDS[sms.attempts - 1]! * 1000);
          await tx.update(smsOutbox).set({ nextAttemptAt: retryAt, lastError: reason }).where(ownClaim(sms));
        }
        await recordAudit(tx, systemActor, { action: final ? "sms.failed" : "sms.retry_scheduled", ...audit, changes: { ...audit.changes, error: reason } });
      });
      if (final) failed++;
    }
  }
  return { claimed: claimed.length, sent, failed };
}
