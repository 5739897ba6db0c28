import { and, desc, eq, gt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { sessions } from "@/db/schema";
import { oldestLiveSignIn } from "../env";
import { notFound } from "../errors";
import { recordAudit, type AuditActor } from "./audit";
import { describeUserAgent } from "./user-agent";

type SessionOwner = { id: string; merchantId: string | null; sessionId: string | null };

/**
 * The signed-in user's own live sessions, most recently used first. A user has a handful (they end
 * after AUTH_IDLE_TIMEOUT_MINUTES idle and AUTH_SESSION_MAX_HOURS at most), so the list is capped, not paged.
 */
export async function listOwnSessions(db: Db, owner: SessionOwner, now = new Date()) {
  const rows = await db
    .select({ id: sessions.id, userAgent: sessions.userAgent, ipAddress: sessions.ipAddress, createdAt: sessions.createdAt, updatedAt: sessions.updatedAt })
    .from(sessions)
    .where(and(eq(sessions.userId, owner.id), gt(sessions.expiresAt, now), gt(sessions.createdAt, oldestLiveSignIn(now))))
    .orderBy(desc(sessions.updatedAt))
    .limit(50);
  return rows.map(({ userAgent, ...row }) => ({ ...row, ...describeUserAgent(userAgent), current: row.id === owner.sessionId }));
}

/** Signs the user out on one of their devices; someone else's session answers as not found. */
export async function endOwnSession(db: Db, actor: AuditActor, owner: SessionOwner, sessionId: string) {
  return db.transaction(async (tx) => {
    const [ended] = await tx
      .delete(sessions)
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, owner.id)))
      .returning({ id: sessions.id });
    if (!ended) throw notFound("session");
    await recordAudit(tx, actor, { action: "user.session_ended", entityType: "user", entityId: owner.id, merchantId: owner.merchantId, changes: { session: sessionId } });
    return { ok: true as const };
  });
}
