import { TRPCError } from "@trpc/server";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { accountLinks, auditLog, emailOutbox, merchants, passwordResetRequests, sessions, signInFailures, users } from "@/db/schema";
import { createAuth } from "@/server/auth";
import { recordFailedSignIn, signInLockedUntil } from "@/server/auth/lockout";
import { EMAIL_SEALED_AS, type EmailMessage } from "@/server/email/outbox";
import { AppError } from "@/server/errors";
import { unseal } from "@/server/sealing";
import {
  acceptInvitation,
  confirmEmailChange,
  EMAIL_CHANGE_LIMIT_PER_HOUR,
  inviteUser,
  linkInfo,
  prunePasswordResetRequests,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
  RESET_LIMIT_PER_ACCOUNT_PER_DAY,
  RESET_LIMIT_PER_ADDRESS_PER_HOUR,
  type Inviter,
} from "@/server/services/account-links";
import { createUser } from "@/server/services/users";
import { callerFor, createTestDatabase, demoCallers, demoEmails, engine, merchantNamed, viewerByEmail } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";
import { DEMO_PASSWORD } from "../helpers/sessions";

let handle: DbHandle;
let callers: Awaited<ReturnType<typeof demoCallers>>;
let auth: ReturnType<typeof createAuth>;
let adminInviter: Inviter;
let demoCoffeeId: string;
let bakeryId: string;

const GOOD_PASSWORD = "orange-tractor-harbour";
const OTHER_PASSWORD = "violet-canal-lantern";
const T0 = new Date("2027-05-10T06:00:00Z");
const later = (seconds: number, from = T0) => new Date(from.getTime() + seconds * 1000);
const MINUTE = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

let ipCounter = 0;
/** Sign-in through better-auth, from a fresh address each time so its per-address limit stays out of the way. */
async function signIn(email: string, password: string) {
  const response = await auth.handler(
    new Request("http://localhost:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-real-ip": `198.51.100.${++ipCounter}` },
      body: JSON.stringify({ email, password }),
    }),
  );
  return response.status;
}

/** The e-mails queued for an address, newest first, as they will go out (the sealed message, not a backdoor). */
async function mailsTo(address: string): Promise<(EmailMessage & { kind: string })[]> {
  const rows = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.to, address)).orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id));
  return rows.map((row) => ({ ...(JSON.parse(unseal(EMAIL_SEALED_AS, row.secret!)) as EmailMessage), kind: row.kind }));
}

/** The token of the newest link of this page in the e-mails to an address. */
async function tokenSentTo(address: string, page: "invite" | "reset-password" | "confirm-email"): Promise<string> {
  for (const mail of await mailsTo(address)) {
    const match = new RegExp(`/${page}/([A-Za-z0-9_-]{43})`).exec(mail.text);
    if (match) {
      expect(mail.html).toContain(match[0]);
      return match[1]!;
    }
  }
  throw new Error(`no ${page} link was sent to ${address}`);
}

