import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, terminals } from "@/db/schema";
import { activationRequestEndpoint, activationVerifyEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest } from "@/server/device-api/http";
import { createTestDatabase, demoCallers, demoEmails, viewerByEmail } from "../helpers/db";

// DESIGN.md, Device API activation rules: wrong codes also count per terminal across requests
// (NIST SP 800-63B-4); 10 within 24 hours block the terminal until an admin unblocks it.
// Only Date is faked, so requests can be spaced past the one-code-a-minute limit without waiting.
// The codes come from a local stub of an SMS gateway, as the merchant reads them from the phone.
let handle: DbHandle;
let gateway: http.Server;
const received: { body: string; params: { code: string } }[] = [];
const SERIAL = "DEMO-0101";

function call(endpoint: typeof activationRequestEndpoint | typeof activationVerifyEndpoint, body: unknown) {
  return handleDeviceRequest(
    handle.db,
    endpoint as typeof activationRequestEndpoint,
    new Request("http://localhost/api/device/v1/activation", { method: "POST", headers: { "content-type": "application/json", "x-real-ip": "10.20.0.1" }, body: JSON.stringify(body) }),
  );
}
const request = () => call(activationRequestEndpoint, { serialNumber: SERIAL, phone: "+8613800138000" });
const verify = (code: string) => call(activationVerifyEndpoint, { serialNumber: SERIAL, code });

async function errorOf(response: Response) {
  expect(response.status).toBe(422);
  return ((await response.json()) as { error: { code: string; attemptsLeft?: number } }).error;
}

/** Asks for a code and returns it as the SMS brought it. */
async function newCode(): Promise<string> {
  const before = received.length;
  expect((await request()).status).toBe(202);
  await vi.waitFor(() => expect(received.length).toBeGreaterThan(before), { timeout: 5000 });
  return received.at(-1)!.params.code;
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

let clock = Date.now();
const later = (minutes: number) => vi.setSystemTime((clock += minutes * 60_000));

beforeAll(async () => {
  handle = await createTestDatabase();
  gateway = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  process.env.SMS_PROVIDER = "webhook";
  process.env.SMS_WEBHOOK_URL = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(clock);
});
afterAll(async () => {
  vi.useRealTimers();
  delete process.env.SMS_PROVIDER;
  delete process.env.SMS_WEBHOOK_URL;
  await new Promise((resolve) => gateway?.close(resolve));
  await handle?.close();
});

describe("wrong activation codes per terminal", () => {
  it("count across requests, and the 10th within 24 hours blocks the terminal until an admin unblocks it", async () => {
    const as = await demoCallers(handle.db);

    // Three wrong codes on the first code, then a new request: it replaces the code, not the count.
    const first = await newCode();
    for (const left of [4, 3, 2]) expect(await errorOf(await verify(wrong(first)))).toMatchObject({ code: "invalid_code", attemptsLeft: left });
    later(2);
    const second = await newCode();
    for (const left of [4, 3, 2, 1]) expect(await errorOf(await verify(wrong(second)))).toMatchObject({ code: "invalid_code", attemptsLeft: left });
    expect((await errorOf(await verify(wrong(second)))).code).toBe("activation_locked");

    // Eight so far: the third code has two tries left, and the console says so too.
    later(2);
    const third = await newCode();
    expect((await as.merchant.activations.list({ q: SERIAL, status: "pending" })).items[0]).toMatchObject({ serialNumber: SERIAL, attemptsLeft: 2 });
    expect(await errorOf(await verify(wrong(third)))).toMatchObject({ code: "invalid_code", attemptsLeft: 1 });
    expect((await errorOf(await verify(wrong(third)))).code).toBe("activation_blocked");

    // Blocked: no new code, and not even the right one activates, also a day later.
    later(2);
    expect((await errorOf(await request())).code).toBe("activation_blocked");
    expect((await errorOf(await verify(third))).code).toBe("activation_blocked");
    later(25 * 60);
    expect((await errorOf(await request())).code).toBe("activation_blocked");

    // The activations page lists it within each viewer's scope; only an admin may unblock it.
    expect(await as.admin.activations.blocked()).toEqual([{ serialNumber: SERIAL, merchantName: "Demo Coffee", wrongCodes: 10 }]);
    expect((await as.technician.activations.blocked()).map((t) => t.serialNumber)).toEqual([SERIAL]);
    expect((await as.merchant.activations.blocked()).map((t) => t.serialNumber)).toEqual([SERIAL]);
    expect(await as.otherMerchant.activations.blocked()).toEqual([]);
    await expect(as.merchant.activations.unblock({ serialNumber: SERIAL })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as.technician.activations.unblock({ serialNumber: SERIAL })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await errorOf(await request())).code).toBe("activation_blocked");

    expect(await as.admin.activations.unblock({ serialNumber: SERIAL.toLowerCase() })).toEqual({ serialNumber: SERIAL, wrongCodes: 10 });
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, SERIAL));
    const admin = await viewerByEmail(handle.db, demoEmails.admin);
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "activation.unblocked"), eq(auditLog.entityId, terminal!.id)));
    expect(audit).toEqual([expect.objectContaining({ actorId: admin.id, merchantId: terminal!.merchantId, changes: { wrongCodes: 10 } })]);
    await expect(as.admin.activations.unblock({ serialNumber: SERIAL })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await as.admin.activations.blocked()).toEqual([]);

    // A fresh start: a new code, five tries on it, and the right one activates.
    later(1);
    const fresh = await newCode();
    expect(await errorOf(await verify(wrong(fresh)))).toMatchObject({ code: "invalid_code", attemptsLeft: 4 });
    const ok = await verify(fresh);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ terminal: { serialNumber: SERIAL, status: "active" } });
  });
});
