import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { activations, auditLog, deviceTokens, smsOutbox, terminals } from "@/db/schema";
import { activationRequestEndpoint, activationVerifyEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest } from "@/server/device-api/http";
import { requestActivation, verifyActivation } from "@/server/services/activation";
import { deliverDueSms, RETRY_DELAYS_SECONDS } from "@/server/sms/outbox";
import { createTestDatabase, demoCallers } from "../helpers/db";

// Tests with an injected clock use past dates, so their rows never count against real-time requests.
// The SMS goes to a local stub of a company's SMS gateway (SMS_PROVIDER=webhook); the tests read
// the codes from what the stub received, as the merchant reads them from the phone.
let handle: DbHandle;
let gateway: http.Server;
let received: { to: string; body: string; template: string; params: { code: string } }[] = [];
let gatewayStatus = 200;
const DEMO_COFFEE_PHONE = "+8613800138000";
let ipCounter = 0;
const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

function call(endpoint: typeof activationRequestEndpoint | typeof activationVerifyEndpoint, body: unknown, ip = freshIp()) {
  return handleDeviceRequest(
    handle.db,
    endpoint as typeof activationRequestEndpoint,
    new Request("http://localhost/api/device/v1/activation", { method: "POST", headers: { "content-type": "application/json", "x-real-ip": ip }, body: JSON.stringify(body) }),
  );
}
const request = (serialNumber: string, phone = DEMO_COFFEE_PHONE, ip?: string) => call(activationRequestEndpoint, { serialNumber, phone }, ip);
const verify = (serialNumber: string, code: string) => call(activationVerifyEndpoint, { serialNumber, code });

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; attemptsLeft?: number } }).error;
}

