import { and, count, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { emailOutbox, type EmailKind } from "@/db/schema";
import { setting } from "../env";
import { claimDueMessages } from "../outbox";
import { maskLinks } from "./links";
import { seal, unseal } from "../sealing";
import type { EmailOutboxListInput } from "../schemas/account-links";
import { recordAudit, systemActor } from "../services/audit";
import { emailTransportFromEnv, type EmailTransport } from "./transport";

/** One e-mail as the transports receive it: both parts, in the recipient's language. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

// The message waits for delivery sealed (server/sealing.ts): it may hold a single-use link.
export const EMAIL_SEALED_AS = "email-outbox";

/** Queues an e-mail inside the caller's transaction: it exists exactly when what it announces does. */
export async function queueEmail(tx: Db, message: EmailMessage, meta: { kind: EmailKind; userId?: string | null }, now: Date): Promise<string> {
  const [row] = await tx
    .insert(emailOutbox)
    .values({
      kind: meta.kind,
      to: message.to,
      userId: meta.userId ?? null,
      subject: message.subject,
      preview: maskLinks(message.text).slice(0, 2000),
      secret: seal(EMAIL_SEALED_AS, JSON.stringify(message)),
      provider: setting("EMAIL_PROVIDER"),
      createdAt: now,
      nextAttemptAt: now,
    })
    .returning({ id: emailOutbox.id });
  return row!.id;
}

/** Delays before the 2nd, 3rd, … attempt; after the last, the message has failed. About 40 minutes in all. */
export const EMAIL_RETRY_DELAYS_SECONDS = [30, 120, 600, 1800];
const MAX_ATTEMPTS = EMAIL_RETRY_DELAYS_SECONDS.length + 1;
/** A claimed message is left alone by other instances for this long. */
export const EMAIL_CLAIM_SECONDS = 120;
// With the transport's 30-second socket timeout at worst per message, a claim is done within its lease.
const CLAIM_BATCH = 3;

type ClaimedEmail = { id: string; kind: EmailKind; to: string; secret: string | null; attempts: number };

/** Only while the message is still this attempt's: a claim that outlived its lease was taken over. */
const ownClaim = (email: ClaimedEmail) => and(eq(emailOutbox.id, email.id), eq(emailOutbox.status, "queued"), eq(emailOutbox.attempts, email.attempts));

/**
 * Sends the queued e-mails that are due. Each is claimed with FOR UPDATE SKIP LOCKED, so several
 * instances never send one twice; one whose instance died mid-send goes out again after its lease.
 * A failure is retried with back-off, and the last one marks the message failed. The sealed message
 * is wiped either way, so a link it held lives in the database only until delivered.
 */
export async function deliverDueEmails(db: Db, now: Date = new Date(), transport: EmailTransport = emailTransportFromEnv()): Promise<{ sent: number; failed: number }> {
  const total = { sent: 0, failed: 0 };
  // Each claim's clock moves on from the run's by the time that really passed, so a later claim in a
  // long backlog gets a whole lease (and an injected clock stays consistent).
  const started = performance.now();
  const current = () => new Date(now.getTime() + performance.now() - started);
  // Claims a few at a time until nothing due is left, so a backlog never holds one claim past its lease.
  for (;;) {
    const claimedAt = current();
    const claimed = await claimDueMessages<ClaimedEmail>(db, "email_outbox", sql`id, kind, "to", secret, attempts`, claimedAt, { leaseSeconds: EMAIL_CLAIM_SECONDS, limit: CLAIM_BATCH });
    for (const email of claimed) {
      const outcome = await deliverOne(db, claimedAt, transport, email);
      if (outcome !== "retry") total[outcome]++;
    }
    if (claimed.length < CLAIM_BATCH) return total;
  }
}

async function deliverOne(db: Db, now: Date, transport: EmailTransport, email: ClaimedEmail): Promise<"sent" | "failed" | "retry"> {
  const audit = { entityType: "email" as const, entityId: email.id, changes: { kind: email.kind, to: email.to, provider: transport.name, attempt: email.attempts } };
  try {
    // A message without its sealed copy was wiped by an earlier run that then lost its claim: nothing left to send.
    if (email.secret === null) throw new Error("the message is gone");
    const { messageId } = await transport.send(JSON.parse(unseal(EMAIL_SEALED_AS, email.secret)) as EmailMessage);
    await db.transaction(async (tx) => {
      const [own] = await tx
        .update(emailOutbox)
        .set({ status: "sent", sentAt: new Date(), secret: null, providerMessageId: messageId, lastError: null })
        .where(ownClaim(email))
        .returning({ id: emailOutbox.id });
      if (own) await recordAudit(tx, systemActor, { action: "email.sent", ...audit });
    });
    return "sent";
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    const final = email.attempts >= MAX_ATTEMPTS || email.secret === null;
    const recorded = await db.transaction(async (tx) => {
      const patch = final
        ? { status: "failed" as const, secret: null, lastError: reason }
        : { nextAttemptAt: new Date(now.getTime() + EMAIL_RETRY_DELAYS_SECONDS[email.attempts - 1]! * 1000), lastError: reason };
      const [own] = await tx.update(emailOutbox).set(patch).where(ownClaim(email)).returning({ id: emailOutbox.id });
      if (own) await recordAudit(tx, systemActor, { action: final ? "email.failed" : "email.retry_scheduled", ...audit, changes: { ...audit.changes, error: reason } });
      return Boolean(own);
    });
    return final && recorded ? "failed" : "retry";
  }
}

/** The outbox as admins read it, newest first: links stay masked, the sealed message is never shown. */
export async function listEmailOutbox(db: Db, input: EmailOutboxListInput) {
  const where = input.status ? eq(emailOutbox.status, input.status) : undefined;
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: emailOutbox.id,
        kind: emailOutbox.kind,
        to: emailOutbox.to,
        subject: emailOutbox.subject,
        preview: emailOutbox.preview,
        provider: emailOutbox.provider,
        status: emailOutbox.status,
        attempts: emailOutbox.attempts,
        lastError: emailOutbox.lastError,
        createdAt: emailOutbox.createdAt,
        sentAt: emailOutbox.sentAt,
      })
      .from(emailOutbox)
      .where(where)
      .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(emailOutbox).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}
