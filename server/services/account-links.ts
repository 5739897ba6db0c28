import { createHash, randomBytes, randomUUID } from "node:crypto";
import { hashPassword, verifyPassword } from "better-auth/crypto";
import { and, asc, count, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountLinks, accounts, merchants, notificationSettings, passwordResetRequests, sessions, users, type AccountLinkKind, type EmailKind, type UserRole } from "@/db/schema";
import { clearFailedSignIns, LOCKOUT_MINUTES, recordFailedSignIn, signInLockedUntil } from "../auth/lockout";
import { assertAcceptablePassword } from "../auth/password-policy";
import { Batcher, perDatabase } from "../batcher";
import { consoleUrl } from "../email/links";
import { queueEmail } from "../email/outbox";
import { emailChangedNotice, emailChangeEmail, invitationEmail, passwordResetEmail, type EmailContent } from "../email/templates";
import { AppError, notFound, sqlState } from "../errors";
import { defaultLocale, type Locale } from "../locales";
import { logger } from "../logger";
import type { EmailChangeRequestInput, InviteInput, MerchantLoginsInput } from "../schemas/account-links";
import { inScope, type Scope } from "../scope";
import { onShutdown } from "../shutdown";
import { recordAudit, systemActor, type AuditActor } from "./audit";

const HOUR_MS = 3_600_000;
/** How long each kind of link works after it was sent. */
export const LINK_LIFETIME_MS: Record<AccountLinkKind, number> = { invitation: 7 * 24 * HOUR_MS, password_reset: 30 * 60_000, email_change: 24 * HOUR_MS };
/** Reset e-mails per address (known or not) per hour, and per account per day; past either the answer stays the same, without an e-mail. */
export const RESET_LIMIT_PER_ADDRESS_PER_HOUR = 3;
export const RESET_LIMIT_PER_ACCOUNT_PER_DAY = 5;
/** Address changes a user may ask for per hour: each one e-mails an address they typed. */
export const EMAIL_CHANGE_LIMIT_PER_HOUR = 3;
// Advisory lock class for the per-address count (others: activation 41, 42; notices 43).
const RESET_ADDRESS_LOCK_CLASS = 47;

/** Where each kind of link opens: pages outside the signed-in console. */
const linkPaths: Record<AccountLinkKind, string> = { invitation: "/invite", password_reset: "/reset-password", email_change: "/confirm-email" };

// 32 random bytes: 43 base64url characters, which is also the only shape a real token has.
const tokenShape = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

const linkUnknown = () => new AppError("not_found", "accountLinkUnknown");

/** The language e-mails reach this person in: their alert setting, else the language of the page that asked. */
async function recipientLocale(db: Db, userId: string, fallback: Locale): Promise<string> {
  const [row] = await db.select({ locale: notificationSettings.locale }).from(notificationSettings).where(eq(notificationSettings.userId, userId));
  return row?.locale ?? fallback;
}

/**
 * Issues a link and queues its e-mail in the caller's transaction. The user's earlier unused links
 * of the same kind end now: only the newest one sent works. Without an e-mail the link is only
 * recorded (it counts toward limits), and its token, sent nowhere, can never be used.
 */
async function issueLink(
  tx: Db,
  link: { kind: AccountLinkKind; userId: string; to: string; newEmail?: string; createdBy: string | null },
  email: { kind: EmailKind; content: (url: string) => EmailContent } | null,
  now: Date,
): Promise<{ expiresAt: Date }> {
  await tx
    .update(accountLinks)
    .set({ expiresAt: sql`least(${accountLinks.expiresAt}, ${now.toISOString()}::timestamptz)` })
    .where(and(eq(accountLinks.userId, link.userId), eq(accountLinks.kind, link.kind), isNull(accountLinks.usedAt)));
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS[link.kind]);
  await tx.insert(accountLinks).values({ kind: link.kind, tokenHash: hashOf(token), userId: link.userId, newEmail: link.newEmail ?? null, createdBy: link.createdBy, createdAt: now, expiresAt });
  if (email) await queueEmail(tx, { to: link.to, ...email.content(consoleUrl(`${linkPaths[link.kind]}/${token}`)) }, { kind: email.kind, userId: link.userId }, now);
  return { expiresAt };
}

