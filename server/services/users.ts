import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { and, asc, count, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountLinks, accounts, merchants, sessions, signInFailures, technicianAssignments, users, type UserRole } from "@/db/schema";
import { clearFailedSignIns } from "../auth/lockout";
import { assertAcceptablePassword } from "../auth/password-policy";
import { AppError, notFound, sqlState } from "../errors";
import { changedFields, recordAudit, type AuditActor } from "./audit";
import { containsText } from "./sql-text";

const publicColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  merchantId: users.merchantId,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

export async function listUsers(db: Db, f: { q?: string; role?: UserRole; page: number; pageSize: number }) {
  const where = and(f.q ? or(containsText(users.name, f.q), containsText(users.email, f.q)) : undefined, f.role ? eq(users.role, f.role) : undefined);
  const items = await db
    .select({
      ...publicColumns,
      merchantName: merchants.name,
      // Invited by e-mail and no password set yet.
      invitationPending: sql<boolean>`not exists (select 1 from accounts a where a.user_id = ${users.id} and a.provider_id = 'credential')`,
      signInLockedUntil: sql<Date | null>`case when ${signInFailures.lockedUntil} > now() then ${signInFailures.lockedUntil} end`.mapWith(signInFailures.lockedUntil),
    })
    .from(users)
    .leftJoin(merchants, eq(merchants.id, users.merchantId))
    .leftJoin(signInFailures, eq(signInFailures.email, users.email))
    .where(where)
    .orderBy(asc(users.email))
    .limit(f.pageSize)
    .offset((f.page - 1) * f.pageSize);
  const technicianIds = items.filter((u) => u.role === "technician").map((u) => u.id);
  const assignments = technicianIds.length
    ? await db
        .select({ technicianId: technicianAssignments.technicianId, merchantId: merchants.id, merchantName: merchants.name })
        .from(technicianAssignments)
        .innerJoin(merchants, eq(merchants.id, technicianAssignments.merchantId))
        .where(inArray(technicianAssignments.technicianId, technicianIds))
        .orderBy(merchants.name)
    : [];
  const [total] = await db.select({ n: count() }).from(users).where(where);
  return {
    items: items.map((u) => ({ ...u, assignedMerchants: assignments.filter((a) => a.technicianId === u.id).map(({ merchantId, merchantName }) => ({ id: merchantId, name: merchantName })) })),
    total: total?.n ?? 0,
    page: f.page,
    pageSize: f.pageSize,
  };
}

async function checkMerchant(db: Db, merchantId: string | null | undefined) {
  if (!merchantId) return;
  const [merchant] = await db.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, merchantId));
  if (!merchant) throw new AppError("invalid", "merchantGone", {}, { field: "merchantId" });
}

export async function createUser(db: Db, actor: AuditActor, input: { name: string; email: string; password: string; role: UserRole; merchantId: string | null }) {
  assertAcceptablePassword(input.password, input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      await checkMerchant(tx, input.merchantId);
      const id = randomUUID();
      const [user] = await tx.insert(users).values({ id, name: input.name, email: input.email, role: input.role, merchantId: input.merchantId, emailVerified: true }).returning(publicColumns);
      await tx.insert(accounts).values({ id: randomUUID(), accountId: id, providerId: "credential", userId: id, password: passwordHash });
      await recordAudit(tx, actor, {
        action: "user.created",
        entityType: "user",
        entityId: id,
        merchantId: input.merchantId,
        changes: { email: input.email, name: input.name, role: input.role, merchantId: input.merchantId },
      });
      return user!;
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw new AppError("conflict", "userEmailTaken", { email: input.email }, { field: "email" });
    throw error;
  }
}

export async function updateUser(db: Db, actor: AuditActor, input: { id: string; name?: string; role?: UserRole; merchantId?: string | null; disabled?: boolean }) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select(publicColumns).from(users).where(eq(users.id, input.id)).for("update");
    if (!before) throw notFound("user");
    if (input.id === actor.id && (input.disabled || (input.role && input.role !== "admin"))) {
      throw new AppError("conflict", "cannotLockOutYourself");
    }
    const role = input.role ?? before.role;
    const merchantId = role === "merchant" ? (input.merchantId === undefined ? before.merchantId : input.merchantId) : null;
    if (role === "merchant" && !merchantId) throw new AppError("invalid", "merchantUserNeedsMerchant", {}, { field: "merchantId" });
    await checkMerchant(tx, merchantId);
    const patch = { name: input.name, role, merchantId, disabled: input.disabled };
    const changes = changedFields(before, patch);
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(users)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(users.id, input.id))
      .returning(publicColumns);
    // A changed role or a disabled account must not keep its old sessions or assignments.
    if (changes.role || input.disabled) await tx.delete(sessions).where(eq(sessions.userId, input.id));
    if (changes.role && role !== "technician") await tx.delete(technicianAssignments).where(eq(technicianAssignments.technicianId, input.id));
    await recordAudit(tx, actor, { action: "user.updated", entityType: "user", entityId: input.id, merchantId: after!.merchantId, changes });
    return after!;
  });
}