/** Why a call was refused: the reason of its AppError, directly or under tRPC. */
async function reasonOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  const cause = error instanceof TRPCError ? error.cause : error;
  if (!(cause instanceof AppError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return cause.reason;
}

async function userNamed(email: string) {
  const [user] = await handle.db.select().from(users).where(eq(users.email, email));
  return user;
}

beforeAll(async () => {
  handle = await createTestDatabase();
  callers = await demoCallers(handle.db);
  auth = createAuth(handle.db);
  const admin = await viewerByEmail(handle.db, demoEmails.admin);
  adminInviter = { actor: { id: admin.id, label: admin.name, ip: null }, role: "admin", merchantId: null };
  demoCoffeeId = (await merchantNamed(handle.db, "Demo Coffee")).id;
  bakeryId = (await merchantNamed(handle.db, "Other Bakery")).id;
});
afterAll(async () => handle?.close());

describe("invitations", () => {
  it("creates a login without a password, and the e-mailed link sets one that signs in", async () => {
    const invited = await callers.admin.users.invite({ name: "Li Na", email: "Li.Na@Example.test", role: "merchant", merchantId: demoCoffeeId });
    expect(invited.email).toBe("li.na@example.test");
    expect(await userNamed("li.na@example.test")).toMatchObject({ role: "merchant", merchantId: demoCoffeeId, emailVerified: false });
    // No password works before the invitation is accepted.
    expect(await signIn("li.na@example.test", GOOD_PASSWORD)).toBe(401);

    const [mail] = await mailsTo("li.na@example.test");
    // Demo Coffee's language is Chinese: a merchant's login is invited in it, whatever the inviter reads.
    expect(mail).toMatchObject({ kind: "invitation", subject: expect.stringContaining("邀请您使用 POS Fleet") });
    expect(mail!.text).toContain("7 天后失效");
    const token = await tokenSentTo("li.na@example.test", "invite");
    expect(await callers.anonymous.accountLinks.linkInfo({ kind: "invitation", token })).toMatchObject({ state: "valid", name: "Li Na", email: "li.na@example.test" });

    await callers.anonymous.accountLinks.acceptInvitation({ token, password: GOOD_PASSWORD, confirmPassword: GOOD_PASSWORD });
    expect(await signIn("li.na@example.test", GOOD_PASSWORD)).toBe(200);
    expect(await userNamed("li.na@example.test")).toMatchObject({ emailVerified: true });
    expect(await callers.anonymous.accountLinks.linkInfo({ kind: "invitation", token })).toEqual({ state: "used", kind: "invitation" });
  });

  it("works once: a second use of the link is refused and changes nothing", async () => {
    await inviteUser(handle.db, adminInviter, { name: "Zhou Min", email: "zhou.min@example.test", role: "technician", merchantId: null }, T0);
    const token = await tokenSentTo("zhou.min@example.test", "invite");
    await acceptInvitation(handle.db, token, GOOD_PASSWORD, later(MINUTE));
    expect(await reasonOf(acceptInvitation(handle.db, token, OTHER_PASSWORD, later(2 * MINUTE)))).toBe("accountLinkUsed");
    expect(await signIn("zhou.min@example.test", OTHER_PASSWORD)).toBe(401);
    expect(await signIn("zhou.min@example.test", GOOD_PASSWORD)).toBe(200);
  });

  it("expires 7 days after it was sent", async () => {
    await inviteUser(handle.db, adminInviter, { name: "Late Larry", email: "late@example.test", role: "merchant", merchantId: demoCoffeeId }, T0);
    await inviteUser(handle.db, adminInviter, { name: "Just In Time", email: "just.in.time@example.test", role: "merchant", merchantId: demoCoffeeId }, T0);
    const late = await tokenSentTo("late@example.test", "invite");
    expect(await reasonOf(acceptInvitation(handle.db, late, GOOD_PASSWORD, later(7 * DAY + 1)))).toBe("accountLinkExpired");
    expect(await linkInfo(handle.db, "invitation", late, later(7 * DAY + 1))).toEqual({ state: "expired", kind: "invitation" });
    await acceptInvitation(handle.db, await tokenSentTo("just.in.time@example.test", "invite"), GOOD_PASSWORD, later(7 * DAY - 1));
    expect(await signIn("just.in.time@example.test", GOOD_PASSWORD)).toBe(200);
  });

  it("sends a new link when invited again, and the old one no longer works", async () => {
    await inviteUser(handle.db, adminInviter, { name: "Twice", email: "twice@example.test", role: "merchant", merchantId: demoCoffeeId }, T0);
    const first = await tokenSentTo("twice@example.test", "invite");
    await inviteUser(handle.db, adminInviter, { name: "Twice Again", email: "twice@example.test", role: "merchant", merchantId: demoCoffeeId }, later(HOUR));
    const second = await tokenSentTo("twice@example.test", "invite");
    expect(second).not.toBe(first);
    expect(await reasonOf(acceptInvitation(handle.db, first, GOOD_PASSWORD, later(2 * HOUR)))).toBe("accountLinkExpired");
    await acceptInvitation(handle.db, second, GOOD_PASSWORD, later(2 * HOUR));
    expect(await userNamed("twice@example.test")).toMatchObject({ name: "Twice Again" });
  });

  it("refuses an unknown or mangled link with one clear reason, never a server error", async () => {
    for (const token of ["x".repeat(43), "short", "not a token at all!", "😀".repeat(30)]) {
      expect(await reasonOf(callers.anonymous.accountLinks.acceptInvitation({ token, password: GOOD_PASSWORD, confirmPassword: GOOD_PASSWORD }))).toBe("accountLinkUnknown");
      expect(await reasonOf(callers.anonymous.accountLinks.linkInfo({ kind: "invitation", token }))).toBe("accountLinkUnknown");
    }
    // Longer than any token: refused by validation, as a 400.
    const err = await callers.anonymous.accountLinks.linkInfo({ kind: "invitation", token: "y".repeat(201) }).catch((e: unknown) => e);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
  });

  it("holds the new password to the policy, and to both fields matching", async () => {
    await inviteUser(handle.db, adminInviter, { name: "Policy Pat", email: "policy.pat@example.test", role: "merchant", merchantId: demoCoffeeId }, T0);
    const token = await tokenSentTo("policy.pat@example.test", "invite");
    expect(await reasonOf(acceptInvitation(handle.db, token, "password1234", later(MINUTE)))).toBe("passwordTooCommon");
    expect(await reasonOf(acceptInvitation(handle.db, token, "policy.pat-2027-secret", later(MINUTE)))).toBe("passwordContainsEmail");
    expect(await fieldErrorsOf(callers.anonymous.accountLinks.acceptInvitation({ token, password: GOOD_PASSWORD, confirmPassword: OTHER_PASSWORD }))).toHaveProperty("confirmPassword");
    // Refusals leave the link usable.
    await acceptInvitation(handle.db, token, GOOD_PASSWORD, later(MINUTE));
  });

  it("lets a merchant owner invite logins of their own merchant only", async () => {
    const owner = callers.merchant;
    await owner.users.invite({ name: "Cashier Chen", email: "cashier.chen@example.test", role: "merchant", merchantId: demoCoffeeId });
    expect(await userNamed("cashier.chen@example.test")).toMatchObject({ role: "merchant", merchantId: demoCoffeeId });

    const forbidden = [
      { name: "Baker", email: "baker@example.test", role: "merchant" as const, merchantId: bakeryId },
      { name: "Boss", email: "boss@example.test", role: "admin" as const, merchantId: null },
      { name: "Fixer", email: "fixer@example.test", role: "technician" as const, merchantId: null },
    ];
    for (const input of forbidden) {
      const error = (await owner.users.invite(input).catch((e: unknown) => e)) as TRPCError;
      expect(error.code, input.email).toBe("FORBIDDEN");
      expect(await userNamed(input.email)).toBeUndefined();
      expect(await mailsTo(input.email)).toEqual([]);
    }
    // Nor may they take over another merchant's pending invitation by inviting its address.
    await callers.otherMerchant.users.invite({ name: "Bakery Pending", email: "bakery.pending@example.test", role: "merchant", merchantId: bakeryId });
    expect(await reasonOf(owner.users.invite({ name: "Mine Now", email: "bakery.pending@example.test", role: "merchant", merchantId: demoCoffeeId }))).toBe("userEmailTaken");
    expect(await userNamed("bakery.pending@example.test")).toMatchObject({ merchantId: bakeryId, name: "Bakery Pending" });
  });

  it("writes a merchant's login in the merchant's language and anyone else's in the inviter's", async () => {
    await handle.db.update(merchants).set({ language: "en" }).where(eq(merchants.id, bakeryId));
    try {
      await inviteUser(handle.db, adminInviter, { name: "Baker Bo", email: "baker.bo@example.test", role: "merchant", merchantId: bakeryId }, T0, "zh-CN");
      await inviteUser(handle.db, adminInviter, { name: "Coffee Cai", email: "coffee.cai@example.test", role: "merchant", merchantId: demoCoffeeId }, T0, "en");
      await inviteUser(handle.db, adminInviter, { name: "Tech Tan", email: "tech.tan@example.test", role: "technician", merchantId: null }, T0, "zh-CN");
    } finally {
      await handle.db.update(merchants).set({ language: "zh-CN" }).where(eq(merchants.id, bakeryId));
    }
    expect((await mailsTo("baker.bo@example.test"))[0]!.text).toContain("expires in 7 days");
    expect((await mailsTo("coffee.cai@example.test"))[0]!.text).toContain("7 天后失效");
    expect((await mailsTo("tech.tan@example.test"))[0]!.text).toContain("7 天后失效");
  });

  it("refuses to invite a login for a merchant that does not exist, marking the field", async () => {
    const error = (await inviteUser(handle.db, adminInviter, { name: "Ghost", email: "ghost@example.test", role: "merchant", merchantId: "00000000-0000-4000-8000-000000000000" }, T0).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ reason: "merchantGone", field: "merchantId" });
    expect(await userNamed("ghost@example.test")).toBeUndefined();
  });

  it("refuses to invite an address that already signs in", async () => {
    expect(await reasonOf(callers.admin.users.invite({ name: "Again", email: demoEmails.technician, role: "technician", merchantId: null }))).toBe("userEmailTaken");
  });
});

