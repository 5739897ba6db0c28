import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { merchants, terminals } from "@/db/schema";
import { eventConcernsScope, fleetEventPayload, fleetEventPayloadSql, fleetEventStream } from "@/server/services/fleet-events";
import { recordCheckIns } from "@/server/services/heartbeat";
import { createNotice, publishNotice } from "@/server/services/notices";
import { uuidArray } from "@/server/services/sql-text";
import { setTerminalStatus } from "@/server/services/terminals";
import { createTestDatabase } from "../helpers/db";

let handle: DbHandle;
const actor = { id: null, label: "test", ip: null };

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

async function merchantId(name: string) {
  const [m] = await handle.db.select({ id: merchants.id }).from(merchants).where(eq(merchants.name, name));
  return m!.id;
}

async function terminal(serialNumber: string) {
  const [t] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
  return t!;
}

/** Opens a stream as the given scope and collects what it sends until `ms` have passed. */
async function collect(scope: Parameters<typeof fleetEventStream>[1], ms: number, during: () => Promise<unknown>) {
  const abort = new AbortController();
  const reader = fleetEventStream(handle, scope, abort.signal, async () => true).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value);
    }
  })();
  // The stream says it is connected once the LISTEN is in place.
  for (let i = 0; i < 200 && !text.includes(": connected"); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(text).toContain(": connected");
  await during();
  await new Promise((resolve) => setTimeout(resolve, ms));
  abort.abort();
  await reading;
  return text;
}

describe("live fleet events", () => {
  it("reach a console watching the merchant when one of its terminals checks in", async () => {
    const t = await terminal("DEMO-0002");
    const checkIn = () => recordCheckIns(handle.db, [{ device: { terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId }, report: { firmwareVersion: "1.0.0" }, at: new Date() }]);
    const text = await collect({ kind: "merchants", merchantIds: [t.merchantId!] }, 2500, async () => {
      await checkIn();
      await checkIn();
    });
    expect(text).toContain("retry: 5000");
    // Coalesced: two notifications in quick succession give one event.
    expect(text.match(/event: terminals/g)).toHaveLength(1);
  });

  it("stay away from a merchant whose terminals did not change", async () => {
    const t = await terminal("DEMO-0003");
    const bakery = await merchantId("Other Bakery");
    const text = await collect({ kind: "merchants", merchantIds: [bakery] }, 2500, () => setTerminalStatus(handle.db, actor, { id: t.id, status: "faulty" }));
    expect(text).toContain(": connected");
    expect(text).not.toContain("event: terminals");
  });

  it("announce a notice separately, even right after a terminals event, and only to its merchants' consoles", async () => {
    const t = await terminal("DEMO-0004");
    const demo = t.merchantId!;
    const bakery = await merchantId("Other Bakery");
    const notice = {
      title: "Live",
      body: "Now.",
      audience: { everyone: false, merchantIds: [demo], storeIds: [], regions: [], terminalIds: [], modelIds: [], firmwareVersions: [], rolloutId: null, roles: ["merchant" as const] },
      channels: { inbox: true, terminals: false, sms: false },
      severity: "info" as const,
      publishAt: null,
      expiresAt: null,
    };
    const publish = async () => {
      await recordCheckIns(handle.db, [{ device: { terminalId: t.id, serialNumber: t.serialNumber, merchantId: demo }, report: { firmwareVersion: "1.0.0" }, at: new Date() }]);
      const created = await createNotice(handle.db, actor, notice);
      await publishNotice(handle.db, actor, created.id);
    };
    const text = await collect({ kind: "merchants", merchantIds: [demo] }, 2500, publish);
    // Each type has its own pace: the terminals event does not hold the notices event back.
    expect(text.match(/event: terminals/g)).toHaveLength(1);
    expect(text.match(/event: notices/g)).toHaveLength(1);
    const elsewhere = await collect({ kind: "merchants", merchantIds: [bakery] }, 2500, async () => {
      const created = await createNotice(handle.db, actor, notice);
      await publishNotice(handle.db, actor, created.id);
    });
    expect(elsewhere).not.toContain("event: notices");
  });

  it("reach an admin for any merchant's change", async () => {
    const t = await terminal("BAKE-0001");
    const text = await collect({ kind: "all" }, 2500, () => setTerminalStatus(handle.db, actor, { id: t.id, status: "suspended" }));
    expect(text).toContain("event: terminals");
  });
});

describe("event scope", () => {
  it("matches a merchant only for its own terminals, and everyone for a fleet-wide change", () => {
    const scope = { kind: "merchants", merchantIds: ["m1"] } as const;
    expect(eventConcernsScope({ type: "terminals", merchantIds: ["m2", "m1"] }, scope)).toBe(true);
    expect(eventConcernsScope({ type: "terminals", merchantIds: ["m2"] }, scope)).toBe(false);
    expect(eventConcernsScope({ type: "terminals", merchantIds: [] }, scope)).toBe(false);
    expect(eventConcernsScope({ type: "terminals", all: true }, scope)).toBe(true);
  });

  it("builds the same payload in a statement as in code: each merchant once, everything past the size limit", async () => {
    const inStatement = async (ids: (string | null)[]) => {
      const [row] = await queryRows<{ payload: string }>(handle.db, sql`select ${fleetEventPayloadSql("terminals", sql`select unnest(${uuidArray(ids.map((id) => id ?? "NULL"))})`)} as payload`);
      return JSON.parse(row!.payload) as { type: string; merchantIds?: string[]; all?: true };
    };
    const few = [randomUUID(), randomUUID()];
    const found = await inStatement([few[0]!, null, few[1]!, few[0]!]);
    expect({ ...found, merchantIds: [...found.merchantIds!].sort() }).toEqual(JSON.parse(fleetEventPayload({ type: "terminals", merchantIds: [...few].sort() })));
    expect(await inStatement([])).toEqual({ type: "terminals", merchantIds: [] });
    const many = Array.from({ length: 200 }, () => randomUUID());
    expect(await inStatement(many)).toEqual(JSON.parse(fleetEventPayload({ type: "terminals", merchantIds: many })));
    expect(await inStatement(many)).toEqual({ type: "terminals", all: true });
  });
});