export async function setUserPassword(db: Db, actor: AuditActor, input: { id: string; password: string }) {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, input.id));
  if (!user) throw notFound("user");
  assertAcceptablePassword(input.password, user.email);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(accounts)
      .set({ password: passwordHash, updatedAt: new Date() })
      .where(and(eq(accounts.userId, input.id), eq(accounts.providerId, "credential")))
      .returning({ id: accounts.id });
    // Invited and not accepted yet: the admin's password is the first, and the invitation link dies with it.
    if (updated.length === 0) {
      await tx.insert(accounts).values({ id: randomUUID(), accountId: input.id, providerId: "credential", userId: input.id, password: passwordHash });
      await tx
        .update(accountLinks)
        .set({ usedAt: new Date() })
        .where(and(eq(accountLinks.userId, input.id), eq(accountLinks.kind, "invitation"), isNull(accountLinks.usedAt)));
    }
    await tx.delete(sessions).where(eq(sessions.userId, input.id));
    await recordAudit(tx, actor, { action: "user.password_set", entityType: "user", entityId: input.id });
    return { ok: true as const };
  });
}

/** An admin lifts a lockout before it runs out (PCI DSS 8.3.4); audited either way. */
export async function unlockUserSignIn(db: Db, actor: AuditActor, id: string) {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ email: users.email, merchantId: users.merchantId }).from(users).where(eq(users.id, id));
    if (!user) throw notFound("user");
    const { wasLocked } = await clearFailedSignIns(tx, user.email);
    await recordAudit(tx, actor, { action: "user.sign_in_unlocked", entityType: "user", entityId: id, merchantId: user.merchantId, changes: { wasLocked } });
    return { wasLocked };
  });
}

/** Signs a user out everywhere, e.g. after a lost phone or laptop (PCI DSS 8.2.8). */
export async function endUserSessions(db: Db, actor: AuditActor, id: string) {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ merchantId: users.merchantId }).from(users).where(eq(users.id, id));
    if (!user) throw notFound("user");
    const ended = await tx.delete(sessions).where(eq(sessions.userId, id)).returning({ id: sessions.id });
    await recordAudit(tx, actor, { action: "user.sessions_ended", entityType: "user", entityId: id, merchantId: user.merchantId, changes: { sessions: ended.length } });
    return { ended: ended.length };
  });
}

export async function setTechnicianAssignments(db: Db, actor: AuditActor, input: { technicianId: string; merchantIds: string[] }) {
  return db.transaction(async (tx) => {
    const [technician] = await tx.select({ role: users.role }).from(users).where(eq(users.id, input.technicianId)).for("update");
    if (!technician) throw notFound("user");
    if (technician.role !== "technician") throw new AppError("invalid", "onlyTechniciansAssigned", {}, { field: "technicianId" });
    const wanted = [...new Set(input.merchantIds)];
    if (wanted.length) {
      const found = await tx.select({ id: merchants.id }).from(merchants).where(inArray(merchants.id, wanted));
      if (found.length !== wanted.length) throw new AppError("invalid", "merchantInListGone", {}, { field: "merchantIds" });
    }
    const current = await tx.select({ merchantId: technicianAssignments.merchantId }).from(technicianAssignments).where(eq(technicianAssignments.technicianId, input.technicianId));
    const before = current.map((c) => c.merchantId).sort();
    await tx.delete(technicianAssignments).where(eq(technicianAssignments.technicianId, input.technicianId));
    if (wanted.length) await tx.insert(technicianAssignments).values(wanted.map((merchantId) => ({ technicianId: input.technicianId, merchantId })));
    await recordAudit(tx, actor, {
      action: "user.assignments_set",
      entityType: "user",
      entityId: input.technicianId,
      changes: { merchantIds: { from: before, to: wanted.sort() } },
    });
    return { merchantIds: wanted };
  });
}
