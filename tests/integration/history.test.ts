import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { DAY_MS, listPartitions, partitionName, rollUpCheckins, type HistoryTable } from "@/db/history";
import { migrateDatabase } from "@/db/migrate";
import { checkinRollups, checkins, terminals, type NetworkType } from "@/db/schema";
import type { HeartbeatInput } from "@/server/schemas/device";
import { processHeartbeat, recordCheckIns } from "@/server/services/heartbeat";
import { maintainHistory, PARTITIONS_AHEAD } from "@/server/services/history";
import { terminalCounts } from "@/server/services/terminal-counts";
import { createEmptyDatabase, createTestDatabase, demoCallers, engine, FIXED_NOW, merchantNamed, migrateUpTo, storeNamed } from "../helpers/db";

const HOUR_MS = 3_600_000;
const at = (from: Date, ms: number) => new Date(from.getTime() + ms);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    maybe: <T>(p: number, value: () => T): T | undefined => (next() < p ? value() : undefined),
  };
}

interface RawCheckIn {
  terminalId: string;
  at: Date;
  transactions: number;
  network: NetworkType | null;
  batteryPercent: number | null;
  signalDbm: number | null;
  firmwareVersion: string;
  errors: number;
}

/**
 * The rollups as they should be, computed here from raw check-ins: per terminal and hour (UTC), or
 * from the moment the terminal's merchant got it when that fell inside the hour; the network and
 * firmware are the latest reported in the period.
 */
function expectedRollups(rows: RawCheckIn[], merchantSince: Map<string, Date> = new Map()): Rollup[] {
  const periods = new Map<string, RawCheckIn[]>();
  for (const row of rows) {
    const hour = Math.floor(row.at.getTime() / HOUR_MS) * HOUR_MS;
    const since = merchantSince.get(row.terminalId)?.getTime();
    const start = since !== undefined && hour < since && row.at.getTime() >= since ? since : hour;
    const key = `${row.terminalId} ${start}`;
    periods.set(key, [...(periods.get(key) ?? []), row]);
  }
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  return sortRollups(
    [...periods].map(([key, period]) => {
      const [terminalId, start] = key.split(" ");
      const byTime = [...period].sort((a, b) => a.at.getTime() - b.at.getTime());
      const batteries = period.flatMap((c) => (c.batteryPercent === null ? [] : [c.batteryPercent]));
      const signals = period.flatMap((c) => (c.signalDbm === null ? [] : [c.signalDbm]));
      const networks = byTime.flatMap((c) => (c.network === null ? [] : [c.network]));
      return {
        terminalId: terminalId!,
        periodStart: Number(start),
        transactions: sum(period.map((c) => c.transactions)),
        errors: sum(period.map((c) => c.errors)),
        batterySum: sum(batteries),
        signalSum: sum(signals),
        network: networks.at(-1) ?? null,
        checkins: period.length,
        batteryReadings: batteries.length,
        batteryMin: batteries.length ? Math.min(...batteries) : null,
        signalReadings: signals.length,
        firmwareVersion: byTime.at(-1)!.firmwareVersion,
      };
    }),
  );
}

type Rollup = Omit<typeof checkinRollups.$inferSelect, "periodStart"> & { periodStart: number };
const sortRollups = (rows: Rollup[]) => [...rows].sort((a, b) => a.terminalId.localeCompare(b.terminalId) || a.periodStart - b.periodStart);

async function storedRollups(handle: DbHandle, terminalIds: string[], since: Date): Promise<Rollup[]> {
  const rows = await handle.db
    .select()
    .from(checkinRollups)
    .where(and(inArray(checkinRollups.terminalId, terminalIds), gte(checkinRollups.periodStart, since)));
  return sortRollups(rows.map((r) => ({ ...r, periodStart: r.periodStart.getTime() })));
}

async function storedCheckIns(handle: DbHandle, terminalIds: string[], since: Date): Promise<RawCheckIn[]> {
  const rows = await handle.db
    .select()
    .from(checkins)
    .where(and(inArray(checkins.terminalId, terminalIds), gte(checkins.at, since)));
  return rows.map(({ errors, ...r }) => ({ ...r, errors: errors?.length ?? 0 }));
}

