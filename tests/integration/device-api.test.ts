import { and, count, desc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { checkinRollups, checkins, dailyActivity, terminals, users } from "@/db/schema";
import { heartbeatEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest, MAX_BODY_BYTES } from "@/server/device-api/http";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { setTerminalStatus } from "@/server/services/terminals";
import { GET as unknownPath } from "@/app/api/device/v1/[...path]/route";
import { GET as heartbeatGet } from "@/app/api/device/v1/heartbeat/route";
import { createTestDatabase } from "../helpers/db";

let handle: DbHandle;
const admin = { id: null, label: "test", ip: null };

async function tokenFor(serialNumber: string) {
  const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
  return { terminal: terminal!, token: (await reissueDeviceToken(handle.db, admin, terminal!.id)).deviceToken };
}

function heartbeat(token: string | null, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return handleDeviceRequest(
    handle.db,
    heartbeatEndpoint,
    new Request("http://localhost/api/device/v1/heartbeat", {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: raw,
    }),
  );
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());
afterEach(() => {
  delete process.env.DEVICE_RATE_LIMIT_PER_MINUTE;
});

describe("POST /heartbeat", () => {
  it("stores the latest state and the history, and answers per the contract", async () => {
    const { terminal, token } = await tokenFor("DEMO-0003");
    const response = await heartbeat(token, {
      firmwareVersion: "11.6.1",
      batteryPercent: 87,
      signalDbm: -71,
      network: "wifi",
      errors: [{ code: "PRINTER_PAPER_OUT", message: "Paper out" }],
      transactionsSinceLast: 12,
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(["commands", "nextHeartbeatSeconds", "notices", "serverTime", "update"]);
    expect(body).toMatchObject({ nextHeartbeatSeconds: 300, update: null, notices: [], commands: [] });
    expect(new Date(body.serverTime).toISOString()).toBe(body.serverTime);

    const [after] = await handle.db.select().from(terminals).where(eq(terminals.id, terminal.id));
    expect(after).toMatchObject({ firmwareVersion: "11.6.1", batteryPercent: 87, signalDbm: -71, network: "wifi", errorCount: 1, connectivity: "online" });
    expect(after!.lastErrors).toEqual([{ code: "PRINTER_PAPER_OUT", message: "Paper out" }]);
    expect(after!.lastSeenAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const [latest] = await handle.db.select().from(checkins).where(eq(checkins.terminalId, terminal.id)).orderBy(desc(checkins.at)).limit(1);
    expect(latest).toMatchObject({ transactions: 12, batteryPercent: 87, errors: [{ code: "PRINTER_PAPER_OUT", message: "Paper out" }] });
    // The check-in's hour in the rollups: the first of this hour (the seeded history is older).
    const [rollup] = await handle.db.select().from(checkinRollups).where(eq(checkinRollups.terminalId, terminal.id)).orderBy(desc(checkinRollups.periodStart)).limit(1);
    expect(rollup).toMatchObject({ transactions: 12, errors: 1, checkins: 1, batterySum: 87, batteryMin: 87, signalSum: -71, network: "wifi", firmwareVersion: "11.6.1" });
    const activity = await handle.db.select().from(dailyActivity).where(eq(dailyActivity.merchantId, terminal.merchantId!));
    expect(activity.reduce((sum, a) => sum + a.transactions, 0)).toBeGreaterThanOrEqual(12);
  });

  it("accepts the minimal body and keeps values it did not report", async () => {
    const { terminal, token } = await tokenFor("DEMO-0004");
    const before = terminal.batteryPercent;
    expect((await heartbeat(token, { firmwareVersion: "3.1.1" })).status).toBe(200);
    const [after] = await handle.db.select().from(terminals).where(eq(terminals.id, terminal.id));
    expect(after!.batteryPercent).toBe(before);
    expect(after!.errorCount).toBe(0);
  });

  it("refuses bad JSON, wrong types and out-of-range values with 400, naming the field", async () => {
    const { token } = await tokenFor("DEMO-0005");
    await expectError(await heartbeat(token, "{not json"), 400, "invalid_request");
    await expectError(await heartbeat(token, ""), 400, "invalid_request");
    const missing = await expectError(await heartbeat(token, {}), 400, "invalid_request");
    expect(missing.message).toContain("firmwareVersion");
    const battery = await expectError(await heartbeat(token, { firmwareVersion: "1", batteryPercent: 101 }), 400, "invalid_request");
    expect(battery.message).toContain("batteryPercent");
    const type = await expectError(await heartbeat(token, { firmwareVersion: "1", transactionsSinceLast: "12" }), 400, "invalid_request");
    expect(type.message).toContain("transactionsSinceLast");
    await expectError(await heartbeat(token, { firmwareVersion: "1", transactionsSinceLast: -1 }), 400, "invalid_request");
    await expectError(await heartbeat(token, { firmwareVersion: "1", network: "satellite" }), 400, "invalid_request");
    await expectError(await heartbeat(token, { firmwareVersion: "1", errors: [{ message: "no code" }] }), 400, "invalid_request");
    await expectError(await heartbeat(token, [1, 2]), 400, "invalid_request");
  });

  it("refuses a body over 64 KiB with 413, declared or not", async () => {
    const { token } = await tokenFor("DEMO-0006");
    const big = JSON.stringify({ firmwareVersion: "1", pad: "x".repeat(MAX_BODY_BYTES) });
    await expectError(await heartbeat(token, big), 413, "payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await handleDeviceRequest(
      handle.db,
      heartbeatEndpoint,
      new Request("http://localhost/api/device/v1/heartbeat", { method: "POST", headers: { authorization: `Bearer ${token}` }, body: stream, duplex: "half" } as RequestInit),
    );
    await expectError(response, 413, "payload_too_large");
  });

  it("answers 401 for a missing, unknown or revoked token and for a suspended terminal", async () => {
    await expectError(await heartbeat(null, { firmwareVersion: "1" }), 401, "unauthorized");
    await expectError(await heartbeat("pfd_this-token-does-not-exist", { firmwareVersion: "1" }), 401, "unauthorized");
    const first = await tokenFor("DEMO-0007");
    const second = await tokenFor("DEMO-0007");
    await expectError(await heartbeat(first.token, { firmwareVersion: "1" }), 401, "unauthorized");
    expect((await heartbeat(second.token, { firmwareVersion: "1" })).status).toBe(200);
    await setTerminalStatus(handle.db, admin, { id: second.terminal.id, status: "suspended" });
    await expectError(await heartbeat(second.token, { firmwareVersion: "1" }), 401, "unauthorized");
    // Reinstating does not bring the old token back: a stolen terminal's token stays dead.
    await setTerminalStatus(handle.db, admin, { id: second.terminal.id, status: "active" });
    await expectError(await heartbeat(second.token, { firmwareVersion: "1" }), 401, "unauthorized");
  });

  it("rate-limits each token with 429 and Retry-After, also under concurrent requests", async () => {
    process.env.DEVICE_RATE_LIMIT_PER_MINUTE = "5";
    const { token } = await tokenFor("DEMO-0008");
    const responses = await Promise.all(Array.from({ length: 8 }, () => heartbeat(token, { firmwareVersion: "1.9.0" })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(limited, 429, "rate_limited");
    // Another token is not affected.
    const other = await tokenFor("DEMO-0009");
    expect((await heartbeat(other.token, { firmwareVersion: "3.1.1" })).status).toBe(200);
  });

  it("checks tokens in the statement that stores the check-ins: a refused one stores nothing, and refusals come before a bad body", async () => {
    process.env.DEVICE_RATE_LIMIT_PER_MINUTE = "2";
    const valid = await tokenFor("DEMO-0015");
    const limited = await tokenFor("DEMO-0016");
    const revoked = await tokenFor("DEMO-0017");
    await tokenFor("DEMO-0017");
    const suspended = await tokenFor("DEMO-0018");
    await setTerminalStatus(handle.db, admin, { id: suspended.terminal.id, status: "suspended" });
    const stored = async () => (await handle.db.select({ n: count() }).from(checkins))[0]!.n;
    const lastSeen = async (id: string) => (await handle.db.select({ at: terminals.lastSeenAt }).from(terminals).where(eq(terminals.id, id)))[0]!.at;
    const before = { rows: await stored(), suspended: await lastSeen(suspended.terminal.id), revoked: await lastSeen(revoked.terminal.id) };

    // One batch: the check-in statement takes them together.
    const tokens = [valid.token, "pfd_this-token-does-not-exist", revoked.token, suspended.token, limited.token, limited.token, limited.token];
    const statuses = await Promise.all(tokens.map((token) => heartbeat(token, { firmwareVersion: "4.0.0" }).then((r) => r.status)));
    expect(statuses.slice(0, 4)).toEqual([200, 401, 401, 401]);
    expect(statuses.slice(4).sort()).toEqual([200, 200, 429]);
    expect(await stored()).toBe(before.rows + 3);
    expect(await lastSeen(suspended.terminal.id)).toEqual(before.suspended);
    expect(await lastSeen(revoked.terminal.id)).toEqual(before.revoked);

    // A bad body: a bad token is still refused first, a rate-limited one too; a good token's request is counted.
    await expectError(await heartbeat("pfd_this-token-does-not-exist", { batteryPercent: "full" }), 401, "unauthorized");
    await expectError(await heartbeat(limited.token, "{not json"), 429, "rate_limited");
    await expectError(await heartbeat(valid.token, { batteryPercent: "full" }), 400, "invalid_request");
    await expectError(await heartbeat(valid.token, { firmwareVersion: "4.0.0" }), 429, "rate_limited");
    expect(await stored()).toBe(before.rows + 3);
  });

  it("records every one of many concurrent check-ins", async () => {
    const fleet = await Promise.all(["DEMO-0010", "DEMO-0011", "DEMO-0012", "DEMO-0013", "DEMO-0014"].map(tokenFor));
    const count0 = (await handle.db.select({ n: count() }).from(checkins))[0]!.n;
    const responses = await Promise.all(fleet.flatMap(({ token }) => Array.from({ length: 10 }, (_, i) => heartbeat(token, { firmwareVersion: "2.3.1", transactionsSinceLast: i }))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect((await handle.db.select({ n: count() }).from(checkins))[0]!.n).toBe(count0 + 50);
    const [one] = await handle.db
      .select({ n: count() })
      .from(checkins)
      .where(and(eq(checkins.terminalId, fleet[0]!.terminal.id)));
    expect(one!.n).toBeGreaterThanOrEqual(10);
  });
});

describe("other paths", () => {
  it("answer 404 in the contract's shape", async () => {
    await expectError(unknownPath(), 404, "not_found");
    await expectError(heartbeatGet(), 405, "method_not_allowed");
  });
});

describe("re-issuing a token", () => {
  it("is refused for a terminal in stock, which must be activated", async () => {
    const [inStock] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0101"));
    await expect(reissueDeviceToken(handle.db, admin, inStock!.id)).rejects.toThrow(/activation/);
    expect(await handle.db.select().from(users).limit(1)).toHaveLength(1);
  });
});