type LinkRow = typeof accountLinks.$inferSelect;

/** The link a token stands for, or the refusal that says why it does not work. */
function checkedLink(row: LinkRow | undefined, now: Date): LinkRow {
  if (!row) throw linkUnknown();
  if (row.usedAt) throw new AppError("conflict", "accountLinkUsed");
  if (row.expiresAt <= now) throw new AppError("conflict", "accountLinkExpired");
  return row;
}

async function findLink(db: Db, kind: AccountLinkKind, token: string): Promise<LinkRow | undefined> {
  if (!tokenShape.test(token)) return undefined;
  const [row] = await db
    .select()
    .from(accountLinks)
    .where(and(eq(accountLinks.tokenHash, hashOf(token)), eq(accountLinks.kind, kind)));
  return row;
}

/**
 * Uses a link up inside the caller's transaction: one atomic update, so of two concurrent uses
 * exactly one gets it. Throws the reason when it is unknown, used or expired.
 */
async function consumeLink(tx: Db, kind: AccountLinkKind, token: string, now: Date): Promise<LinkRow> {
  if (!tokenShape.test(token)) throw linkUnknown();
  const [used] = await tx
    .update(accountLinks)
    .set({ usedAt: now })
    .where(and(eq(accountLinks.tokenHash, hashOf(token)), eq(accountLinks.kind, kind), isNull(accountLinks.usedAt), gt(accountLinks.expiresAt, now)))
    .returning();
  return used ?? checkedLink(await findLink(tx, kind, token), now);
}

async function userOf(db: Db, id: string) {
  const [user] = await db.select({ id: users.id, name: users.name, email: users.email, merchantId: users.merchantId, disabled: users.disabled }).from(users).where(eq(users.id, id));
  return user;
}

async function hasPassword(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, "credential")));
  return Boolean(row);
}

/**
 * Who a link is for, without using it: the page shows the name and address before a password is
 * chosen, or says at once that the link no longer works.
 */
export async function linkInfo(db: Db, kind: AccountLinkKind, token: string, now: Date = new Date()) {
  const row = await findLink(db, kind, token);
  if (!row) throw linkUnknown();
  if (row.usedAt) return { state: "used" as const, kind };
  if (row.expiresAt <= now) return { state: "expired" as const, kind };
  const user = await userOf(db, row.userId);
  if (!user || user.disabled) throw linkUnknown();
  return { state: "valid" as const, kind, expiresAt: row.expiresAt, name: user.name, email: user.email, newEmail: row.newEmail };
}

/** Who invites, and for what: admins anyone, a merchant owner only merchant logins of their own merchant. */
export interface Inviter {
  actor: AuditActor;
  role: UserRole;
  merchantId: string | null;
}

/**
 * Invites someone by e-mail: the user exists at once, without a password (so no password signs in),
 * and the link in the e-mail sets one within 7 days. Inviting a still-pending address again sends
 * a new link and ends the old one. The e-mail is in the merchant's language for a merchant's login
 * (the language its SMS use), else in the inviter's.
 */
