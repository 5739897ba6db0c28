import http from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, sessions, signInFailures, users } from "@/db/schema";
import { createAuth } from "@/server/auth";
import { LOCKOUT_THRESHOLD, pruneSignInFailures } from "@/server/auth/lockout";
import { stampClientAddress } from "@/server/client-ip";
import { createContext } from "@/server/trpc";
import { createTestDatabase, demoCallers, demoEmails, viewerByEmail } from "../helpers/db";

const PASSWORD = "demo-password-1";
let handle: DbHandle;
let auth: ReturnType<typeof createAuth>;
let as: Awaited<ReturnType<typeof demoCallers>>;
let ipCounter = 0;
/** A fresh address per call keeps the per-address limit out of the tests that are not about it. */
const nextIp = () => `198.51.100.${++ipCounter}`;

/** Browsers send the console's cookies (at least the language one) with sign-in, which makes better-auth check the origin. */
function authRequest(path: string, body: unknown, { origin = "http://localhost:3000", ip = nextIp(), cookie = "NEXT_LOCALE=en" }: { origin?: string; ip?: string; cookie?: string } = {}) {
  const url = new URL(`/api/auth${path}`, origin);
  return auth.handler(
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", origin, host: url.host, "x-real-ip": ip, cookie },
      body: JSON.stringify(body),
    }),
  );
}

const signIn = (email: string, password: string, options?: Parameters<typeof authRequest>[2]) => authRequest("/sign-in/email", { email, password }, options);

const sessionCookie = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

const errorCode = async (response: Response) => ((await response.json()) as { code?: string }).code;

