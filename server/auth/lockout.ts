import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { signInFailures, users } from "@/db/schema";
import { recordAudit, systemActor } from "../services/audit";

/** PCI DSS v4 8.3.4: at most 10 failed sign-ins in a row, then locked for at least 30 minutes. */
export const LOCKOUT_THRESHOLD = 10;
export const LOCKOUT_MINUTES = 30;

const normalize = (email: string) => email.trim().toLowerCase();

/** When the address is locked out, the moment it opens again; else null. */
export async function signInLockedUntil(db: Db, email: string, now = new Date()): Promise<Date | null> {
  const [row] = await db
    .select({ lockedUntil: signInFailures.lockedUntil })
    .from(signInFailures)
    .where(eq(signInFailures.email, normalize(email)));
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

/**
 * Counts a wrong password for the address, whether or not an account has it (so a lock never tells
 * whether the account exists); the tenth in a row locks it and is audited for the account.
 */
export async function recordFailedSignIn(db: Db, email: string, ip: string | null, now = new Date()): Promise<void> {
  const address = normalize(email);
  await db.transaction(async (tx) => {
    // Counting restarts after a lock has run out.
    const [row] = await tx
      .insert(signInFailures)
      .values({ email: address, failures: 1, lastFailedAt: now })
      .onConflictDoUpdate({
        target: signInFailures.email,
        set: {
          failures: sql`case when ${signInFailures.lockedUntil} is not null then 1 else ${signInFailures.failures} + 1 end`,
          lockedUntil: sql`null`,
          lastFailedAt: now,
        },
      })
      .returning({ failures: signInFailures.failures });
    if (row!.failures < LOCKOUT_THRESHOLD) return;
    const lockedUntil = new Date(now.getTime() + LOCKOUT_MINUTES * 60_000);
    await tx.update(signInFailures).set({ lockedUntil }).where(eq(signInFailures.email, address));
    const [user] = await tx.select({ id: users.id, merchantId: users.merchantId }).from(users).where(eq(users.email, address));
    if (user) {
      await recordAudit(
        tx,
        { ...systemActor, ip },
        { action: "user.sign_in_locked", entityType: "user", entityId: user.id, merchantId: user.merchantId, changes: { failures: LOCKOUT_THRESHOLD, lockedUntil: lockedUntil.toISOString() } },
      );
    }
  });
}

/** Ends the run of failures (a successful sign-in, or an admin's unlock); says whether it was locked. */
export async function clearFailedSignIns(db: Db, email: string, now = new Date()): Promise<{ wasLocked: boolean }> {
  const [removed] = await db
    .delete(signInFailures)
    .where(eq(signInFailures.email, normalize(email)))
    .returning({ lockedUntil: signInFailures.lockedUntil });
  return { wasLocked: Boolean(removed?.lockedUntil && removed.lockedUntil > now) };
}

/** Forgets runs of failures that stopped a day ago and hold no lock, so the table stays small. */
export async function pruneSignInFailures(db: Db, now: Date = new Date()): Promise<{ deleted: number }> {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const gone = await db
    .delete(signInFailures)
    .where(and(lt(signInFailures.lastFailedAt, dayAgo), or(isNull(signInFailures.lockedUntil), lt(signInFailures.lockedUntil, now))))
    .returning({ email: signInFailures.email });
  return { deleted: gone.length };
}