export async function inviteUser(db: Db, inviter: Inviter, input: InviteInput, now: Date = new Date(), inviterLocale: Locale = defaultLocale) {
  if (inviter.role === "technician" || (inviter.role === "merchant" && (input.role !== "merchant" || input.merchantId !== inviter.merchantId))) {
    throw new AppError("forbidden", "inviteOnlyOwnStaff", {}, { field: input.role !== "merchant" ? "role" : "merchantId" });
  }
  try {
    return await db.transaction(async (tx) => {
      const locale = input.merchantId ? await merchantLanguage(tx, input.merchantId) : inviterLocale;
      const [existing] = await tx.select({ id: users.id, merchantId: users.merchantId }).from(users).where(eq(users.email, input.email)).for("update");
      // A pending invitation may be sent again by whoever could have sent it; an address with a password is somebody's login.
      if (existing && ((await hasPassword(tx, existing.id)) || (inviter.role === "merchant" && existing.merchantId !== inviter.merchantId))) {
        throw new AppError("conflict", "userEmailTaken", { email: input.email }, { field: "email" });
      }
      const id = existing?.id ?? randomUUID();
      const fields = { name: input.name, role: input.role, merchantId: input.merchantId };
      if (existing)
        await tx
          .update(users)
          .set({ ...fields, disabled: false, updatedAt: now })
          .where(eq(users.id, id));
      else await tx.insert(users).values({ id, email: input.email, ...fields, emailVerified: false, createdAt: now, updatedAt: now });
      // Their alerts will come in the language they were invited in until they choose another.
      await tx.insert(notificationSettings).values({ userId: id, locale }).onConflictDoUpdate({ target: notificationSettings.userId, set: { locale } });
      const { expiresAt } = await issueLink(
        tx,
        { kind: "invitation", userId: id, to: input.email, createdBy: inviter.actor.id },
        { kind: "invitation", content: (link) => invitationEmail(locale, { name: input.name, inviter: inviter.actor.label, link }) },
        now,
      );
      await recordAudit(tx, inviter.actor, {
        action: "user.invited",
        entityType: "user",
        entityId: id,
        merchantId: input.merchantId,
        changes: { email: input.email, name: input.name, role: input.role, merchantId: input.merchantId, again: Boolean(existing), expiresAt: expiresAt.toISOString() },
      });
      return { id, email: input.email, expiresAt };
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw new AppError("conflict", "userEmailTaken", { email: input.email }, { field: "email" });
    throw error;
  }
}

async function merchantLanguage(db: Db, merchantId: string): Promise<Locale> {
  const [merchant] = await db.select({ language: merchants.language }).from(merchants).where(eq(merchants.id, merchantId));
  if (!merchant) throw new AppError("invalid", "merchantGone", {}, { field: "merchantId" });
  return merchant.language;
}

/** Checks a password chosen on a link's page before the slow hash, against the address the link is for. */
async function passwordForLink(db: Db, kind: AccountLinkKind, token: string, password: string, now: Date) {
  const link = checkedLink(await findLink(db, kind, token), now);
  const user = await userOf(db, link.userId);
  if (!user || user.disabled) throw linkUnknown();
  assertAcceptablePassword(password, user.email);
  return { user, passwordHash: await hashPassword(password) };
}

/** The invited person sets their password: the login works from now on, and the link never again. */
export async function acceptInvitation(db: Db, token: string, password: string, now: Date = new Date()) {
  const { user, passwordHash } = await passwordForLink(db, "invitation", token, password, now);
  return db.transaction(async (tx) => {
    await consumeLink(tx, "invitation", token, now);
    if (await hasPassword(tx, user.id)) throw new AppError("conflict", "accountLinkUsed");
    await tx.insert(accounts).values({ id: randomUUID(), accountId: user.id, providerId: "credential", userId: user.id, password: passwordHash, createdAt: now, updatedAt: now });
    // The e-mail with the link reached them: the address is theirs.
    await tx.update(users).set({ emailVerified: true, updatedAt: now }).where(eq(users.id, user.id));
    await clearFailedSignIns(tx, user.email, now);
    await recordAudit(tx, { id: user.id, label: user.email, ip: null }, { action: "user.invitation_accepted", entityType: "user", entityId: user.id, merchantId: user.merchantId });
    return { email: user.email };
  });
}

/** What became of a reset request after its answer went out: the caller never learns it; tests wait for it. */
export type ResetFollowUp = "sent" | "address_limit" | "no_login" | "account_limit" | "failed";

interface ResetRequest {
  address: string;
  ip: string | null;
  now: Date;
  locale: Locale;
}

/**
 * The part of a reset request that depends on whether the address has a login, run after the
 * answer went out: one request after another per instance, and shutdown waits for those queued.
 */
const resetFollowUps = perDatabase((db: Db) => {
  const batcher = new Batcher(
    async (requests: ResetRequest[]) => {
      const outcomes: ResetFollowUp[] = [];
      for (const request of requests) {
        outcomes.push(
          await sendResetLink(db, request).catch((error: unknown) => {
            logger.error({ err: error }, "a password reset link could not be issued");
            return "failed" as const;
          }),
        );
      }
      return outcomes;
    },
    { name: "password-resets", maxBatch: 20, concurrency: 1, maxQueue: 1_000 },
  );
  onShutdown("password reset links", () => batcher.drained());
  return batcher;
});

/**
 * Asks for a reset link. The answer is the same for every address, and so is the work done before
 * it: the request is counted (also for an address nobody has) and answered. Looking the address up,
 * the per-account limit, the link, its e-mail and the audit entry follow in `done`, after the
 * answer, so its timing tells nothing either.
 */
export async function requestPasswordReset(
  db: Db,
  email: string,
  ip: string | null,
  now: Date = new Date(),
  locale: Locale = defaultLocale,
): Promise<{ answer: { ok: true }; done: Promise<ResetFollowUp> }> {
  const address = email.trim().toLowerCase();
  const withinLimit = await db.transaction(async (tx) => {
    // Concurrent requests for one address count one after the other, so the limit holds.
    await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(RESET_ADDRESS_LOCK_CLASS))}, hashtext(${address}))`);
    await tx.insert(passwordResetRequests).values({ email: address, requestedAt: now });
    const [recent] = await tx
      .select({ n: count() })
      .from(passwordResetRequests)
      .where(and(eq(passwordResetRequests.email, address), gt(passwordResetRequests.requestedAt, new Date(now.getTime() - HOUR_MS))));
    return recent!.n <= RESET_LIMIT_PER_ADDRESS_PER_HOUR;
  });
  const done: Promise<ResetFollowUp> = withinLimit
    ? resetFollowUps(db)
        .add({ address, ip, now, locale })
        .catch((error: unknown) => {
          // Only a full queue (a flood of requests) refuses; the person can ask again.
          logger.warn({ err: error }, "a password reset request was dropped");
          return "failed" as const;
        })
    : Promise.resolve("address_limit" as const);
  return { answer: { ok: true }, done };
}

/** Sends the reset link when the address belongs to an enabled account with a password, within the per-account limit. */
async function sendResetLink(db: Db, { address, ip, now, locale }: ResetRequest): Promise<ResetFollowUp> {
  return db.transaction(async (tx) => {
    // Locked, so concurrent requests for one account count one after the other.
    const [user] = await tx.select({ id: users.id, name: users.name, merchantId: users.merchantId, disabled: users.disabled }).from(users).where(eq(users.email, address)).for("update");
    // An invited person who has not set a password yet follows their invitation instead.
    if (!user || user.disabled || !(await hasPassword(tx, user.id))) return "no_login";
    const [sent] = await tx
      .select({ n: count() })
      .from(accountLinks)
      .where(and(eq(accountLinks.userId, user.id), eq(accountLinks.kind, "password_reset"), gt(accountLinks.createdAt, new Date(now.getTime() - 24 * HOUR_MS))));
    if (sent!.n >= RESET_LIMIT_PER_ACCOUNT_PER_DAY) return "account_limit";
    const language = await recipientLocale(tx, user.id, locale);
    await issueLink(
      tx,
      { kind: "password_reset", userId: user.id, to: address, createdBy: null },
      { kind: "password_reset", content: (link) => passwordResetEmail(language, { name: user.name, link }) },
      now,
    );
    await recordAudit(tx, { ...systemActor, ip }, { action: "user.password_reset_requested", entityType: "user", entityId: user.id, merchantId: user.merchantId });
    return "sent";
  });
}

/** Sets a new password from a reset link: every session of the account ends, and a sign-in lock lifts. */
export async function resetPassword(db: Db, token: string, password: string, now: Date = new Date()) {
  const { user, passwordHash } = await passwordForLink(db, "password_reset", token, password, now);
  return db.transaction(async (tx) => {
    await consumeLink(tx, "password_reset", token, now);
    const updated = await tx
      .update(accounts)
      .set({ password: passwordHash, updatedAt: now })
      .where(and(eq(accounts.userId, user.id), eq(accounts.providerId, "credential")))
      .returning({ id: accounts.id });
    // Reset links go only to accounts with a password; one invited since cannot have become one without it.
    if (!updated.length) throw new AppError("conflict", "invitationPending");
    const ended = await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.id });
    await clearFailedSignIns(tx, user.email, now);
    await recordAudit(
      tx,
      { id: user.id, label: user.email, ip: null },
      { action: "user.password_reset", entityType: "user", entityId: user.id, merchantId: user.merchantId, changes: { sessionsEnded: ended.length } },
    );
    return { email: user.email };
  });
}

/** Who asks to change their own address. */
export interface EmailOwner {
  id: string;
  email: string;
  name: string;
  merchantId: string | null;
}

/**
 * The signed-in person's password, asked again before their sign-in address moves: an open session
 * alone must not be enough to take the login over. Wrong ones count toward the sign-in lockout, so
 * guessing here goes no further than on the sign-in page.
 */
async function assertCurrentPassword(db: Db, owner: EmailOwner, password: string, ip: string | null, now: Date): Promise<void> {
  if (await signInLockedUntil(db, owner.email, now)) throw new AppError("rate_limited", "passwordAttemptsLocked", { minutes: LOCKOUT_MINUTES }, { field: "currentPassword" });
  const [credential] = await db
    .select({ hash: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, owner.id), eq(accounts.providerId, "credential")));
  if (credential?.hash && (await verifyPassword({ hash: credential.hash, password }))) return;
  await recordFailedSignIn(db, owner.email, ip, now);
  throw new AppError("invalid", "currentPasswordWrong", {}, { field: "currentPassword" });
}

/**
 * Sends a confirmation link to the new address; the address changes only when it is followed.
 * Whether another login already has the address is not said here (the answer and the work are the
 * same): such a request is recorded and counted, but no e-mail goes out, so the other login's owner
 * gets no unasked-for mail and the asker learns nothing. The confirmation checks again.
 */
export async function requestEmailChange(db: Db, actor: AuditActor, owner: EmailOwner, input: EmailChangeRequestInput, now: Date = new Date(), locale: Locale = defaultLocale) {
  const address = input.newEmail.trim().toLowerCase();
  if (address === owner.email.toLowerCase()) throw new AppError("invalid", "emailUnchanged", {}, { field: "newEmail" });
  await assertCurrentPassword(db, owner, input.currentPassword, actor.ip, now);
  return db.transaction(async (tx) => {
    // Locked, so concurrent requests of one user count one after the other.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, owner.id)).for("update");
    const [recent] = await tx
      .select({ n: count() })
      .from(accountLinks)
      .where(and(eq(accountLinks.userId, owner.id), eq(accountLinks.kind, "email_change"), gt(accountLinks.createdAt, new Date(now.getTime() - HOUR_MS))));
    if (recent!.n >= EMAIL_CHANGE_LIMIT_PER_HOUR) throw new AppError("rate_limited", "emailChangeLimit", { limit: EMAIL_CHANGE_LIMIT_PER_HOUR }, { field: "newEmail" });
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, address));
    const language = await recipientLocale(tx, owner.id, locale);
    const { expiresAt } = await issueLink(
      tx,
      { kind: "email_change", userId: owner.id, to: address, newEmail: address, createdBy: owner.id },
      taken ? null : { kind: "email_change", content: (link) => emailChangeEmail(language, { name: owner.name, newEmail: address, link }) },
      now,
    );
    await recordAudit(tx, actor, { action: "user.email_change_requested", entityType: "user", entityId: owner.id, merchantId: owner.merchantId, changes: { to: address, linkSent: !taken } });
    return { newEmail: address, expiresAt };
  });
}

/**
 * Follows the link sent to the new address: the account's address changes, and the old one is told.
 * Every session ends (one opened by whoever had the old address must not outlive it), and reset
 * links sent to the old address stop working.
 */
export async function confirmEmailChange(db: Db, token: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const link = await consumeLink(tx, "email_change", token, now);
    const newEmail = link.newEmail!;
    const [before] = await tx.select({ email: users.email, name: users.name, merchantId: users.merchantId, disabled: users.disabled }).from(users).where(eq(users.id, link.userId)).for("update");
    if (!before || before.disabled) throw linkUnknown();
    // Someone may have taken the address since the link was sent (a race past this check is the unique index's duplicateRecord).
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
    if (taken) throw new AppError("conflict", "userEmailTaken", { email: newEmail });
    await tx.update(users).set({ email: newEmail, emailVerified: true, updatedAt: now }).where(eq(users.id, link.userId));
    const ended = await tx.delete(sessions).where(eq(sessions.userId, link.userId)).returning({ id: sessions.id });
    await tx
      .update(accountLinks)
      .set({ usedAt: now })
      .where(and(eq(accountLinks.userId, link.userId), eq(accountLinks.kind, "password_reset"), isNull(accountLinks.usedAt)));
    const language = await recipientLocale(tx, link.userId, defaultLocale);
    await queueEmail(tx, { to: before.email, ...emailChangedNotice(language, { name: before.name, oldEmail: before.email, newEmail }) }, { kind: "email_change", userId: link.userId }, now);
    await recordAudit(
      tx,
      { id: link.userId, label: before.email, ip: null },
      { action: "user.email_changed", entityType: "user", entityId: link.userId, merchantId: before.merchantId, changes: { email: { from: before.email, to: newEmail }, sessionsEnded: ended.length } },
    );
    return { email: newEmail };
  });
}

/** A login as its merchant's page shows it: invited and no password yet, signing in, or turned off. */
export type LoginState = "invitation_pending" | "active" | "disabled";

/**
 * A merchant's console logins, for its page: admins see any merchant's, a merchant owner their own
 * (any other answers as not found). Invited logins without a password yet are pending.
 */
export async function listMerchantLogins(db: Db, scope: Scope, input: MerchantLoginsInput) {
  const [merchant] = await db
    .select({ id: merchants.id })
    .from(merchants)
    .where(and(eq(merchants.id, input.merchantId), inScope(merchants.id, scope)));
  if (!merchant) throw notFound("merchant");
  const where = eq(users.merchantId, merchant.id);
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        state: sql<LoginState>`case when ${users.disabled} then 'disabled' when ${accounts.id} is null then 'invitation_pending' else 'active' end`,
      })
      .from(users)
      // The password: a login has one credential account at most, and an invited one none yet.
      .leftJoin(accounts, and(eq(accounts.userId, users.id), eq(accounts.providerId, "credential")))
      .where(where)
      .orderBy(asc(users.name), asc(users.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** Forgets reset requests older than the per-address window, so guessed addresses do not pile up. */
export async function prunePasswordResetRequests(db: Db, now: Date = new Date()): Promise<{ deleted: number }> {
  const gone = await db
    .delete(passwordResetRequests)
    .where(lt(passwordResetRequests.requestedAt, new Date(now.getTime() - HOUR_MS)))
    .returning({ email: passwordResetRequests.email });
  return { deleted: gone.length };
}
