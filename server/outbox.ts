import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";

/** The outboxes: each row is one message, `queued` until sent or given up, due at `next_attempt_at`. */
export type OutboxTable = "sms_outbox" | "email_outbox" | "webhook_deliveries";

/**
 * Claims up to `limit` due messages of an outbox for one attempt each. FOR UPDATE SKIP LOCKED lets
 * several instances claim side by side without taking the same row; the claim counts the attempt
 * and moves the message's due time past a lease, so a message whose instance died mid-send is
 * claimed again once the lease is over, and never while it lives. A delivery records its outcome
 * only while `attempts` is still the claim's (a late sender whose message was taken over changes nothing).
 */
export function claimDueMessages<Row>(db: Db, table: OutboxTable, returning: SQL, now: Date, opts: { leaseSeconds: number; limit: number }): Promise<Row[]> {
  const at = now.toISOString();
  return queryRows<Row>(
    db,
    sql`update ${sql.identifier(table)} set attempts = attempts + 1, next_attempt_at = ${at}::timestamptz + make_interval(secs => ${opts.leaseSeconds})
      where id in (select id from ${sql.identifier(table)} where status = 'queued' and next_attempt_at <= ${at}::timestamptz
        order by next_attempt_at limit ${opts.limit} for update skip locked)
      returning ${returning}`,
  );
}