/** The table (partition) a row of a history table is stored in. */
async function partitionsHolding(handle: DbHandle, table: HistoryTable, where: ReturnType<typeof sql>) {
  const rows = await queryRows<{ partition: string }>(handle.db, sql`select distinct tableoid::regclass::text as partition from ${sql.identifier(table)} where ${where} order by 1`);
  return rows.map((r) => r.partition);
}

const tableExists = async (handle: DbHandle, name: string) => (await queryRows<{ exists: boolean }>(handle.db, sql`select to_regclass(${name}) is not null as "exists"`))[0]!.exists;

const countRows = async (handle: DbHandle, table: string) => (await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;

/** The partitions [from, from + n·width) by name and range, as listPartitions gives them. */
const consecutive = (table: HistoryTable, from: Date, n: number, widthMs: number) =>
  Array.from({ length: n }, (_, i) => ({ name: partitionName(table, at(from, i * widthMs)), from: at(from, i * widthMs), to: at(from, (i + 1) * widthMs) }));

describe("the history partitions", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
  });
  afterAll(async () => handle?.close());

  // Hourly raw check-ins kept 6 hours, daily rollups kept 3 days; a clock far past the seeded history.
  const AHEAD = PARTITIONS_AHEAD;
  const policies = () => [
    { table: "checkins" as const, widthMs: HOUR_MS, retentionMs: 6 * HOUR_MS },
    { table: "checkin_rollups" as const, widthMs: DAY_MS, retentionMs: 3 * DAY_MS },
  ];
  const t0 = new Date("2027-03-01T00:00:00Z");
  const checkIn = async (serialNumber: string, when: Date, report: Partial<HeartbeatInput> = {}) => {
    const [t] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
    await recordCheckIns(handle.db, [{ device: { terminalId: t!.id, serialNumber, merchantId: t!.merchantId }, report: { firmwareVersion: "1.0.0", ...report }, at: when }]);
    return t!.id;
  };
  /** Records every row deleted from `partition` one by one; dropping the partition records nothing. */
  const watchDeletes = async (partition: string) => {
    await handle.db.execute(sql`create table if not exists deleted_history_rows (partition text not null)`);
    await handle.db.execute(
      sql.raw(`create or replace function log_deleted_history_row() returns trigger language plpgsql as $$
        begin insert into deleted_history_rows values (TG_TABLE_NAME); return null; end $$`),
    );
    await handle.db.execute(sql`create trigger log_deletes after delete on ${sql.identifier(partition)} for each row execute function log_deleted_history_row()`);
  };

  it("are created ahead of the clock and dropped whole past retention", async () => {
    // The seeded week of history sits in daily partitions.
    const seededDay = partitionName("checkins", new Date("2026-11-19T00:00:00Z"));
    const seededRollupDay = partitionName("checkin_rollups", new Date("2026-11-19T00:00:00Z"));
    expect(await countRows(handle, seededDay)).toBeGreaterThan(0);
    expect(await countRows(handle, seededRollupDay)).toBeGreaterThan(0);
    await watchDeletes(seededDay);
    await watchDeletes(seededRollupDay);

    const first = await maintainHistory(handle.db, t0, policies());
    expect(first.checkins!.created).toBeGreaterThanOrEqual(AHEAD + 1);
    expect(first.checkins!.dropped).toBeGreaterThanOrEqual(8);
    expect(first.checkin_rollups).toEqual({ created: AHEAD + 1, dropped: expect.any(Number) });
    // Raw check-ins: the hour before the clock and those ahead; nothing older than 6 hours.
    expect(await listPartitions(handle.db, "checkins")).toEqual(consecutive("checkins", at(t0, -HOUR_MS), AHEAD + 1, HOUR_MS));
    expect((await listPartitions(handle.db, "checkins")).map((p) => p.name)).toContain("checkins_20270228t2300");
    // Rollups: the day before and those ahead; nothing older than 3 days.
    expect(await listPartitions(handle.db, "checkin_rollups")).toEqual(consecutive("checkin_rollups", at(t0, -DAY_MS), AHEAD + 1, DAY_MS));
    // The seeded history went with its partitions, dropped rather than deleted row by row.
    expect(await tableExists(handle, seededDay)).toBe(false);
    expect(await tableExists(handle, seededRollupDay)).toBe(false);
    expect(await countRows(handle, "checkins")).toBe(0);
    expect(await countRows(handle, "checkin_rollups")).toBe(0);
    expect(await countRows(handle, "deleted_history_rows")).toBe(0);
    // The default partitions stay, empty.
    expect(await countRows(handle, "checkins_default")).toBe(0);
    expect(await countRows(handle, "checkin_rollups_default")).toBe(0);

    // Once there, a second run at the same clock has nothing to do.
    expect(await maintainHistory(handle.db, t0, policies())).toEqual({ checkins: { created: 0, dropped: 0 }, checkin_rollups: { created: 0, dropped: 0 } });
  });

  it("drop the check-ins of hours past retention while their rollups stay", async () => {
    const terminalId = await checkIn("DEMO-0001", at(t0, 30 * 60_000), { transactionsSinceLast: 4 });
    await checkIn("DEMO-0001", at(t0, 150 * 60_000), { transactionsSinceLast: 5 });
    const expiring = partitionName("checkins", t0);
    expect(await partitionsHolding(handle, "checkins", sql`terminal_id = ${terminalId}`)).toEqual([expiring, partitionName("checkins", at(t0, 2 * HOUR_MS))]);
    await watchDeletes(expiring);

    // The job every hour for seven hours: an hour ahead each time, and the hours ending more than 6 hours ago go.
    const runs = [];
    for (let hour = 1; hour <= 7; hour++) runs.push(await maintainHistory(handle.db, at(t0, hour * HOUR_MS), policies()));
    expect(runs.map((r) => r.checkins)).toEqual([...Array(5).fill({ created: 1, dropped: 0 }), { created: 1, dropped: 1 }, { created: 1, dropped: 1 }]);
    // The rollups' daily partitions: the first run adds the day that came into reach.
    expect(runs.map((r) => r.checkin_rollups!.created)).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(await listPartitions(handle.db, "checkins")).toEqual(consecutive("checkins", at(t0, HOUR_MS), AHEAD + 6, HOUR_MS));
    expect(await tableExists(handle, expiring)).toBe(false);
    expect(await countRows(handle, "deleted_history_rows")).toBe(0);
    const left = await handle.db.select().from(checkins).where(eq(checkins.terminalId, terminalId));
    expect(left.map((c) => [c.at.toISOString(), c.transactions])).toEqual([[at(t0, 150 * 60_000).toISOString(), 5]]);
    // The hour's rollup outlives its raw rows.
    const rollups = await storedRollups(handle, [terminalId], t0);
    expect(rollups.map((r) => [new Date(r.periodStart).toISOString(), r.checkins, r.transactions])).toEqual([
      [t0.toISOString(), 1, 4],
      [at(t0, 2 * HOUR_MS).toISOString(), 1, 5],
    ]);
  });

  it("give rows the default partition caught partitions of their own, where they stay queryable", async () => {
    const later = at(t0, 7 * HOUR_MS);
    // Past the partitions ahead (to t0 + 7 h + AHEAD h): the default partition catches them.
    const h = (n: number) => at(t0, (7 + AHEAD + n) * HOUR_MS);
    const strays = [at(h(1), 15 * 60_000), at(h(3), 40 * 60_000)];
    const terminalId = await checkIn("DEMO-0002", strays[0]!, { batteryPercent: 55, transactionsSinceLast: 3 });
    await checkIn("DEMO-0002", strays[1]!, { batteryPercent: 54, errors: [{ code: "E1" }] });
    expect(await partitionsHolding(handle, "checkins", sql`terminal_id = ${terminalId}`)).toEqual(["checkins_default"]);
    const before = await storedCheckIns(handle, [terminalId], t0);

    expect(await maintainHistory(handle.db, later, policies())).toEqual({ checkins: { created: 2, dropped: 0 }, checkin_rollups: { created: 0, dropped: 0 } });
    // One partition per hour that holds such rows, not the empty hour between (a far-off stray must not create every hour up to it).
    expect(await listPartitions(handle.db, "checkins")).toEqual([
      ...consecutive("checkins", at(t0, HOUR_MS), AHEAD + 6, HOUR_MS),
      ...consecutive("checkins", h(1), 1, HOUR_MS),
      ...consecutive("checkins", h(3), 1, HOUR_MS),
    ]);
    expect(await partitionsHolding(handle, "checkins", sql`terminal_id = ${terminalId}`)).toEqual([partitionName("checkins", h(1)), partitionName("checkins", h(3))]);
    expect(await countRows(handle, "checkins_default")).toBe(0);
    expect(await storedCheckIns(handle, [terminalId], t0)).toEqual(before);
    expect(before.map((c) => [c.at.getTime(), c.batteryPercent, c.transactions, c.errors])).toEqual([
      [strays[0]!.getTime(), 55, 3, 0],
      [strays[1]!.getTime(), 54, 0, 1],
    ]);

    // A rollup beyond the rollup partitions (to t0 + AHEAD + 1 days) is caught and moved the same way.
    const dayAfter = at(t0, (AHEAD + 1) * DAY_MS);
    const farAhead = at(dayAfter, 10 * 60_000);
    await checkIn("DEMO-0003", farAhead, { transactionsSinceLast: 9 });
    expect(await countRows(handle, "checkin_rollups_default")).toBe(1);
    expect(await maintainHistory(handle.db, later, policies().slice(1))).toEqual({ checkin_rollups: { created: 1, dropped: 0 } });
    expect(await countRows(handle, "checkin_rollups_default")).toBe(0);
    expect(await partitionsHolding(handle, "checkin_rollups", sql`period_start = ${dayAfter.toISOString()}::timestamptz`)).toEqual([partitionName("checkin_rollups", dayAfter)]);

    // When the clock gets there, the raw row's hour is created like any other, and the row moves in.
    const then = at(dayAfter, HOUR_MS);
    await maintainHistory(handle.db, then, policies());
    expect(await listPartitions(handle.db, "checkins")).toEqual(consecutive("checkins", dayAfter, AHEAD + 1, HOUR_MS));
    expect(await countRows(handle, "checkins_default")).toBe(0);
    expect((await handle.db.select().from(checkins)).map((c) => [c.at.getTime(), c.transactions])).toEqual([[farAhead.getTime(), 9]]);
    // Rollups: from the day that ends after the 3-day cutoff to the days ahead, contiguous.
    expect(await listPartitions(handle.db, "checkin_rollups")).toEqual(consecutive("checkin_rollups", at(dayAfter, -3 * DAY_MS), AHEAD + 4, DAY_MS));
    expect(await countRows(handle, "deleted_history_rows")).toBe(0);
  });

  it("are kept while check-ins arrive, some past the partitions ahead, without failing a write or losing a row", async () => {
    const rng = random(42);
    const fleet = await handle.db.select().from(terminals).where(eq(terminals.status, "active")).limit(24);
    const start = at(t0, (2 * AHEAD + 10) * DAY_MS);
    await maintainHistory(handle.db, start, policies());
    const sent: Date[] = [];
    const rounds = engine === "postgres" ? 24 : 4;
    for (let round = 0; round < rounds; round++) {
      const clock = at(start, round * HOUR_MS);
      // Through the app's batcher, as the device API sends them.
      const heartbeats = fleet.map((t) => {
        // Mostly within the hour; one in five in the hour whose partition this round creates ahead, or the one past it.
        const when = at(clock, rng.next() < 0.2 ? (AHEAD - 1) * HOUR_MS + rng.int(0, 2 * HOUR_MS - 1) : rng.int(0, HOUR_MS - 1));
        sent.push(when);
        return () => processHeartbeat(handle.db, { terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId }, { firmwareVersion: "1.0.0", transactionsSinceLast: 1 }, when);
      });
      const results = await Promise.allSettled([maintainHistory(handle.db, clock, policies()), ...heartbeats.map((send) => send())]);
      expect(
        results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as { cause?: unknown }).cause ?? r.reason)] : [])),
        `round ${round}`,
      ).toEqual([]);
    }
    // The next run gives every stray a partition; what retention has not reached is all there.
    const last = at(start, rounds * HOUR_MS);
    await maintainHistory(handle.db, last, policies());
    expect(await countRows(handle, "checkins_default")).toBe(0);
    expect(await countRows(handle, "checkin_rollups_default")).toBe(0);
    const cutoff = at(last, -6 * HOUR_MS).getTime();
    const kept = await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from checkins where at >= ${start.toISOString()}::timestamptz`);
    expect(kept[0]!.n).toBe(sent.filter((when) => when.getTime() >= cutoff).length);
    const rolled = await queryRows<{ n: number }>(handle.db, sql`select sum(checkins)::int as n from checkin_rollups where period_start >= ${start.toISOString()}::timestamptz`);
    expect(rolled[0]!.n).toBe(sent.length);
  });
});

describe("the hourly rollups", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
  });
  afterAll(async () => handle?.close());

  it("equal the aggregates of the raw check-ins, across hours and however the check-ins were batched", async () => {
    const rng = random(20261120);
    const fleet = await handle.db
      .select()
      .from(terminals)
      .where(inArray(terminals.serialNumber, ["DEMO-0001", "DEMO-0002", "DEMO-0003", "DEMO-0004", "BAKE-0001", "BAKE-0002"]));
    expect(fleet).toHaveLength(6);
    const ids = fleet.map((t) => t.id);
    const start = at(FIXED_NOW, 2 * DAY_MS + 7 * 60_000);
    const firstHour = new Date(Math.floor(start.getTime() / HOUR_MS) * HOUR_MS);

    // A few hundred heartbeats over about four hours, sent in groups: the batcher stores the first of
    // a group alone and the rest together, often several of one terminal in one statement.
    const sent: RawCheckIn[] = [];
    let clock = start.getTime();
    while (sent.length < 320) {
      // The job keeps the partitions ahead of the clock, as the server's does every minute.
      if (clock === start.getTime() || Math.floor(clock / HOUR_MS) !== Math.floor(sent.at(-1)!.at.getTime() / HOUR_MS)) await maintainHistory(handle.db, new Date(clock));
      const group = Array.from({ length: rng.int(1, 12) }, () => {
        clock += rng.int(5, 90) * 1000;
        const t = rng.pick(fleet);
        const errors = rng.maybe(0.35, () => Array.from({ length: rng.int(0, 3) }, (_, i) => ({ code: `E${i}` })));
        const report: HeartbeatInput = {
          firmwareVersion: rng.pick(["1.0.0", "1.1.0", "2.0.0"]),
          batteryPercent: rng.maybe(0.7, () => rng.int(0, 100)),
          signalDbm: rng.maybe(0.75, () => rng.int(-110, -40)),
          network: rng.maybe(0.6, () => rng.pick(["wifi", "cellular", "ethernet"] as const)),
          errors,
          transactionsSinceLast: rng.maybe(0.8, () => rng.int(0, 20)),
        };
        const when = new Date(clock);
        sent.push({
          terminalId: t.id,
          at: when,
          transactions: report.transactionsSinceLast ?? 0,
          network: report.network ?? null,
          batteryPercent: report.batteryPercent ?? null,
          signalDbm: report.signalDbm ?? null,
          firmwareVersion: report.firmwareVersion,
          errors: errors?.length ?? 0,
        });
        return () => processHeartbeat(handle.db, { terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId }, report, when);
      });
      await Promise.all(group.map((send) => send()));
    }
    const hours = new Set(sent.map((c) => Math.floor(c.at.getTime() / HOUR_MS)));
    expect(hours.size).toBeGreaterThanOrEqual(4);

    const raw = await storedCheckIns(handle, ids, start);
    const byKey = (rows: RawCheckIn[]) => [...rows].sort((a, b) => a.at.getTime() - b.at.getTime() || a.terminalId.localeCompare(b.terminalId));
    expect(byKey(raw)).toEqual(byKey(sent));
    const expected = expectedRollups(raw);
    expect(expected.length).toBeGreaterThanOrEqual(20);
    // Some periods have no battery or network reading at all, some end on a check-in without one.
    expect(await storedRollups(handle, ids, firstHour)).toEqual(expected);
    expect(await countRows(handle, "checkins_default")).toBe(0);

    // Recomputing them from the raw rows (as the seed and benchmarks do) gives the same rollups.
    await rollUpCheckins(handle.db, start);
    expect(await storedRollups(handle, ids, firstHour)).toEqual(expected);

    // The terminal's hourly chart reads them back as averages and sums.
    const [first] = fleet;
    const as = await demoCallers(handle.db);
    // Its last seven days by the clock of the check-ins.
    vi.setSystemTime(new Date(clock + HOUR_MS));
    const chart = await as.admin.terminals.activity({ serialNumber: first!.serialNumber }).finally(() => vi.useRealTimers());
    const own = expected.filter((r) => r.terminalId === first!.id);
    expect(own.length).toBeGreaterThan(0);
    const shown = chart.hourly.filter((h) => h.hour.getTime() >= own[0]!.periodStart);
    expect(shown).toEqual(
      own.map((r) => ({
        hour: new Date(r.periodStart),
        battery: r.batteryReadings ? Math.round(r.batterySum / r.batteryReadings) : null,
        batteryMin: r.batteryMin,
        signal: r.signalReadings ? Math.round(r.signalSum / r.signalReadings) : null,
        errors: r.errors,
        transactions: r.transactions,
        checkins: r.checkins,
      })),
    );
  });

  it("show a terminal's new merchant only its own share of the hour it moved in; the admin sees the whole hour", async () => {
    const as = await demoCallers(handle.db);
    const demoCoffee = await merchantNamed(handle.db, "Demo Coffee");
    const jingan = await storeNamed(handle.db, "Demo Coffee Jing'an");
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "BAKE-0006"));
    const { id, serialNumber } = terminal!;
    const hour = at(FIXED_NOW, 3 * DAY_MS);
    const beat = (merchantId: string | null, minute: number, report: Partial<HeartbeatInput>) =>
      processHeartbeat(handle.db, { terminalId: id, serialNumber, merchantId }, { firmwareVersion: "1.0.0", ...report }, at(hour, minute * 60_000));

    await beat(terminal!.merchantId, 5, { transactionsSinceLast: 4, batteryPercent: 80, errors: [{ code: "OLD" }] });
    await beat(terminal!.merchantId, 12, { transactionsSinceLast: 5, batteryPercent: 70 });
    await beat(terminal!.merchantId, 20, { transactionsSinceLast: 6, signalDbm: -60 });
    // The move (the console's procedure), 25 minutes into the hour by the server's clock.
    const moveAt = at(hour, 25 * 60_000);
    vi.setSystemTime(moveAt);
    try {
      await as.admin.terminals.assign({ id, merchantId: demoCoffee.id, storeId: jingan.id });
    } finally {
      vi.useRealTimers();
    }
    const [moved] = await handle.db.select().from(terminals).where(eq(terminals.id, id));
    expect(moved!.merchantSince.getTime()).toBe(moveAt.getTime());
    await beat(demoCoffee.id, 30, { transactionsSinceLast: 2, batteryPercent: 50, signalDbm: -70 });
    await beat(demoCoffee.id, 41, { transactionsSinceLast: 3, batteryPercent: 40, errors: [{ code: "NEW" }, { code: "NEW2" }] });

    // The hour is split at the move: the earlier merchant's share and the new one's.
    const raw = await storedCheckIns(handle, [id], hour);
    expect(raw).toHaveLength(5);
    const rollups = await storedRollups(handle, [id], hour);
    expect(rollups).toEqual(expectedRollups(raw, new Map([[id, moveAt]])));
    expect(rollups.map((r) => [new Date(r.periodStart).toISOString(), r.checkins, r.transactions])).toEqual([
      [hour.toISOString(), 3, 15],
      [moveAt.toISOString(), 2, 5],
    ]);

    // The new merchant's chart shows only the check-ins since the move, in the hour they fall in.
    const now = at(hour, 50 * 60_000);
    vi.setSystemTime(now);
    try {
      for (const viewer of [as.merchant, as.technician]) {
        const activity = await viewer.terminals.activity({ serialNumber });
        expect(activity.hourly).toEqual([{ hour, battery: 45, batteryMin: 40, signal: -70, errors: 2, transactions: 5, checkins: 2 }]);
        expect(activity.recent.map((c) => c.at.getTime())).toEqual([at(hour, 41 * 60_000).getTime(), at(hour, 30 * 60_000).getTime()]);
      }
      // The admin sees the whole hour, both merchants' check-ins.
      const admin = await as.admin.terminals.activity({ serialNumber });
      expect(admin.hourly.find((h) => h.hour.getTime() === hour.getTime())).toEqual({
        hour,
        battery: 60,
        batteryMin: 40,
        signal: -65,
        errors: 3,
        transactions: 20,
        checkins: 5,
      });
      expect(admin.recent.slice(0, 5)).toHaveLength(5);
      // The earlier merchant no longer sees the terminal at all.
      await expect(as.otherMerchant.terminals.activity({ serialNumber })).rejects.toMatchObject({ code: "NOT_FOUND" });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("migration 0019 on a database that already holds check-ins", () => {
  let handle: DbHandle | undefined;
  afterAll(async () => {
    await handle?.close();
  });

  it("moves every check-in into daily partitions and builds the rollups from them", async () => {
    handle = await createEmptyDatabase();
    const { db } = handle;
    await migrateUpTo(handle, "0018_security");
    expect(await tableExists(handle, "checkin_rollups")).toBe(false);

    const [model] = await queryRows<{ id: string }>(db, sql`insert into terminal_models (manufacturer, model) values ('Test', 'T1') returning id`);
    const [merchant] = await queryRows<{ id: string }>(db, sql`insert into merchants (name, registered_phone) values ('Old Merchant', '+8613800138000') returning id`);
    const dayOne = new Date("2026-10-01T00:00:00Z");
    // B joined its merchant 10:20 into the second day, between check-ins of that hour.
    const joined = new Date("2026-10-02T10:20:00Z");
    const [a, b, c] = await queryRows<{ id: string; serial_number: string }>(
      db,
      sql`insert into terminals (serial_number, model_id, merchant_id, status, firmware_version, last_seen_at, battery_percent, error_count, merchant_since) values
        ('OLD-A', ${model!.id}, ${merchant!.id}, 'active', '1.0.0', now() - interval '1 hour', 15, 0, ${dayOne.toISOString()}::timestamptz - interval '30 days'),
        ('OLD-B', ${model!.id}, ${merchant!.id}, 'active', '1.1.0', now() - interval '3 days', 80, 2, ${joined.toISOString()}::timestamptz),
        ('OLD-C', ${model!.id}, null, 'in_stock', null, null, null, 0, now())
        returning id, serial_number`,
    );
    expect(c!.serial_number).toBe("OLD-C");

    // Two and a bit days of check-ins every 20 minutes, in the old shape (a surrogate id, an error count).
    const rng = random(19);
    const old: RawCheckIn[] = [];
    for (let t = at(dayOne, 22 * HOUR_MS).getTime(); t <= at(dayOne, 2 * DAY_MS + 2 * HOUR_MS).getTime(); t += 20 * 60_000) {
      for (const terminal of [a!, b!]) {
        old.push({
          terminalId: terminal.id,
          at: new Date(t + rng.int(0, 59) * 1000),
          transactions: rng.int(0, 12),
          network: rng.maybe(0.7, () => rng.pick(["wifi", "cellular", "ethernet"] as const)) ?? null,
          batteryPercent: rng.maybe(0.8, () => rng.int(0, 100)) ?? null,
          signalDbm: rng.maybe(0.8, () => rng.int(-110, -40)) ?? null,
          firmwareVersion: rng.pick(["1.0.0", "1.1.0"]),
          errors: rng.next() < 0.2 ? rng.int(1, 3) : 0,
        });
      }
    }
    const rows = old.map((r) => ({ ...r, at: r.at.toISOString(), errorList: r.errors ? Array.from({ length: r.errors }, (_, i) => ({ code: `E${i}` })) : null }));
    await db.execute(sql`
      insert into checkins (terminal_id, at, firmware_version, battery_percent, signal_dbm, network, error_count, errors, transactions)
      select "terminalId", at, "firmwareVersion", "batteryPercent", "signalDbm", network, errors, "errorList", transactions
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r("terminalId" uuid, at timestamptz, "firmwareVersion" text, "batteryPercent" smallint,
        "signalDbm" smallint, network network_type, errors smallint, "errorList" jsonb, transactions int)`);
    expect(await countRows(handle, "checkins")).toBe(old.length);

    await migrateDatabase(handle);

    // Every row is there, in the trimmed shape, in a partition of its day; none was left in the default.
    const columns = await queryRows<{ column_name: string }>(db, sql`select column_name from information_schema.columns where table_name = 'checkins' order by column_name`);
    expect(columns.map((col) => col.column_name)).toEqual(["at", "battery_percent", "errors", "firmware_version", "network", "signal_dbm", "terminal_id", "transactions"]);
    const ids = [a!.id, b!.id];
    const sortRaw = (list: RawCheckIn[]) => [...list].sort((x, y) => x.terminalId.localeCompare(y.terminalId) || x.at.getTime() - y.at.getTime());
    expect(sortRaw(await storedCheckIns(handle, ids, dayOne))).toEqual(sortRaw(old));
    const errorLists = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from checkins where errors is not null and jsonb_array_length(errors) > 0`);
    expect(errorLists[0]!.n).toBe(old.filter((r) => r.errors > 0).length);
    expect(await countRows(handle, "checkins_default")).toBe(0);
    expect(await listPartitions(db, "checkins")).toEqual(consecutive("checkins", dayOne, 3, DAY_MS));
    for (let day = 0; day < 3; day++) {
      const partition = partitionName("checkins", at(dayOne, day * DAY_MS));
      expect(await countRows(handle, partition)).toBe(old.filter((r) => Math.floor((r.at.getTime() - dayOne.getTime()) / DAY_MS) === day).length);
    }
    expect(await listPartitions(db, "checkin_rollups")).toEqual(consecutive("checkin_rollups", dayOne, 3, DAY_MS));

    // The rollups, split where B's merchant got it, equal the aggregates of the old rows and what the recomputation gives.
    const expected = expectedRollups(old, new Map([[b!.id, joined]]));
    expect(expected.some((r) => r.periodStart === joined.getTime())).toBe(true);
    expect(await storedRollups(handle, ids, dayOne)).toEqual(expected);
    expect(await countRows(handle, "checkin_rollups_default")).toBe(0);
    await rollUpCheckins(db, dayOne);
    expect(await storedRollups(handle, ids, dayOne)).toEqual(expected);

    // Connectivity until the first sweep: seen within a day is offline, otherwise (or never) offline for a day.
    const states = await queryRows<{ serial_number: string; connectivity: string }>(db, sql`select serial_number, connectivity from terminals order by serial_number`);
    expect(states).toEqual([
      { serial_number: "OLD-A", connectivity: "offline" },
      { serial_number: "OLD-B", connectivity: "offline_day" },
      { serial_number: "OLD-C", connectivity: "offline_day" },
    ]);
    // The existing terminals are counted.
    const counts = await terminalCounts(db, { kind: "all" });
    expect(counts.map((n) => [n.status, n.firmwareVersion, n.connectivity, n.lowBattery, n.hasErrors, n.n]).sort()).toEqual([
      ["active", "1.0.0", "offline", true, false, 1],
      ["active", "1.1.0", "offline_day", false, true, 1],
      ["in_stock", "", "offline_day", false, false, 1],
    ]);
    expect((await terminalCounts(db, { kind: "merchants", merchantIds: [merchant!.id] })).reduce((sum, n) => sum + n.n, 0)).toBe(2);
  });
});