/** The code of the latest SMS to arrive for the terminal. */
async function codeFor(serialNumber: string) {
  for (let i = 0; i < 50; i++) {
    const sms = received.findLast((m) => m.body.includes(serialNumber));
    if (sms) return sms.params.code;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no SMS for ${serialNumber}`);
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

beforeAll(async () => {
  handle = await createTestDatabase();
  gateway = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (gatewayStatus === 200) received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(gatewayStatus).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  process.env.SMS_PROVIDER = "webhook";
  process.env.SMS_WEBHOOK_URL = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
});
afterAll(async () => {
  delete process.env.SMS_PROVIDER;
  delete process.env.SMS_WEBHOOK_URL;
  await new Promise((resolve) => gateway?.close(resolve));
  await handle?.close();
});
beforeEach(() => {
  received = [];
  gatewayStatus = 200;
});

describe("POST /activation/request", () => {
  it("sends a 6-digit code to the registered phone, accepting a Chinese mobile without +86", async () => {
    const response = await request("demo-0101", "138 0013 8000");
    expect(response.status).toBe(202);
    const body = (await response.json()) as { activationId: string; expiresAt: string; resendAfterSeconds: number };
    expect(body.resendAfterSeconds).toBe(60);
    expect(new Date(body.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const code = await codeFor("DEMO-0101");
    expect(code).toMatch(/^\d{6}$/);
    const sms = received.at(-1)!;
    expect(sms).toMatchObject({ to: DEMO_COFFEE_PHONE, template: "activation_code" });
    expect(sms.body.match(/\b\d{6}\b/g)).toEqual([code]);
    // Stored only as a keyed hash, masked in the outbox, never in the audit log.
    const [row] = await handle.db.select().from(activations).where(eq(activations.id, body.activationId));
    expect(row!.codeHash).not.toContain(code);
    expect(row!.codeHash).toHaveLength(64);
    // The gateway has the message before the sender records it as sent: wait for that record.
    const outboxRow = async () => (await handle.db.select().from(smsOutbox).where(eq(smsOutbox.activationId, body.activationId)))[0];
    await expect.poll(async () => (await outboxRow())?.status).toBe("sent");
    const outbox = [await outboxRow()];
    expect(outbox[0]).toMatchObject({ status: "sent", secret: null });
    expect(outbox[0]!.preview).not.toContain(code);
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.changes}::text like ${`%${code}%`}`);
    expect(audit).toEqual([]);
  });

  it("refuses an unknown serial, an active terminal and a phone that is not the merchant's", async () => {
    expect((await request("NOPE-0001")).status).toBe(404);
    const active = await request("DEMO-0001");
    expect(active.status).toBe(409);
    const wrongPhone = await request("DEMO-0102", "+8613900139000");
    expect(wrongPhone.status).toBe(422);
    expect((await errorOf(wrongPhone)).code).toBe("phone_not_registered");
    const badPhone = await request("DEMO-0102", "12");
    expect(badPhone.status).toBe(400);
    expect((await errorOf(badPhone)).code).toBe("invalid_request");
    const refusals = await handle.db.select().from(auditLog).where(eq(auditLog.action, "activation.request_refused"));
    expect(refusals.length).toBeGreaterThanOrEqual(3);
  });

  it("sends one code per terminal per minute and five per hour", async () => {
    const t0 = new Date("2026-06-01T08:00:00Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const input = { serialNumber: "DEMO-0103", phone: DEMO_COFFEE_PHONE, ip: "10.9.0.1" };
    await requestActivation(handle.db, input, at(0));
    await expect(requestActivation(handle.db, input, at(0.5))).rejects.toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: 30 } });
    for (const minute of [2, 4, 6, 8]) await requestActivation(handle.db, input, at(minute));
    await expect(requestActivation(handle.db, input, at(10))).rejects.toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: 50 * 60 } });
    await requestActivation(handle.db, input, at(61));
    // A new request replaces the old code: one pending at a time.
    const pending = await handle.db
      .select({ n: count() })
      .from(activations)
      .innerJoin(terminals, eq(terminals.id, activations.terminalId))
      .where(and(eq(terminals.serialNumber, "DEMO-0103"), eq(activations.status, "pending")));
    expect(pending[0]!.n).toBe(1);
  });

  it("limits codes per phone (20 an hour, 50 a day) and per address (30 an hour)", async () => {
    const t0 = new Date("2026-06-02T08:00:00Z");
    const serials = ["DEMO-0104", "DEMO-0105", "DEMO-0106", "DEMO-0107", "DEMO-0108", "DEMO-0109", "DEMO-0110"];
    let sent = 0;
    for (let round = 0; sent < 20; round++) {
      for (const serialNumber of serials) {
        if (sent === 20) break;
        await requestActivation(handle.db, { serialNumber, phone: DEMO_COFFEE_PHONE, ip: `10.8.0.${sent}` }, new Date(t0.getTime() + round * 61_000));
        sent++;
      }
    }
    await expect(requestActivation(handle.db, { serialNumber: "DEMO-0110", phone: DEMO_COFFEE_PHONE, ip: "10.8.1.1" }, new Date(t0.getTime() + 10 * 61_000))).rejects.toMatchObject({
      code: "rate_limited",
      message: expect.stringContaining("phone number in the last hour") as unknown,
      details: { retryAfterSeconds: 3600 - 610 }, // when the oldest of the 20 leaves the hour
    });
    // The day and address limits count the same send log; earlier sends stand in for them here.
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0110"));
    // On another terminal, so that terminal's own limits stay out of the way.
    const [other] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0104"));
    const sends = (n: number, createdAt: Date, extra: Partial<typeof activations.$inferInsert> = {}) =>
      Array.from({ length: n }, () => ({
        terminalId: other!.id,
        merchantId: terminal!.merchantId!,
        phone: DEMO_COFFEE_PHONE,
        codeHash: "x",
        status: "replaced" as const,
        createdAt,
        expiresAt: createdAt,
        ...extra,
      }));
    const later = new Date(t0.getTime() + 3 * 3_600_000);
    await handle.db.insert(activations).values(sends(30, new Date(t0.getTime() - 5 * 3_600_000)));
    await expect(requestActivation(handle.db, { serialNumber: "DEMO-0110", phone: DEMO_COFFEE_PHONE, ip: "10.8.2.1" }, later)).rejects.toMatchObject({
      code: "rate_limited",
      message: expect.stringContaining("today") as unknown,
      details: { retryAfterSeconds: 16 * 3600 }, // the oldest of the 50, sent 8 hours before, leaves the day
    });
    const nextDay = new Date(later.getTime() + 86_400_000);
    await handle.db.insert(activations).values(sends(30, new Date(nextDay.getTime() - 1_800_000), { phone: "+8613700000000", requestIp: "10.7.7.7" }));
    await expect(requestActivation(handle.db, { serialNumber: "DEMO-0110", phone: DEMO_COFFEE_PHONE, ip: "10.7.7.7" }, nextDay)).rejects.toMatchObject({
      code: "rate_limited",
      message: expect.stringContaining("address") as unknown,
    });
    await expect(requestActivation(handle.db, { serialNumber: "DEMO-0110", phone: DEMO_COFFEE_PHONE, ip: "10.7.7.8" }, nextDay)).resolves.toMatchObject({ resendAfterSeconds: 60 });
  });

  it("sends exactly one SMS for parallel requests", async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => request("DEMO-0102")));
    expect(responses.map((r) => r.status).sort()).toEqual([202, 429, 429, 429, 429, 429]);
    await codeFor("DEMO-0102");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.filter((m) => m.body.includes("DEMO-0102"))).toHaveLength(1);
  });
});