beforeAll(async () => {
  handle = await createTestDatabase();
  process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE = "3";
  auth = createAuth(handle.db);
  as = await demoCallers(handle.db);
});
afterAll(async () => {
  delete process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE;
  await handle?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("trusted origins", () => {
  it("signs in at whatever address the demo console is reached by, not only the first one", async () => {
    expect((await signIn(demoEmails.technician, PASSWORD, { origin: "http://localhost:3000" })).status).toBe(200);
    expect((await signIn(demoEmails.technician, PASSWORD, { origin: "http://127.0.0.1:3000" })).status).toBe(200);
    expect((await signIn(demoEmails.technician, PASSWORD, { origin: "http://192.168.1.20:3000" })).status).toBe(200);
  });

  it("still refuses a page of another origin posting to the console", async () => {
    const url = "http://127.0.0.1:3000/api/auth/sign-in/email";
    const response = await auth.handler(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://evil.example", host: "127.0.0.1:3000", "x-real-ip": nextIp(), cookie: "NEXT_LOCALE=en" },
        body: JSON.stringify({ email: demoEmails.technician, password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("INVALID_ORIGIN");
  });

  it("in production trusts exactly BETTER_AUTH_URL and AUTH_TRUSTED_ORIGINS", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("SEED_DEMO", "0");
    vi.stubEnv("BETTER_AUTH_URL", "https://fleet.example.com");
    vi.stubEnv("AUTH_TRUSTED_ORIGINS", "https://fleet-backup.example.com");
    const refused = await signIn(demoEmails.technician, PASSWORD, { origin: "http://127.0.0.1:3000" });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe("INVALID_ORIGIN");
    expect((await signIn(demoEmails.technician, PASSWORD, { origin: "https://fleet.example.com" })).status).toBe(200);
    expect((await signIn(demoEmails.technician, PASSWORD, { origin: "https://fleet-backup.example.com" })).status).toBe(200);
  });
});

describe("the client address", () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    // As server/main.ts: the address is decided once, then the request goes to the auth handler.
    server = http.createServer((req, res) => {
      stampClientAddress(req);
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const headers = new Headers(Object.entries(req.headers).flatMap(([name, value]) => (typeof value === "string" ? [[name, value] as [string, string]] : [])));
        void auth
          .handler(new Request(`http://localhost:3000${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }))
          .then(async (response) => res.writeHead(response.status, { "x-seen-ip": headers.get("x-real-ip") ?? "" }).end(await response.text()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  const post = (forwardedFor: string) =>
    fetch(`${base}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-forwarded-for": forwardedFor, "x-real-ip": forwardedFor },
      body: JSON.stringify({ email: "nobody-xff@example.com", password: "wrong-password-1" }),
    });

  it("ignores a client-sent X-Forwarded-For, so rotating it does not escape the sign-in limit", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) statuses.push((await post(`203.0.113.${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("behind a trusted proxy, takes the hop the proxy appended and nothing the client claimed", async () => {
    vi.stubEnv("TRUST_PROXY", "1");
    const response = await post("203.0.113.50, 192.0.2.77");
    expect(response.headers.get("x-seen-ip")).toBe("192.0.2.77");
  });

  it("records the decided address in the audit log, not the claimed one", async () => {
    const req = { headers: { "x-forwarded-for": "203.0.113.66", "x-real-ip": "203.0.113.67" }, socket: { remoteAddress: "::ffff:127.0.0.1" } } as unknown as http.IncomingMessage;
    stampClientAddress(req);
    const headers = new Headers(req.headers as Record<string, string>);
    const ctx = await createContext({ headers });
    expect(ctx.ip).toBe("127.0.0.1");
    const admin = await viewerByEmail(handle.db, demoEmails.admin);
    const caller = (await import("@/server/root")).createCaller({ ...ctx, db: handle.db, viewer: admin });
    const owner2 = await viewerByEmail(handle.db, demoEmails.otherMerchant);
    await caller.users.endSessions({ id: owner2.id });
    const [entry] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "user.sessions_ended"), eq(auditLog.entityId, owner2.id)));
    expect(entry!.ip).toBe("127.0.0.1");
  });
});

describe("account lockout (PCI DSS 8.3.4)", () => {
  it(`locks an account after ${LOCKOUT_THRESHOLD} failed sign-ins in a row, even for the right password, and audits it`, async () => {
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) expect((await signIn(demoEmails.merchant, "wrong-password-1")).status).toBe(401);
    const locked = await signIn(demoEmails.merchant, PASSWORD);
    expect(locked.status).toBe(401);
    expect(await errorCode(locked)).toBe("SIGN_IN_LOCKED");
    const owner = await viewerByEmail(handle.db, demoEmails.merchant);
    expect(
      await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "user.sign_in_locked"), eq(auditLog.entityId, owner.id))),
    ).toHaveLength(1);
    const listed = await as.admin.users.list({ q: "owner@demo" });
    expect(listed.items[0]!.signInLockedUntil).toBeInstanceOf(Date);
  });

  it("answers an unknown address exactly as a known one, so a lock never tells that an account exists", async () => {
    const codes: (string | undefined)[] = [];
    for (let i = 0; i <= LOCKOUT_THRESHOLD; i++) codes.push(await errorCode(await signIn("no-such-user@example.com", "wrong-password-1")));
    expect(codes.slice(0, LOCKOUT_THRESHOLD)).toEqual(Array(LOCKOUT_THRESHOLD).fill("INVALID_EMAIL_OR_PASSWORD"));
    expect(codes.at(-1)).toBe("SIGN_IN_LOCKED");
  });

  it("opens again after 30 minutes, or earlier when an admin unlocks it (audited); only admins may", async () => {
    const owner = await viewerByEmail(handle.db, demoEmails.merchant);
    for (const caller of [as.technician, as.merchant]) {
      await expect(caller.users.unlockSignIn({ id: owner.id })).rejects.toBeInstanceOf(TRPCError);
    }
    expect(await as.admin.users.unlockSignIn({ id: owner.id })).toEqual({ wasLocked: true });
    expect((await signIn(demoEmails.merchant, PASSWORD)).status).toBe(200);
    expect(
      await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "user.sign_in_unlocked"), eq(auditLog.entityId, owner.id))),
    ).toHaveLength(1);

    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await signIn(demoEmails.merchant, "wrong-password-1");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 31 * 60_000);
    expect((await signIn(demoEmails.merchant, PASSWORD)).status).toBe(200);
  });

  it("forgets failures a day old that hold no lock, and keeps a lock until it runs out", async () => {
    await handle.db.insert(signInFailures).values([
      { email: "old@example.com", failures: 3, lastFailedAt: new Date(Date.now() - 25 * 3_600_000) },
      { email: "recent@example.com", failures: 3, lastFailedAt: new Date() },
      { email: "locked@example.com", failures: 0, lastFailedAt: new Date(Date.now() - 25 * 3_600_000), lockedUntil: new Date(Date.now() + 60_000) },
    ]);
    await pruneSignInFailures(handle.db);
    const left = (await handle.db.select({ email: signInFailures.email }).from(signInFailures)).map((r) => r.email);
    expect(left).toEqual(expect.arrayContaining(["recent@example.com", "locked@example.com"]));
    expect(left).not.toContain("old@example.com");
  });

  it("counts only failures in a row: a success starts the count again", async () => {
    for (let i = 0; i < LOCKOUT_THRESHOLD - 1; i++) await signIn(demoEmails.technician, "wrong-password-1");
    expect((await signIn(demoEmails.technician, PASSWORD)).status).toBe(200);
    for (let i = 0; i < LOCKOUT_THRESHOLD - 1; i++) await signIn(demoEmails.technician, "wrong-password-1");
    expect((await signIn(demoEmails.technician, PASSWORD)).status).toBe(200);
  });
});

describe("password policy (PCI DSS 8.3.6)", () => {
  const create = (password: string, email = "new.cashier@bakery.example") => as.admin.users.create({ name: "New", email, password, role: "admin", merchantId: null });

  it("refuses short and common passwords and the e-mail address, on the password field", async () => {
    for (const password of ["eleven-char", "password1234", "Qwertyuiop12!", "111111111111", "new.cashier-2026"]) {
      const error = await create(password).then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
      expect(error?.code, password).toBe("BAD_REQUEST");
      expect((error as TRPCError & { cause?: { details?: { field?: string } } }).message, password).toBeTruthy();
    }
    expect(await handle.db.select().from(users).where(eq(users.email, "new.cashier@bakery.example"))).toHaveLength(0);
    await expect(create("orange-tractor-harbour")).resolves.toMatchObject({ email: "new.cashier@bakery.example" });
  });

  it("applies to an admin's reset too", async () => {
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    await expect(as.admin.users.setPassword({ id: tech.id, password: "letmein12345" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("applies to a user's own change, which needs the current password and ends their other sessions", async () => {
    const changer = await as.admin.users.create({ name: "Changer", email: "changer@bakery.example", password: "first-quiet-lantern", role: "admin", merchantId: null });
    const first = sessionCookie(await signIn("changer@bakery.example", "first-quiet-lantern"));
    await signIn("changer@bakery.example", "first-quiet-lantern");
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, changer.id))).toHaveLength(2);

    const change = (currentPassword: string, newPassword: string) => authRequest("/change-password", { currentPassword, newPassword, revokeOtherSessions: true }, { cookie: first });
    const common = await change("first-quiet-lantern", "iloveyou1234");
    expect(common.status).toBe(400);
    expect(await errorCode(common)).toBe("PASSWORD_POLICY");
    expect((await change("first-quiet-lantern", "changer@bakery.example!")).status).toBe(400);
    expect((await change("not-the-current-one", "second-quiet-lantern")).status).toBeGreaterThanOrEqual(400);
    expect((await change("first-quiet-lantern", "second-quiet-lantern")).status).toBe(200);
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, changer.id))).toHaveLength(1);
    expect((await signIn("changer@bakery.example", "second-quiet-lantern")).status).toBe(200);
  });
});

describe("sessions (PCI DSS 8.2.8)", () => {
  const getSession = (cookie: string) =>
    auth.handler(new Request("http://localhost:3000/api/auth/get-session", { headers: { cookie, "x-real-ip": nextIp() } })).then((r) => r.json() as Promise<{ session: { id: string } } | null>);

  it("ends a session after 15 minutes without a request", async () => {
    const cookie = sessionCookie(await signIn(demoEmails.admin, PASSWORD));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 14 * 60_000);
    expect(await getSession(cookie)).not.toBeNull();
    // The request at 14 minutes counted as activity: 14 more are fine, 16 idle are not.
    vi.setSystemTime(Date.now() + 14 * 60_000);
    expect(await getSession(cookie)).not.toBeNull();
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect(await getSession(cookie)).toBeNull();
  });

  it("ends a session 12 hours after sign-in however active it was", async () => {
    const cookie = sessionCookie(await signIn(demoEmails.admin, PASSWORD));
    vi.useFakeTimers({ toFake: ["Date"] });
    for (let minutes = 10; minutes < 12 * 60; minutes += 10) {
      vi.setSystemTime(Date.now() + 10 * 60_000);
      expect(await getSession(cookie), `after ${minutes} minutes`).not.toBeNull();
    }
    vi.setSystemTime(Date.now() + 10 * 60_000);
    expect(await getSession(cookie)).toBeNull();
  });

  it("lets an admin end every session of a user (audited); others may not", async () => {
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const cookie = sessionCookie(await signIn(demoEmails.technician, PASSWORD));
    await expect(as.merchant.users.endSessions({ id: tech.id })).rejects.toBeInstanceOf(TRPCError);
    expect(await getSession(cookie)).not.toBeNull();
    const { ended } = await as.admin.users.endSessions({ id: tech.id });
    expect(ended).toBeGreaterThan(0);
    expect(await getSession(cookie)).toBeNull();
    await expect(as.admin.users.endSessions({ id: "no-such-user" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
