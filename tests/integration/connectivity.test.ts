import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { terminals } from "@/db/schema";
import { connectivityFilters } from "@/server/schemas/terminals";
import { terminalActivity } from "@/server/services/activity";
import { sweepConnectivity } from "@/server/services/connectivity";
import { eventConcernsScope, subscribeFleetEvents, type FleetEvent } from "@/server/services/fleet-events";
import { recordCheckIns } from "@/server/services/heartbeat";
import { fleetOverview } from "@/server/services/overview";
import { listTerminals } from "@/server/services/terminals";
import { queryRows } from "@/db/client";
import { createTestDatabase, engine, FIXED_NOW } from "../helpers/db";

let handle: DbHandle;
const everything = { kind: "all" } as const;
const merchantScope = async (name: string) => {
  const [row] = await queryRows<{ id: string }>(handle.db, sql`select id from merchants where name = ${name}`);
  return { kind: "merchants", merchantIds: [row!.id] } as const;
};
const listInput = { sort: "serialNumber", dir: "asc", page: 1, pageSize: 200 } as const;
const serials = async (filter: (typeof connectivityFilters)[number], scope: Parameters<typeof listTerminals>[1] = everything) =>
  (await listTerminals(handle.db, scope, { ...listInput, connectivity: filter })).items.map((t) => t.serialNumber);

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

