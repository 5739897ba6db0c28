import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { dailyActivity, fleetDailyActivity, merchants, terminals } from "@/db/schema";
import { sumFinishedDays, transactionsPerDay } from "@/server/services/activity";
import { recordCheckIns } from "@/server/services/heartbeat";
import { createTestDatabase, demoCallers } from "../helpers/db";

let handle: DbHandle;
let coffeeId: string;
let bakeryId: string;

// 01:30 on 11 March in Shanghai, still 10 March in UTC: the day the fleet is in is not UTC's.
const NOW = new Date("2026-03-10T17:30:00Z");
const expectedDays = [
  "2026-02-26",
  "2026-02-27",
  "2026-02-28",
  "2026-03-01",
  "2026-03-02",
  "2026-03-03",
  "2026-03-04",
  "2026-03-05",
  "2026-03-06",
  "2026-03-07",
  "2026-03-08",
  "2026-03-09",
  "2026-03-10",
  "2026-03-11",
];

beforeAll(async () => {
  handle = await createTestDatabase();
  const rows = await handle.db.select().from(merchants);
  coffeeId = rows.find((m) => m.name === "Demo Coffee")!.id;
  bakeryId = rows.find((m) => m.name === "Other Bakery")!.id;
  // The seed's activity is around its own clock; these tests lay out their own days.
  await handle.db.delete(dailyActivity);
  await handle.db.delete(fleetDailyActivity);
  await handle.db.insert(dailyActivity).values([
    { day: "2026-02-25", merchantId: coffeeId, transactions: 999, checkins: 1 }, // a day too early
    { day: "2026-02-26", merchantId: coffeeId, transactions: 10, checkins: 1 },
    { day: "2026-02-26", merchantId: bakeryId, transactions: 5, checkins: 1 },
    { day: "2026-03-05", merchantId: coffeeId, transactions: 7, checkins: 1 },
    { day: "2026-03-11", merchantId: coffeeId, transactions: 3, checkins: 1 },
  ]);
});
afterAll(async () => handle?.close());

describe("the overview's last 14 days", () => {
  it("has exactly 14 days ending today in the fleet's time zone, with zeros for days without activity", async () => {
    const days = await transactionsPerDay(handle.db, { kind: "all" }, NOW);
    expect(days.map((d) => d.day)).toEqual(expectedDays);
    const byDay = Object.fromEntries(days.map((d) => [d.day, d.transactions]));
    expect(byDay).toMatchObject({ "2026-02-26": 15, "2026-03-05": 7, "2026-03-11": 3, "2026-03-06": 0 });
    expect(days.find((d) => d.day === "2026-03-06")).toEqual({ day: "2026-03-06", transactions: 0, checkins: 0 });
  });

  it("gives a merchant 14 days of its own activity only", async () => {
    const days = await transactionsPerDay(handle.db, { kind: "merchants", merchantIds: [bakeryId] }, NOW);
    expect(days.map((d) => d.day)).toEqual(expectedDays);
    expect(days.reduce((sum, d) => sum + d.transactions, 0)).toBe(5);
  });

  it("sums only the fleet days that have ended, and reads the same 14 days from the sums", async () => {
    await sumFinishedDays(handle.db, NOW);
    const summed = await handle.db.select({ day: fleetDailyActivity.day }).from(fleetDailyActivity).orderBy(fleetDailyActivity.day);
    // 10 March ended at 16:00 UTC; 11 March, today in Shanghai, is still counted live.
    expect(summed.map((d) => d.day)).toEqual(["2026-02-26", "2026-03-05"]);
    const days = await transactionsPerDay(handle.db, { kind: "all" }, NOW);
    expect(days.map((d) => d.transactions)).toEqual([15, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 3]);
  });

  it("counts a check-in on the fleet's day, not UTC's", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0001"));
    // 20:30 UTC on 11 November is 04:30 on 12 November in Shanghai.
    const at = new Date("2026-11-11T20:30:00Z");
    await recordCheckIns(handle.db, [
      {
        device: { terminalId: terminal!.id, serialNumber: "DEMO-0001", merchantId: terminal!.merchantId },
        report: { firmwareVersion: terminal!.firmwareVersion ?? "1.0.0", transactionsSinceLast: 4 },
        at,
      },
    ]);
    const rows = await handle.db.execute(sql`select day::text as day, transactions::int as transactions from daily_activity where day in ('2026-11-11', '2026-11-12') order by day`);
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([{ day: "2026-11-12", transactions: 4 }]);
    const { admin } = await demoCallers(handle.db);
    expect((await admin.overview.get()).transactionsPerDay).toHaveLength(14);
  });
});