describe("forgot password", () => {
  let seq = 0;
  /** A fresh login with a password, so each test has its own limits. */
  async function freshUser() {
    const email = `reset-${++seq}@example.test`;
    const user = await createUser(handle.db, adminInviter.actor, { name: `Reset ${seq}`, email, password: GOOD_PASSWORD, role: "merchant", merchantId: demoCoffeeId });
    return { ...user, email };
  }
  const resetMails = async (email: string) => (await mailsTo(email)).filter((mail) => mail.kind === "password_reset");
  /** A request and what followed it once the answer was out. */
  async function requestReset(email: string, now: Date) {
    const { answer, done } = await requestPasswordReset(handle.db, email, null, now);
    return { answer, outcome: await done };
  }

  it("answers the same whether or not the address has a login, and e-mails only a login", async () => {
    const { email } = await freshUser();
    const known = await requestReset(email, T0);
    const unknown = await requestReset("nobody-here@example.test", T0);
    expect(known.answer).toEqual({ ok: true });
    expect(unknown.answer).toEqual(known.answer);
    expect([known.outcome, unknown.outcome]).toEqual(["sent", "no_login"]);
    expect(await resetMails(email)).toHaveLength(1);
    expect(await mailsTo("nobody-here@example.test")).toEqual([]);
    // Both were counted, so guessing addresses is held to the same limit.
    const counted = await handle.db.select().from(passwordResetRequests).where(eq(passwordResetRequests.email, "nobody-here@example.test"));
    expect(counted).toHaveLength(1);
    // Through the API the answer is all there is.
    expect(await callers.anonymous.accountLinks.requestPasswordReset({ email: "someone-else@example.test" })).toEqual({ ok: true });
  });

  // A second connection holds the account's row, so everything that looks at the account waits; the
  // answer must not. (PGlite has one connection: the holding transaction would block the request itself.)
  it.runIf(engine === "postgres")("answers before the account is even looked up", async () => {
    const user = await freshUser();
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding = () => {};
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = handle.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for("update");
      holding();
      await released;
    });
    try {
      await held;
      const timeout = new Promise<"timed out">((resolve) => setTimeout(() => resolve("timed out"), 5_000));
      const request = await Promise.race([requestPasswordReset(handle.db, user.email, null, T0), timeout]);
      if (request === "timed out") throw new Error("the answer waited for the account");
      expect(request.answer).toEqual({ ok: true });
      expect(await resetMails(user.email)).toEqual([]);
      release();
      await holder;
      expect(await request.done).toBe("sent");
      expect(await resetMails(user.email)).toHaveLength(1);
    } finally {
      release();
      await holder;
    }
  });

  it("sets a new password once: sessions end, a lockout lifts, the old password stops working", async () => {
    const user = await freshUser();
    expect(await signIn(user.email, GOOD_PASSWORD)).toBe(200);
    for (let i = 0; i < 10; i++) await recordFailedSignIn(handle.db, user.email, null);
    expect(await signInLockedUntil(handle.db, user.email)).not.toBeNull();
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1);

    expect((await requestReset(user.email, T0)).outcome).toBe("sent");
    const token = await tokenSentTo(user.email, "reset-password");
    expect(await linkInfo(handle.db, "password_reset", token, later(MINUTE))).toMatchObject({ state: "valid", email: user.email });
    // A reset link is no invitation.
    expect(await reasonOf(acceptInvitation(handle.db, token, OTHER_PASSWORD, later(MINUTE)))).toBe("accountLinkUnknown");
    await resetPassword(handle.db, token, OTHER_PASSWORD, later(MINUTE));

    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, user.id))).toEqual([]);
    expect(await signInLockedUntil(handle.db, user.email)).toBeNull();
    expect(await signIn(user.email, GOOD_PASSWORD)).toBe(401);
    expect(await signIn(user.email, OTHER_PASSWORD)).toBe(200);
    expect(await reasonOf(resetPassword(handle.db, token, "yet-another-passphrase", later(2 * MINUTE)))).toBe("accountLinkUsed");
  });

  it("expires 30 minutes after it was sent, and when a newer link is sent", async () => {
    const user = await freshUser();
    await requestReset(user.email, T0);
    const first = await tokenSentTo(user.email, "reset-password");
    expect(await reasonOf(resetPassword(handle.db, first, OTHER_PASSWORD, later(30 * MINUTE + 1)))).toBe("accountLinkExpired");

    await requestReset(user.email, later(HOUR));
    const second = await tokenSentTo(user.email, "reset-password");
    await requestReset(user.email, later(HOUR + MINUTE));
    const third = await tokenSentTo(user.email, "reset-password");
    expect(await reasonOf(resetPassword(handle.db, second, OTHER_PASSWORD, later(HOUR + 2 * MINUTE)))).toBe("accountLinkExpired");
    await resetPassword(handle.db, third, OTHER_PASSWORD, later(HOUR + 30 * MINUTE - 1));
    expect(await signIn(user.email, OTHER_PASSWORD)).toBe(200);
  });

  it(`sends at most ${RESET_LIMIT_PER_ADDRESS_PER_HOUR} per address an hour, answering the same past the limit`, async () => {
    const user = await freshUser();
    const requests = [];
    for (let i = 0; i <= RESET_LIMIT_PER_ADDRESS_PER_HOUR; i++) requests.push(await requestReset(user.email, later(i * MINUTE)));
    expect(new Set(requests.map((r) => JSON.stringify(r.answer))).size).toBe(1);
    expect(requests.map((r) => r.outcome)).toEqual([...Array<string>(RESET_LIMIT_PER_ADDRESS_PER_HOUR).fill("sent"), "address_limit"]);
    expect(await resetMails(user.email)).toHaveLength(RESET_LIMIT_PER_ADDRESS_PER_HOUR);
    // The hour moves on: the first request leaves the window.
    await requestReset(user.email, later(HOUR + MINUTE));
    expect(await resetMails(user.email)).toHaveLength(RESET_LIMIT_PER_ADDRESS_PER_HOUR + 1);
  });

  it(`holds an unknown address to the same ${RESET_LIMIT_PER_ADDRESS_PER_HOUR} an hour`, async () => {
    const outcomes = [];
    for (let i = 0; i <= RESET_LIMIT_PER_ADDRESS_PER_HOUR; i++) outcomes.push((await requestReset("guessed@example.test", later(i * MINUTE))).outcome);
    expect(outcomes).toEqual([...Array<string>(RESET_LIMIT_PER_ADDRESS_PER_HOUR).fill("no_login"), "address_limit"]);
  });

  it(`sends at most ${RESET_LIMIT_PER_ACCOUNT_PER_DAY} per account a day`, async () => {
    const user = await freshUser();
    // An hour and a minute apart: the per-address limit never bites.
    const outcomes = [];
    for (let i = 0; i <= RESET_LIMIT_PER_ACCOUNT_PER_DAY; i++) outcomes.push((await requestReset(user.email, later(i * (HOUR + MINUTE)))).outcome);
    expect(outcomes.at(-1)).toBe("account_limit");
    expect(await resetMails(user.email)).toHaveLength(RESET_LIMIT_PER_ACCOUNT_PER_DAY);
    await requestReset(user.email, later(DAY + MINUTE));
    expect(await resetMails(user.email)).toHaveLength(RESET_LIMIT_PER_ACCOUNT_PER_DAY + 1);
  });

  it("e-mails nobody for a disabled login or one whose invitation is pending", async () => {
    const disabled = await freshUser();
    await handle.db.update(users).set({ disabled: true }).where(eq(users.id, disabled.id));
    await inviteUser(handle.db, adminInviter, { name: "Pending Pam", email: "pending.pam@example.test", role: "merchant", merchantId: demoCoffeeId }, T0);
    for (const email of [disabled.email, "pending.pam@example.test"]) {
      expect(await requestReset(email, later(MINUTE))).toEqual({ answer: { ok: true }, outcome: "no_login" });
      expect(await resetMails(email)).toEqual([]);
    }
  });

  it("forgets a request once it has left the hour the limit counts", async () => {
    await requestReset("forgotten@example.test", T0);
    const kept = () => handle.db.select().from(passwordResetRequests).where(eq(passwordResetRequests.email, "forgotten@example.test"));
    await prunePasswordResetRequests(handle.db, later(HOUR));
    expect(await kept()).toHaveLength(1);
    await prunePasswordResetRequests(handle.db, later(HOUR + 1));
    expect(await kept()).toEqual([]);
  });
});