describe("connectivity filters and attention counts", () => {
  it("find the seeded terminals that need attention", async () => {
    // The seed leaves the states as the sweep at its clock would.
    expect(await sweepConnectivity(handle.db, FIXED_NOW)).toEqual({ changed: 0 });
    expect(await serials("offline_day")).toContain("DEMO-0040");
    expect(await serials("low_battery")).toContain("DEMO-0039");
    expect(await serials("errors")).toEqual(["DEMO-0011"]);
    expect(await serials("online")).not.toContain("DEMO-0040");
    expect((await serials("online")).length).toBeGreaterThan(0);
    // Last seen 30 hours before the seed's clock: offline, and offline for a day.
    expect(await serials("offline")).toContain("DEMO-0038");
    expect(await serials("offline_day")).toContain("DEMO-0038");
  });

  it("count on the overview exactly what the list filters show", async () => {
    const overview = await fleetOverview(handle.db, everything, FIXED_NOW);
    for (const filter of connectivityFilters) {
      const list = await listTerminals(handle.db, everything, { ...listInput, connectivity: filter });
      expect(overview.attention[filter], filter).toBe(list.total);
    }
    // Independent of the rule's code: terminals in service not seen in the last 15 minutes.
    const [expected] = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from terminals where status in ('active', 'faulty') and (last_seen_at is null or last_seen_at < ${FIXED_NOW.toISOString()}::timestamptz - interval '15 minutes')`,
    );
    expect(overview.attention.offline).toBe(expected!.n);
    expect(overview.attention.offline).toBeGreaterThan(0);
    const inService = overview.byStatus.filter((s) => s.status === "active" || s.status === "faulty").reduce((sum, s) => sum + s.n, 0);
    expect(overview.attention.online + overview.attention.offline).toBe(inService);
  });

  it("move every terminal offline when the clock runs on without check-ins", async () => {
    const later = new Date(FIXED_NOW.getTime() + 3 * 86_400_000);
    expect((await sweepConnectivity(handle.db, later)).changed).toBeGreaterThan(0);
    const overview = await fleetOverview(handle.db, everything, later);
    const inService = overview.byStatus.filter((s) => s.status === "active" || s.status === "faulty").reduce((sum, s) => sum + s.n, 0);
    expect(overview.attention).toMatchObject({ online: 0, offline: inService, offline_day: inService });
    expect(await serials("online")).toEqual([]);
    expect((await serials("offline_day")).length).toBe(inService);
  });

  it("stay inside the merchant's scope", async () => {
    const scope = await merchantScope("Other Bakery");
    const overview = await fleetOverview(handle.db, scope, FIXED_NOW);
    expect(overview.attention.online + overview.attention.offline).toBe(10);
    expect(await serials("errors", scope)).toEqual([]);
  });
});

describe("a terminal's activity", () => {
  it("gives hourly buckets over seven days and the latest check-ins", async () => {
    const activity = await terminalActivity(handle.db, everything, "demo-0001", FIXED_NOW);
    expect(activity.hourly.length).toBeGreaterThan(100);
    expect(activity.hourly.length).toBeLessThanOrEqual(7 * 24 + 1);
    for (const h of activity.hourly) expect(h.battery).toBeGreaterThanOrEqual(0);
    expect(activity.recent).toHaveLength(20);
    expect(activity.recent[0]!.at.getTime()).toBeGreaterThanOrEqual(activity.recent[19]!.at.getTime());
  });

  it("is not found for another merchant's terminal", async () => {
    const scope = await merchantScope("Other Bakery");
    await expect(terminalActivity(handle.db, scope, "DEMO-0001", FIXED_NOW)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("transactions per day", () => {
  it("sum the merchant's own terminals only", async () => {
    const all = await fleetOverview(handle.db, everything, FIXED_NOW);
    const bakery = await fleetOverview(handle.db, await merchantScope("Other Bakery"), FIXED_NOW);
    const total = (days: typeof all.transactionsPerDay) => days.reduce((s, d) => s + d.transactions, 0);
    expect(all.transactionsPerDay.length).toBeGreaterThanOrEqual(7);
    expect(total(bakery.transactionsPerDay)).toBeGreaterThan(0);
    expect(total(bakery.transactionsPerDay)).toBeLessThan(total(all.transactionsPerDay));
  });
});

describe("the connectivity sweep", () => {
  const minutes = (from: Date, n: number) => new Date(from.getTime() + n * 60_000);
  const terminalNamed = async (serialNumber: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber)))[0]!;
  const stateOf = async (serialNumber: string) => (await terminalNamed(serialNumber)).connectivity;
  const checkIn = async (serialNumber: string, at: Date) => {
    const t = await terminalNamed(serialNumber);
    await recordCheckIns(handle.db, [{ device: { terminalId: t.id, serialNumber, merchantId: t.merchantId }, report: { firmwareVersion: t.firmwareVersion ?? "1.0.0" }, at }]);
  };
  /** The fleet events published while `during` runs (NOTIFY arrives on commit, so a short wait after). */
  async function eventsDuring<T>(during: () => Promise<T>): Promise<{ result: T; events: FleetEvent[] }> {
    const events: FleetEvent[] = [];
    const { ready, unsubscribe } = subscribeFleetEvents(handle, (event) => events.push(event));
    await ready;
    try {
      const result = await during();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { result, events };
    } finally {
      unsubscribe();
    }
  }

  it("takes a terminal offline after three missed intervals, offline for a day after a day, and a check-in brings it back", async () => {
    const serialNumber = "BAKE-0002";
    const bakery = await merchantScope("Other Bakery");
    const demo = await merchantScope("Demo Coffee");
    // Ten days after the seed: the whole fleet is offline for a day once the sweep has run.
    const t0 = new Date(FIXED_NOW.getTime() + 10 * 86_400_000);
    await sweepConnectivity(handle.db, t0);
    await checkIn(serialNumber, t0);
    expect(await stateOf(serialNumber)).toBe("online");
    expect(await serials("online", bakery)).toEqual([serialNumber]);

    // Three intervals (15 minutes at the default 300 s) is still online; a moment later it is not.
    expect(await sweepConnectivity(handle.db, minutes(t0, 15))).toEqual({ changed: 0 });
    expect(await stateOf(serialNumber)).toBe("online");
    const offline = await eventsDuring(() => sweepConnectivity(handle.db, new Date(minutes(t0, 15).getTime() + 1)));
    expect(offline.result).toEqual({ changed: 1 });
    expect(await stateOf(serialNumber)).toBe("offline");
    // One terminals event, for the consoles watching its merchant only.
    const terminalEvents = offline.events.filter((e) => e.type === "terminals");
    expect(terminalEvents).toHaveLength(1);
    expect(eventConcernsScope(terminalEvents[0]!, bakery)).toBe(true);
    expect(eventConcernsScope(terminalEvents[0]!, demo)).toBe(false);
    expect(await serials("online", bakery)).toEqual([]);
    expect(await serials("offline", bakery)).toContain(serialNumber);
    expect(await serials("offline_day", bakery)).not.toContain(serialNumber);
    const listed = (await listTerminals(handle.db, bakery, { ...listInput, connectivity: "offline" })).items.find((t) => t.serialNumber === serialNumber);
    expect(listed).toMatchObject({ connectivity: "offline", online: false });

    // A day without a check-in is still only offline; a moment later it is offline for a day.
    expect(await sweepConnectivity(handle.db, minutes(t0, 24 * 60))).toEqual({ changed: 0 });
    expect(await stateOf(serialNumber)).toBe("offline");
    const dayLater = await eventsDuring(() => sweepConnectivity(handle.db, new Date(minutes(t0, 24 * 60).getTime() + 1)));
    expect(dayLater.result).toEqual({ changed: 1 });
    expect(dayLater.events.some((e) => e.type === "terminals" && eventConcernsScope(e, bakery))).toBe(true);
    expect(await stateOf(serialNumber)).toBe("offline_day");
    expect(await serials("offline_day", bakery)).toContain(serialNumber);

    // The check-in itself makes it online again (with its own event), with nothing left for the sweep to do.
    const back = minutes(t0, 30 * 60);
    const returned = await eventsDuring(() => checkIn(serialNumber, back));
    expect(returned.events.some((e) => e.type === "terminals" && eventConcernsScope(e, bakery))).toBe(true);
    expect(await stateOf(serialNumber)).toBe("online");
    expect(await serials("online", bakery)).toEqual([serialNumber]);
    expect(await sweepConnectivity(handle.db, minutes(back, 1))).toEqual({ changed: 0 });
    const overview = await fleetOverview(handle.db, bakery, minutes(back, 1));
    expect(overview.attention.online).toBe(1);
  });

  it.runIf(engine === "postgres")("skips a terminal a heartbeat is writing rather than wait for it, and takes it on the next run", async () => {
    const serialNumber = "BAKE-0005";
    const t0 = new Date(FIXED_NOW.getTime() + 15 * 86_400_000);
    await sweepConnectivity(handle.db, t0);
    await checkIn(serialNumber, t0);
    const later = minutes(t0, 20);
    const { id } = await terminalNamed(serialNumber);
    await handle.db.transaction(async (tx) => {
      // The row lock a heartbeat's statement holds until it commits.
      await tx.execute(sql`select id from terminals where id = ${id} for update`);
      // On another connection: waiting would end in the lock timeout, 10 s on.
      expect(await sweepConnectivity(handle.db, later)).toEqual({ changed: 0 });
    });
    expect(await stateOf(serialNumber)).toBe("online");
    expect(await sweepConnectivity(handle.db, later)).toEqual({ changed: 1 });
    expect(await stateOf(serialNumber)).toBe("offline");
  });

  it("follows the heartbeat interval it is given", async () => {
    const serialNumber = "BAKE-0003";
    const t0 = new Date(FIXED_NOW.getTime() + 20 * 86_400_000);
    await sweepConnectivity(handle.db, t0);
    await checkIn(serialNumber, t0);
    // At 60 s, three intervals are 3 minutes.
    expect(await sweepConnectivity(handle.db, minutes(t0, 3), 60)).toEqual({ changed: 0 });
    expect(await sweepConnectivity(handle.db, minutes(t0, 4), 60)).toEqual({ changed: 1 });
    expect(await stateOf(serialNumber)).toBe("offline");
  });

  it("corrects a state that disagrees with the last check-in, as the first sweep after the migration does", async () => {
    const serialNumber = "BAKE-0004";
    const t0 = new Date(FIXED_NOW.getTime() + 30 * 86_400_000);
    await sweepConnectivity(handle.db, t0);
    await checkIn(serialNumber, t0);
    // The migration marks a terminal seen within a day offline, one seen before that offline for a day.
    await handle.db.update(terminals).set({ connectivity: "offline_day" }).where(eq(terminals.serialNumber, serialNumber));
    expect(await sweepConnectivity(handle.db, minutes(t0, 5))).toEqual({ changed: 1 });
    expect(await stateOf(serialNumber)).toBe("online");
    await handle.db.update(terminals).set({ connectivity: "offline_day" }).where(eq(terminals.serialNumber, serialNumber));
    expect(await sweepConnectivity(handle.db, minutes(t0, 60))).toEqual({ changed: 1 });
    expect(await stateOf(serialNumber)).toBe("offline");
  });
});
