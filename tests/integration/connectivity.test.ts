import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { connectivityFilters } from "@/server/schemas/terminals";
import { terminalActivity } from "@/server/services/activity";
import { fleetOverview } from "@/server/services/overview";
import { listTerminals } from "@/server/services/terminals";
import { queryRows } from "@/db/client";
import { createTestDatabase, FIXED_NOW } from "../helpers/db";

let handle: DbHandle;
const everything = { kind: "all" } as const;
const merchantScope = async (name: string) => {
  const [row] = await queryRows<{ id: string }>(handle.db, sql`select id from merchants where name = ${name}`);
  return { kind: "merchants", merchantIds: [row!.id] } as const;
};
const listInput = { sort: "serialNumber", dir: "asc", page: 1, pageSize: 200 } as const;
const serials = async (filter: (typeof connectivityFilters)[number], now: Date, scope: Parameters<typeof listTerminals>[1] = everything) =>
  (await listTerminals(handle.db, scope, { ...listInput, connectivity: filter }, now)).items.map((t) => t.serialNumber);

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

describe("connectivity filters and attention counts", () => {
  it("find the seeded terminals that need attention", async () => {
    expect(await serials("offline_day", FIXED_NOW)).toContain("DEMO-0040");
    expect(await serials("low_battery", FIXED_NOW)).toContain("DEMO-0039");
    expect(await serials("errors", FIXED_NOW)).toEqual(["DEMO-0011"]);
    expect(await serials("online", FIXED_NOW)).not.toContain("DEMO-0040");
  });

  it("count on the overview exactly what the list filters show", async () => {
    const overview = await fleetOverview(handle.db, everything, FIXED_NOW);
    for (const filter of connectivityFilters) {
      const list = await listTerminals(handle.db, everything, { ...listInput, connectivity: filter }, FIXED_NOW);
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
    const overview = await fleetOverview(handle.db, everything, later);
    const inService = overview.byStatus.filter((s) => s.status === "active" || s.status === "faulty").reduce((sum, s) => sum + s.n, 0);
    expect(overview.attention).toMatchObject({ online: 0, offline: inService, offline_day: inService });
    expect(await serials("online", later)).toEqual([]);
  });

  it("stay inside the merchant's scope", async () => {
    const scope = await merchantScope("Other Bakery");
    const overview = await fleetOverview(handle.db, scope, FIXED_NOW);
    expect(overview.attention.online + overview.attention.offline).toBe(10);
    expect(await serials("errors", FIXED_NOW, scope)).toEqual([]);
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