describe("e-mail change", () => {
  async function ownCaller(email: string) {
    await createUser(handle.db, adminInviter.actor, { name: `Mover ${email}`, email, password: GOOD_PASSWORD, role: "merchant", merchantId: demoCoffeeId });
    return callerFor(handle.db, await viewerByEmail(handle.db, email));
  }

  it("sends the link to the new address, changes it when followed, and tells the old address", async () => {
    const caller = await ownCaller("old.address@example.test");
    const result = await caller.account.requestEmailChange({ newEmail: "New.Address@Example.test", currentPassword: GOOD_PASSWORD });
    expect(result.newEmail).toBe("new.address@example.test");
    expect((await mailsTo("old.address@example.test")).map((m) => m.kind)).toEqual([]);
    const token = await tokenSentTo("new.address@example.test", "confirm-email");
    // Nothing changes until the new address confirms.
    expect(await signIn("old.address@example.test", GOOD_PASSWORD)).toBe(200);
    expect(await callers.anonymous.accountLinks.linkInfo({ kind: "email_change", token })).toMatchObject({ state: "valid", email: "old.address@example.test", newEmail: "new.address@example.test" });

    expect(await callers.anonymous.accountLinks.confirmEmailChange({ token })).toEqual({ email: "new.address@example.test" });
    expect(await userNamed("old.address@example.test")).toBeUndefined();
    expect(await signIn("new.address@example.test", GOOD_PASSWORD)).toBe(200);
    const [notice] = await mailsTo("old.address@example.test");
    expect(notice!.subject).toBe("Your POS Fleet e-mail address was changed");
    expect(notice!.text).toContain("new.address@example.test");
    expect(await reasonOf(callers.anonymous.accountLinks.confirmEmailChange({ token }))).toBe("accountLinkUsed");
  });

  it("needs the current password: a wrong one marks the field, sends nothing and counts toward the lockout", async () => {
    const caller = await ownCaller("password.check@example.test");
    const error = (await caller.account.requestEmailChange({ newEmail: "elsewhere@example.test", currentPassword: OTHER_PASSWORD }).catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.cause).toMatchObject({ reason: "currentPasswordWrong", field: "currentPassword" });
    expect(await fieldErrorsOf(caller.account.requestEmailChange({ newEmail: "elsewhere@example.test", currentPassword: "" }))).toHaveProperty("currentPassword");
    expect(await mailsTo("elsewhere@example.test")).toEqual([]);
    const [failures] = await handle.db.select().from(signInFailures).where(eq(signInFailures.email, "password.check@example.test"));
    expect(failures).toMatchObject({ failures: 1 });

    // Locked after ten wrong ones, as at sign-in: then even the right password is refused here.
    for (let i = 0; i < 9; i++) await reasonOf(caller.account.requestEmailChange({ newEmail: "elsewhere@example.test", currentPassword: OTHER_PASSWORD }));
    expect(await reasonOf(caller.account.requestEmailChange({ newEmail: "elsewhere@example.test", currentPassword: GOOD_PASSWORD }))).toBe("passwordAttemptsLocked");
    expect(await mailsTo("elsewhere@example.test")).toEqual([]);
  });

  it(`takes at most ${EMAIL_CHANGE_LIMIT_PER_HOUR} requests an hour`, async () => {
    await ownCaller("busy.mover@example.test");
    const owner = await viewerByEmail(handle.db, "busy.mover@example.test");
    const ask = (n: number, at: Date) => requestEmailChange(handle.db, adminInviter.actor, owner, { newEmail: `busy-${n}@example.test`, currentPassword: GOOD_PASSWORD }, at);
    for (let i = 0; i < EMAIL_CHANGE_LIMIT_PER_HOUR; i++) await ask(i, later(i * MINUTE));
    const error = (await ask(99, later(10 * MINUTE)).catch((e: unknown) => e)) as AppError;
    expect(error).toMatchObject({ code: "rate_limited", reason: "emailChangeLimit", field: "newEmail" });
    expect(await mailsTo("busy-99@example.test")).toEqual([]);
    // An hour after the first, one more may go.
    await ask(100, later(HOUR + 1));
    await tokenSentTo("busy-100@example.test", "confirm-email");
  });

  it("answers the same for an address another login has, and e-mails nobody", async () => {
    const caller = await ownCaller("taken.check@example.test");
    const free = await caller.account.requestEmailChange({ newEmail: "free.address@example.test", currentPassword: GOOD_PASSWORD });
    const taken = await caller.account.requestEmailChange({ newEmail: demoEmails.admin, currentPassword: GOOD_PASSWORD });
    expect(Object.keys(taken).sort()).toEqual(Object.keys(free).sort());
    expect(taken.newEmail).toBe(demoEmails.admin);
    expect(await mailsTo(demoEmails.admin)).toEqual([]);
    // The audit log, which only admins read, says no link went out.
    const [entry] = await handle.db.select({ changes: auditLog.changes }).from(auditLog).where(eq(auditLog.action, "user.email_change_requested")).orderBy(desc(auditLog.id)).limit(1);
    expect(entry!.changes).toMatchObject({ to: demoEmails.admin, linkSent: false });
    expect(await userNamed("taken.check@example.test")).toBeDefined();
    expect(await reasonOf(caller.account.requestEmailChange({ newEmail: "taken.check@example.test", currentPassword: GOOD_PASSWORD }))).toBe("emailUnchanged");
  });

  it("signs the login out everywhere on confirmation, and ends the reset links sent to the old address", async () => {
    const caller = await ownCaller("moving.out@example.test");
    const owner = await viewerByEmail(handle.db, "moving.out@example.test");
    expect(await signIn("moving.out@example.test", GOOD_PASSWORD)).toBe(200);
    expect(await signIn("moving.out@example.test", GOOD_PASSWORD)).toBe(200);
    await (
      await requestPasswordReset(handle.db, "moving.out@example.test", null)
    ).done;
    const resetToken = await tokenSentTo("moving.out@example.test", "reset-password");

    await caller.account.requestEmailChange({ newEmail: "moved.in@example.test", currentPassword: GOOD_PASSWORD });
    await callers.anonymous.accountLinks.confirmEmailChange({ token: await tokenSentTo("moved.in@example.test", "confirm-email") });

    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, owner.id))).toEqual([]);
    expect(await reasonOf(resetPassword(handle.db, resetToken, OTHER_PASSWORD))).toBe("accountLinkUsed");
    expect(await signIn("moved.in@example.test", GOOD_PASSWORD)).toBe(200);
  });

  it("refuses the change when the address was taken after the link was sent, and keeps the old one", async () => {
    const owner = await viewerByEmail(handle.db, demoEmails.merchant);
    await requestEmailChange(handle.db, adminInviter.actor, owner, { newEmail: "contested@example.test", currentPassword: DEMO_PASSWORD }, T0);
    const token = await tokenSentTo("contested@example.test", "confirm-email");
    await createUser(handle.db, adminInviter.actor, { name: "First Come", email: "contested@example.test", password: GOOD_PASSWORD, role: "technician", merchantId: null });
    expect(await reasonOf(confirmEmailChange(handle.db, token, later(MINUTE)))).toBe("userEmailTaken");
    expect(await userNamed(demoEmails.merchant)).toMatchObject({ id: owner.id });
  });

  it("expires 24 hours after it was sent", async () => {
    const owner = await viewerByEmail(handle.db, demoEmails.technician);
    await requestEmailChange(handle.db, adminInviter.actor, owner, { newEmail: "tech.new@example.test", currentPassword: DEMO_PASSWORD }, T0);
    const token = await tokenSentTo("tech.new@example.test", "confirm-email");
    expect(await reasonOf(confirmEmailChange(handle.db, token, later(DAY + 1)))).toBe("accountLinkExpired");
    expect(await userNamed(demoEmails.technician)).toBeDefined();
    const [link] = await handle.db
      .select()
      .from(accountLinks)
      .where(and(eq(accountLinks.userId, owner.id), eq(accountLinks.kind, "email_change")));
    // Only a hash of the token is stored.
    expect(link!.tokenHash).not.toContain(token);
    expect(link!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("a merchant's console logins", () => {
  it("lists the merchant's logins with their state, for an admin and for the merchant's owner", async () => {
    await callers.merchant.users.invite({ name: "Aaron Pending", email: "aaron.pending@example.test", role: "merchant", merchantId: demoCoffeeId });
    const disabled = await createUser(handle.db, adminInviter.actor, {
      name: "Aaron Disabled",
      email: "aaron.disabled@example.test",
      password: GOOD_PASSWORD,
      role: "merchant",
      merchantId: demoCoffeeId,
    });
    await handle.db.update(users).set({ disabled: true }).where(eq(users.id, disabled.id));

    const own = await callers.merchant.accountLinks.merchantLogins({ merchantId: demoCoffeeId });
    expect(own).toEqual(await callers.admin.accountLinks.merchantLogins({ merchantId: demoCoffeeId }));
    const stateOf = (email: string) => own.items.find((login) => login.email === email)?.state;
    expect(stateOf("aaron.pending@example.test")).toBe("invitation_pending");
    expect(stateOf("aaron.disabled@example.test")).toBe("disabled");
    expect(stateOf(demoEmails.merchant)).toBe("active");
    // Only this merchant's logins: no admin, technician or other merchant's owner.
    expect(own.items.map((login) => login.email)).not.toContain(demoEmails.otherMerchant);
    expect(own.items.map((login) => login.email)).not.toContain(demoEmails.technician);
    expect(own.total).toBe(own.items.length);
    const [first] = own.items;
    expect(Object.keys(first!).sort()).toEqual(["email", "id", "name", "state"]);
  });

  it("answers another merchant's logins as not found", async () => {
    const error = (await callers.merchant.accountLinks.merchantLogins({ merchantId: bakeryId }).catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe("NOT_FOUND");
    const unknown = (await callers.admin.accountLinks.merchantLogins({ merchantId: "00000000-0000-4000-8000-000000000000" }).catch((e: unknown) => e)) as TRPCError;
    expect(unknown.code).toBe("NOT_FOUND");
  });

  it("pages through a long list", async () => {
    const page = await callers.admin.accountLinks.merchantLogins({ merchantId: demoCoffeeId, pageSize: 25, page: 2 });
    expect(page).toMatchObject({ page: 2, pageSize: 25 });
    expect(page.items).toEqual([]);
    expect(page.total).toBeGreaterThan(0);
  });
});