describe("POST /activation/verify", () => {
  it("activates the terminal once with the right code and returns its device token", async () => {
    expect((await request("DEMO-0106", DEMO_COFFEE_PHONE)).status).toBe(202);
    const code = await codeFor("DEMO-0106");
    const wrong = await verify("DEMO-0106", otherCode(code));
    expect(wrong.status).toBe(422);
    expect(await errorOf(wrong)).toMatchObject({ code: "invalid_code", attemptsLeft: 4 });
    const responses = await Promise.all(Array.from({ length: 4 }, () => verify("DEMO-0106", code)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const ok = (await responses.find((r) => r.status === 200)!.json()) as { deviceToken: string; terminal: Record<string, unknown>; heartbeatIntervalSeconds: number };
    expect(ok.deviceToken).toMatch(/^pfd_/);
    expect(ok.terminal).toMatchObject({ serialNumber: "DEMO-0106", status: "active" });
    expect(ok.heartbeatIntervalSeconds).toBe(300);
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0106"));
    expect(terminal!.status).toBe("active");
    expect(terminal!.activatedAt).not.toBeNull();
    const tokens = await handle.db.select().from(deviceTokens).where(eq(deviceTokens.terminalId, terminal!.id));
    expect(tokens).toHaveLength(1);
  });

  it("judges at most five wrong codes, even in parallel, then locks until a new request", async () => {
    expect((await request("DEMO-0105", DEMO_COFFEE_PHONE)).status).toBe(202);
    const code = await codeFor("DEMO-0105");
    const responses = await Promise.all(Array.from({ length: 9 }, () => verify("DEMO-0105", otherCode(code))));
    const codes = await Promise.all(responses.map(async (r) => (await errorOf(r)).code));
    expect(codes.filter((c) => c === "invalid_code")).toHaveLength(4);
    expect(codes.filter((c) => c === "activation_locked")).toHaveLength(5);
    const [row] = await queryRows<{ wrong_attempts: number; status: string }>(
      handle.db,
      sql`select a.wrong_attempts, a.status from activations a join terminals t on t.id = a.terminal_id where t.serial_number = 'DEMO-0105' order by a.created_at desc limit 1`,
    );
    expect(row).toEqual({ wrong_attempts: 5, status: "locked" });
    expect((await errorOf(await verify("DEMO-0105", code))).code).toBe("activation_locked");
    expect(await handle.db.select().from(auditLog).where(eq(auditLog.action, "activation.locked"))).toHaveLength(1);
  });

  it("refuses an expired code and a malformed one", async () => {
    const t0 = new Date("2026-06-05T08:00:00Z");
    await requestActivation(handle.db, { serialNumber: "DEMO-0107", phone: DEMO_COFFEE_PHONE, ip: null }, t0);
    const tooLate = new Date(t0.getTime() + 10 * 60_000 + 1000);
    // Expiry is judged before the code, so any code shows it.
    await expect(verifyActivation(handle.db, { serialNumber: "DEMO-0107", code: "000000", ip: null }, tooLate)).rejects.toMatchObject({ details: { code: "code_expired" } });
    await expect(verifyActivation(handle.db, { serialNumber: "DEMO-0107", code: "000000", ip: null }, new Date(t0.getTime() + 60_000))).rejects.toMatchObject({
      details: { code: "invalid_code", attemptsLeft: 4 },
    });
    expect((await errorOf(await verify("DEMO-0107", "12ab56"))).code).toBe("invalid_request");
  });
});

describe("a code sent before the terminal changed", () => {
  it("does not activate a terminal retired or moved since, and is not delivered late", async () => {
    const as = await demoCallers(handle.db);
    const t0 = new Date("2026-06-08T08:00:00Z");
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0104"));
    const { activationId } = await requestActivation(handle.db, { serialNumber: "DEMO-0104", phone: DEMO_COFFEE_PHONE, ip: null }, new Date(t0.getTime() + 3_600_000));
    await as.admin.terminals.setStatus({ id: terminal!.id, status: "retired" });
    const [activation] = await handle.db.select().from(activations).where(eq(activations.id, activationId));
    expect(activation!.status).toBe("cancelled");
    const [sms] = await handle.db.select().from(smsOutbox).where(eq(smsOutbox.activationId, activationId));
    expect(sms).toMatchObject({ status: "failed", secret: null });
    await expect(verifyActivation(handle.db, { serialNumber: "DEMO-0104", code: "000000", ip: null }, t0)).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("SMS delivery", () => {
  it("retries a failing provider with back-off and ends the activation when it gives up", async () => {
    gatewayStatus = 503;
    const t0 = new Date("2026-06-06T08:00:00Z");
    const { activationId } = await requestActivation(handle.db, { serialNumber: "DEMO-0108", phone: DEMO_COFFEE_PHONE, ip: null }, t0);
    const own = async () => (await handle.db.select().from(smsOutbox).where(eq(smsOutbox.activationId, activationId)))[0]!;
    let now = t0;
    for (let attempt = 1; attempt <= 5; attempt++) {
      await deliverDueSms(handle.db, now);
      expect(await own()).toMatchObject({ attempts: attempt, status: attempt === 5 ? "failed" : "queued" });
      if (attempt === 5) break;
      const delay = RETRY_DELAYS_SECONDS[attempt - 1]! * 1000;
      await deliverDueSms(handle.db, new Date(now.getTime() + delay - 1000));
      expect((await own()).attempts).toBe(attempt); // not due again before its back-off
      now = new Date(now.getTime() + delay);
    }
    const [sms] = await handle.db.select().from(smsOutbox).where(eq(smsOutbox.activationId, activationId));
    expect(sms).toMatchObject({ status: "failed", attempts: 5, secret: null });
    expect(sms!.lastError).toContain("503");
    const [activation] = await handle.db.select().from(activations).where(eq(activations.id, activationId));
    expect(activation!.status).toBe("failed");
  });
});

describe("activations in the console", () => {
  it("are shown within the viewer's scope, with the phone masked", async () => {
    const as = await demoCallers(handle.db);
    const all = await as.admin.activations.list({});
    expect(all.total).toBeGreaterThan(0);
    expect(all.items.every((a) => a.phone.includes("****") && !a.phone.includes("13800138000"))).toBe(true);
    expect((await as.technician.activations.list({})).total).toBe(all.total); // all are Demo Coffee's
    expect((await as.merchant.activations.list({ q: "DEMO-0106" })).items[0]).toMatchObject({ serialNumber: "DEMO-0106", status: "verified" });
    expect((await as.otherMerchant.activations.list({})).total).toBe(0);
    const outbox = await as.admin.activations.outbox({});
    expect(outbox.items.length).toBeGreaterThan(0);
    expect(outbox.items.every((m) => !/\b\d{6}\b/.test(m.preview))).toBe(true);
  });

  it("can be cancelled by an admin, after which the code no longer works", async () => {
    const as = await demoCallers(handle.db);
    const t0 = new Date("2026-06-07T08:00:00Z");
    const { activationId } = await requestActivation(handle.db, { serialNumber: "DEMO-0109", phone: DEMO_COFFEE_PHONE, ip: null }, t0);
    await as.admin.activations.cancel({ id: activationId });
    await expect(as.admin.activations.cancel({ id: activationId })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(verifyActivation(handle.db, { serialNumber: "DEMO-0109", code: "000000", ip: null }, t0)).rejects.toMatchObject({ code: "conflict" });
    await expect(as.merchant.activations.cancel({ id: activationId })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
