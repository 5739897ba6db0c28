import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, sessions, users } from "@/db/schema";
import { createAuth } from "@/server/auth";
import { callerFor, createTestDatabase, demoEmails, viewerByEmail } from "../helpers/db";
import { secretOf, totp, wrongTotp } from "../helpers/totp";

const PASSWORD = "demo-password-1";
const MAC_CHROME = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

let handle: DbHandle;
let auth: ReturnType<typeof createAuth>;
let lastIp = 0;

beforeAll(async () => {
  handle = await createTestDatabase();
  auth = createAuth(handle.db);
});
afterAll(async () => handle?.close());
afterEach(() => {
  delete process.env.AUTH_REQUIRE_MFA;
});

/** One browser: its cookies, sent to better-auth's handler. Each request comes from a new address, so the per-address limits stay out of the way. */
class Browser {
  private cookies = new Map<string, string>();

  constructor(private readonly userAgent = MAC_CHROME) {}

  async post(path: string, body: Record<string, unknown> = {}) {
    const response = await auth.handler(
      new Request(`http://localhost:3000/api/auth${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-real-ip": `203.0.113.${++lastIp % 250}`, "user-agent": this.userAgent, cookie: this.cookieHeader() },
        body: JSON.stringify(body),
      }),
    );
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const name = pair!.slice(0, pair!.indexOf("="));
      const value = pair!.slice(pair!.indexOf("=") + 1);
      if (!value || /max-age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** The session better-auth sees behind this browser's cookies, or null. */
  session() {
    return auth.api.getSession({ headers: new Headers({ cookie: this.cookieHeader() }) });
  }

  signIn(email: string, password = PASSWORD) {
    return this.post("/sign-in/email", { email, password });
  }
}

async function userNamed(email: string) {
  const [user] = await handle.db.select().from(users).where(eq(users.email, email));
  return user!;
}

const sessionsOf = async (userId: string) => handle.db.select().from(sessions).where(eq(sessions.userId, userId));

describe("two-factor sign-in with an authenticator app", () => {
  it("enrols with the password and a code, ends the other sessions, then asks every sign-in for a code", async () => {
    const email = demoEmails.merchant;
    const user = await userNamed(email);
    const laptop = new Browser();
    const phone = new Browser();
    expect((await laptop.signIn(email)).status).toBe(200);
    expect((await phone.signIn(email)).status).toBe(200);

    expect((await laptop.post("/two-factor/enable", { password: "wrong-password-1" })).status).toBe(400);
    const enabled = await laptop.post("/two-factor/enable", { password: PASSWORD });
    expect(enabled.status).toBe(200);
    const secret = secretOf(enabled.body.totpURI as string);
    expect(enabled.body.totpURI).toMatch(/^otpauth:\/\/totp\/POS%20Fleet:/);
    const backupCodes = enabled.body.backupCodes as string[];
    expect(backupCodes).toHaveLength(10);

    // Nothing is on until a code from the app confirms the secret.
    expect((await laptop.post("/two-factor/verify-totp", { code: wrongTotp(secret) })).status).toBe(401);
    expect((await userNamed(email)).twoFactorEnabled).toBe(false);
    expect((await laptop.post("/two-factor/verify-totp", { code: totp(secret) })).status).toBe(200);
    expect((await userNamed(email)).twoFactorEnabled).toBe(true);

    // The phone signed in with the password alone, so its session ends; the laptop goes on in a new one.
    expect(await phone.session()).toBeNull();
    const laptopSession = await laptop.session();
    expect(laptopSession?.user.twoFactorEnabled).toBe(true);
    expect((await sessionsOf(user.id)).map((s) => s.id)).toEqual([laptopSession!.session.id]);
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, "user.two_factor_enabled")));
    expect(audit).toHaveLength(1);

    // A sign-in now stops after the password: no session until a fresh code.
    const tablet = new Browser();
    const signIn = await tablet.signIn(email);
    expect(signIn).toMatchObject({ status: 200, body: { twoFactorRedirect: true, twoFactorMethods: ["totp"] } });
    expect(await tablet.session()).toBeNull();
    expect(await sessionsOf(user.id)).toHaveLength(1);
    expect((await tablet.post("/two-factor/verify-totp", { code: wrongTotp(secret) })).body).toMatchObject({ code: "INVALID_CODE" });
    expect(await tablet.session()).toBeNull();
    expect((await tablet.post("/two-factor/verify-totp", { code: totp(secret) })).status).toBe(200);
    expect((await tablet.session())?.user.email).toBe(email);
    // The code step of a sign-in leaves the user's other sessions alone.
    expect(await laptop.session()).not.toBeNull();

    // A backup code stands in for the app, once.
    const first = new Browser();
    await first.signIn(email);
    expect((await first.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status).toBe(200);
    expect(await first.session()).not.toBeNull();
    const second = new Browser();
    await second.signIn(email);
    expect((await second.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).body).toMatchObject({ code: "INVALID_BACKUP_CODE" });
    expect(await second.session()).toBeNull();
    expect((await second.post("/two-factor/verify-backup-code", { code: backupCodes[1] })).status).toBe(200);

    // New backup codes (with the password) replace the old ones.
    expect((await laptop.post("/two-factor/generate-backup-codes", { password: "wrong-password-1" })).status).toBe(400);
    const regenerated = await laptop.post("/two-factor/generate-backup-codes", { password: PASSWORD });
    const newCodes = regenerated.body.backupCodes as string[];
    expect(newCodes).toHaveLength(10);
    const third = new Browser();
    await third.signIn(email);
    expect((await third.post("/two-factor/verify-backup-code", { code: backupCodes[2] })).status).toBe(401);
    expect((await third.post("/two-factor/verify-backup-code", { code: newCodes[0] })).status).toBe(200);

    // Turning it off needs the password; then the password alone signs in again.
    expect((await laptop.post("/two-factor/disable", { password: "wrong-password-1" })).status).toBe(400);
    expect((await laptop.post("/two-factor/disable", { password: PASSWORD })).status).toBe(200);
    expect((await userNamed(email)).twoFactorEnabled).toBe(false);
    const after = new Browser();
    expect((await after.signIn(email)).body).not.toHaveProperty("twoFactorRedirect");
    expect(await after.session()).not.toBeNull();
    const actions = (await handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, user.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["user.two_factor_enabled", "user.backup_codes_generated", "user.two_factor_disabled"]));
  });
});

describe("AUTH_REQUIRE_MFA=admin", () => {
  const code = async (call: Promise<unknown>) =>
    call.then(
      () => "OK",
      (error: unknown) => (error instanceof TRPCError ? error.code : error),
    );

  it("refuses an admin without a second factor everything but their account, and leaves other roles alone", async () => {
    process.env.AUTH_REQUIRE_MFA = "admin";
    const admin = await viewerByEmail(handle.db, demoEmails.admin);
    expect(admin.twoFactorEnabled).toBe(false);
    const unenrolled = callerFor(handle.db, admin);
    await expect(unenrolled.users.list({})).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/two-factor/) });
    expect(await code(unenrolled.terminals.list({}))).toBe("FORBIDDEN");
    expect(await unenrolled.account.get()).toMatchObject({ twoFactorEnabled: false, secondFactorRequired: true });
    expect(await code(unenrolled.account.sessions())).toBe("OK");

    expect(await code(callerFor(handle.db, { ...admin, twoFactorEnabled: true }).users.list({}))).toBe("OK");
    for (const email of [demoEmails.technician, demoEmails.otherMerchant]) {
      const caller = callerFor(handle.db, await viewerByEmail(handle.db, email));
      expect(await code(caller.terminals.list({}))).toBe("OK");
      expect(await caller.account.get()).toMatchObject({ secondFactorRequired: false });
    }

    process.env.AUTH_REQUIRE_MFA = "none";
    expect(await code(unenrolled.users.list({}))).toBe("OK");
  });
});

describe("password change", () => {
  it("needs the current password, ends the user's other sessions and is audited", async () => {
    const email = demoEmails.admin;
    const laptop = new Browser();
    const phone = new Browser();
    await laptop.signIn(email);
    await phone.signIn(email);
    const change = (currentPassword: string) => laptop.post("/change-password", { currentPassword, newPassword: "harbour-lantern-5521", revokeOtherSessions: true });
    expect((await change("wrong-password-1")).body).toMatchObject({ code: "INVALID_PASSWORD" });
    expect(await phone.session()).not.toBeNull();
    expect((await change(PASSWORD)).status).toBe(200);
    expect(await phone.session()).toBeNull();
    const laptopSession = await laptop.session();
    expect(laptopSession).not.toBeNull();
    expect(
      await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.entityId, laptopSession!.user.id), eq(auditLog.action, "user.password_changed"))),
    ).toHaveLength(1);
    expect((await new Browser().signIn(email, "harbour-lantern-5521")).status).toBe(200);
  });
});

describe("account sessions", () => {
  it("lists and ends only the caller's own sessions", async () => {
    const email = demoEmails.technician;
    const desk = new Browser();
    const phone = new Browser("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1");
    await desk.signIn(email);
    await phone.signIn(email);
    const someoneElse = new Browser();
    await someoneElse.signIn(demoEmails.otherMerchant);
    const deskSession = (await desk.session())!.session;
    const phoneSession = (await phone.session())!.session;
    const otherSession = (await someoneElse.session())!.session;

    const caller = callerFor(handle.db, { ...(await viewerByEmail(handle.db, email)), sessionId: deskSession.id });
    const listed = await caller.account.sessions();
    expect(listed.map((s) => s.id).sort()).toEqual([deskSession.id, phoneSession.id].sort());
    expect(listed.find((s) => s.id === deskSession.id)).toMatchObject({ current: true, browser: "Chrome 131", os: "macOS", ipAddress: expect.stringMatching(/^203\.0\.113\./) });
    expect(listed.find((s) => s.id === phoneSession.id)).toMatchObject({ current: false, browser: "Safari 18", os: "iOS" });

    await expect(caller.account.endSession({ id: otherSession.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await someoneElse.session()).not.toBeNull();

    await caller.account.endSession({ id: phoneSession.id });
    expect(await phone.session()).toBeNull();
    expect(await desk.session()).not.toBeNull();
    const [entry] = await handle.db.select().from(auditLog).where(eq(auditLog.action, "user.session_ended"));
    expect(entry).toMatchObject({ entityId: deskSession.userId, changes: { session: phoneSession.id } });
  });
});
