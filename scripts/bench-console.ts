// `npm run bench:console [-- --terminals 100000 --sample 0.01 --raw-hours 48 --rollup-days 7 --iterations 200 --only TEXT --reseed]`
//
// Seeds a PostgreSQL database (BENCH_DATABASE_URL, default posfleet_bench_100k on localhost for
// 100,000 terminals, posfleet_bench_1m for a million; created if missing) as a live system has it,
// then measures the server time of the console's reads by calling the services in-process: the
// overview, the terminal list under every filter and sort, and a terminal's page, as an admin and
// as a merchant.
//
// The data: the demo, a generated fleet whose latest state is that of a live fleet (most terminals
// online, some offline for minutes to days), and for a sample of the terminals in service (1 %)
// their check-ins at the real interval (HEARTBEAT_INTERVAL_SECONDS, every 5 minutes by default):
// raw rows in time partitions for the last 48 hours and hourly rollups for the last 7 days. Every
// fleet merchant has 30 days of daily activity. The connectivity sweep and the count fold run
// after seeding, as the server's jobs would have; then VACUUM ANALYZE. Seeding is skipped when the
// database already holds the data and resumes where it stopped; --reseed drops the database first.
// Prints the seeding time, then p50/p95/p99/max per measurement against the 50 ms p95 target;
// timings never fail the run.
import { sql, type SQL } from "drizzle-orm";
import { openDatabase, queryRows, targetFromEnv, type Db } from "@/db/client";
import { createPartitions, DAY_MS, rollUpCheckins, rollupPeriodStart } from "@/db/history";
import type { TerminalStatus, UserRole } from "@/db/schema";
import { migrateDatabase } from "@/db/migrate";
import { isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { fleetConfig } from "@/server/config";
import { parseEnv } from "@/server/env";
import { terminalListInput, terminalSortFields, type TerminalListInput } from "@/server/schemas/terminals";
import type { Scope } from "@/server/scope";
import { sumFinishedDays, terminalActivity } from "@/server/services/activity";
import { sweepConnectivity } from "@/server/services/connectivity";
import { PARTITIONS_AHEAD } from "@/server/services/history";
import { fleetOverview } from "@/server/services/overview";
import { foldTerminalCounts } from "@/server/services/terminal-counts";
import { getTerminalBySerial, listTerminals } from "@/server/services/terminals";
import { fraction, parseOptions, positiveInt } from "./lib/args";
import { ensureDatabase } from "./lib/bench-db";

const TARGET_P95_MS = 50;
const HOUR_MS = 3_600_000;
/** Days of daily activity per fleet merchant (the overview shows the last 14). */
const ACTIVITY_DAYS = 30;

const sizeLabel = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

const usage = `Usage: npm run bench:console [-- --terminals 100000 --sample 0.01 --raw-hours 48 --rollup-days 7 --iterations 200 --only TEXT --reseed]

Seeds BENCH_DATABASE_URL (default postgres://postgres:postgres@localhost:5432/posfleet_bench_<size>,
e.g. posfleet_bench_100k, posfleet_bench_1m; created when missing, kept for reruns) and prints
p50/p95/p99/max of the console's reads against the p95 < ${TARGET_P95_MS} ms target.

  --terminals N     generated fleet size (default 100000; a million: 1000000)
  --sample F        share of the terminals in service with check-in history (default 0.01)
  --raw-hours H     hours of raw check-ins for the sample, one every HEARTBEAT_INTERVAL_SECONDS (default 48)
  --rollup-days D   days of hourly rollups for the sample (default 7)
  --iterations N    timed calls per measurement, after a warm-up (default 200)
  --only TEXT       run only the measurements whose name contains TEXT (e.g. "merchant", "list")
  --reseed          drop the database and seed it again
  -h, --help        this text`;

const values = parseOptions(
  {
    terminals: { type: "string", default: "100000" },
    sample: { type: "string", default: "0.01" },
    "raw-hours": { type: "string", default: "48" },
    "rollup-days": { type: "string", default: "7" },
    iterations: { type: "string", default: "200" },
    only: { type: "string" },
    reseed: { type: "boolean", default: false },
  },
  usage,
);

const terminalTarget = positiveInt("terminals", values.terminals);
const sampleShare = fraction("sample", values.sample);
const rawHours = positiveInt("raw-hours", values["raw-hours"]);
const rollupDays = positiveInt("rollup-days", values["rollup-days"]);
const iterations = positiveInt("iterations", values.iterations);
const url = process.env.BENCH_DATABASE_URL ?? `postgres://postgres:postgres@localhost:5432/posfleet_bench_${sizeLabel(terminalTarget)}`;
const intervalSeconds = fleetConfig.heartbeatIntervalSeconds();
if (rollupDays * 24 < rawHours) {
  console.error("--rollup-days must cover --raw-hours: the rollups of the raw hours come from the raw rows.");
  process.exit(2);
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const fmt = (n: number) => n.toLocaleString("en");
const hourFloor = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

async function one<Row>(db: Db, query: SQL): Promise<Row> {
  const [row] = await queryRows<Row>(db, query);
  return row!;
}

/** What a seeded database was seeded with; a run with other settings needs --reseed. */
interface SeedState {
  anchor: Date;
  terminals: number;
  sampleShare: number;
  rawHours: number;
  rollupDays: number;
  intervalSeconds: number;
  seededSeconds: number | null;
  finishedAt: Date | null;
}

/**
 * The sample with check-in history: generated terminals in service or suspended (not in stock),
 * chosen by a hash of the serial number independent of the one that decides their state, so it
 * holds online, offline, suspended and faulty terminals in the fleet's proportions.
 */
const inSample = (alias: string) => {
  const t = sql.raw(alias);
  return sql`${t}.serial_number like 'FLEET-%' and ${t}.status <> 'in_stock'
    and (hashtext(${t}.serial_number || '/sample') & 2147483647) % 1000000 < ${Math.round(sampleShare * 1_000_000)}::int`;
};

/**
 * The sample's check-ins with `at` in [from, to): every terminal checked in every interval back from
 * its last check-in. Values derive from hashes of the serial number and the step back, so every
 * chunk and every run generates the same rows. `latestOnly`: just each terminal's last check-in.
 */
function generatedCheckins(from: Date, to: Date, latestOnly = false): SQL {
  const steps = latestOnly
    ? sql`generate_series(0, 0)`
    : sql`generate_series(greatest(0, floor(extract(epoch from s.last_seen_at - ${ts(to)}) / ${intervalSeconds}::int)::int + 1),
        floor(extract(epoch from s.last_seen_at - ${ts(from)}) / ${intervalSeconds}::int)::int)`;
  return sql`(
    select s.id as terminal_id, s.merchant_since, c.at, s.network, coalesce(s.firmware_version, '1.0.0') as firmware_version,
      case when extract(hour from c.at at time zone 'Asia/Shanghai') between 8 and 21 then (c.r >> 4) % 4 else 0 end as transactions,
      (59 + 40 * sin(extract(epoch from c.at) / 20000 + s.h))::smallint as battery_percent,
      case when s.network <> 'ethernet' then (-55 - c.r % 40)::smallint end as signal_dbm,
      case when c.r % 150 = 0 then jsonb_build_array(jsonb_build_object('code',
        (array['NETWORK_TIMEOUT', 'CARD_READER_TIMEOUT', 'PRINTER_PAPER_OUT', 'LOW_MEMORY'])[1 + (c.r / 150) % 4])) end as errors
    from (select t.*, hashtext(t.serial_number) & 2147483647 as h from terminals t
      where ${inSample("t")} and t.last_seen_at >= ${ts(from)}) s
    cross join lateral (
      select s.last_seen_at - k * ${intervalSeconds}::int * interval '1 second' as at, hashtext(s.serial_number || ':' || k) & 2147483647 as r
      from ${steps} k
    ) c
  )`;
}

/**
 * Runs a generating statement without JIT: the planner expects far more generated rows than there
 * are and would spend longer compiling the statement than running it.
 */
async function generate(db: Db, statement: SQL): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    const result = await tx.execute(statement);
    return (result as unknown as { rowCount?: number | null }).rowCount ?? 0;
  });
}

/** [from, to) in pieces of `stepMs`, oldest first. */
function windows(from: number, to: number, stepMs: number): [Date, Date][] {
  const out: [Date, Date][] = [];
  for (let a = from; a < to; a += stepMs) out.push([new Date(a), new Date(Math.min(to, a + stepMs))]);
  return out;
}

/** Whether a fleet terminal has a row in [from, to) of a history table: each chunk is one statement, so all or none of it is there. */
async function chunkDone(db: Db, table: "checkins" | "checkin_rollups", from: Date, to: Date) {
  const column = sql.raw(table === "checkins" ? "at" : "period_start");
  const { done } = await one<{ done: boolean }>(
    db,
    sql`select exists (select 1 from ${sql.raw(table)} c join terminals t on t.id = c.terminal_id
      where c.${column} >= ${ts(from)} and c.${column} < ${ts(to)} and t.serial_number like 'FLEET-%') as done`,
  );
  return done;
}

async function seedHistory(db: Db, anchor: Date) {
  const rawFrom = hourFloor(anchor.getTime() - rawHours * HOUR_MS);
  const rollupFrom = hourFloor(anchor.getTime() - rollupDays * DAY_MS);
  const end = anchor.getTime() + 1; // the last check-ins are at the anchor at the latest

  let started = performance.now();
  const { sample, recent } = await one<{ sample: number; recent: number }>(
    db,
    sql`select count(*)::int as sample, count(*) filter (where t.last_seen_at >= ${ts(new Date(rawFrom))})::int as recent from terminals t where ${inSample("t")}`,
  );
  console.log(`History for a sample of ${fmt(sample)} terminals (${fmt(recent)} seen in the last ${rawHours} h), one check-in every ${intervalSeconds} s:`);

  // Raw check-ins an hour at a time, in time order, as the heartbeat writes them.
  let rows = 0;
  for (const [from, to] of windows(rawFrom, end, HOUR_MS)) {
    if (await chunkDone(db, "checkins", from, to)) continue;
    rows += await generate(
      db,
      sql`
      insert into checkins (terminal_id, at, transactions, network, battery_percent, signal_dbm, firmware_version, errors)
      select terminal_id, at, transactions, network, battery_percent, signal_dbm, firmware_version, errors
      from ${generatedCheckins(from, to)} c order by at`,
    );
  }
  console.log(`  raw check-ins: ${fmt(rows)} rows inserted (${seconds(started)})`);

  // Rollups older than the raw rows, straight from the same generated check-ins, a day at a time.
  started = performance.now();
  rows = 0;
  for (const [from, to] of windows(rollupFrom, rawFrom, DAY_MS)) {
    if (await chunkDone(db, "checkin_rollups", from, to)) continue;
    rows += await generate(
      db,
      sql`
      insert into checkin_rollups (terminal_id, period_start, transactions, errors, battery_sum, signal_sum, network, checkins, battery_readings, battery_min, signal_readings, firmware_version)
      select c.terminal_id, ${rollupPeriodStart(sql`c.at`, sql`c.merchant_since`)}, sum(c.transactions), coalesce(sum(jsonb_array_length(c.errors)), 0),
        coalesce(sum(c.battery_percent), 0), coalesce(sum(c.signal_dbm), 0), (array_agg(c.network order by c.at desc))[1],
        count(*), count(c.battery_percent), min(c.battery_percent), count(c.signal_dbm), (array_agg(c.firmware_version order by c.at desc))[1]
      from ${generatedCheckins(from, to)} c
      group by 1, 2
      on conflict (terminal_id, period_start) do nothing`,
    );
  }
  // The raw hours' rollups from the raw rows, as the app computes them (replaces, so reruns are harmless).
  await rollUpCheckins(db, new Date(rawFrom));
  console.log(`  hourly rollups: ${fmt(rows)} generated before the raw hours, the raw hours' rolled up (${seconds(started)})`);

  // The sample's latest state is its last check-in.
  started = performance.now();
  await generate(
    db,
    sql`
    update terminals t set battery_percent = c.battery_percent, signal_dbm = c.signal_dbm, network = c.network,
      error_count = coalesce(jsonb_array_length(c.errors), 0), last_errors = c.errors
    from ${generatedCheckins(new Date(0), new Date(end), true)} c
    where t.id = c.terminal_id`,
  );
  console.log(`  sample's latest state from its last check-in (${seconds(started)})`);
}

/**
 * Daily activity of every fleet merchant for the last 30 days (UTC), as the heartbeat writer keeps
 * it: a check-in per terminal in service per interval, a few transactions per trading hour each;
 * today's share up to the anchor. Generated, not summed from check-ins, since only the sample has them.
 */
async function seedDailyActivity(db: Db, anchor: Date) {
  const started = performance.now();
  const today = anchor.toISOString().slice(0, 10);
  const dayShare = (anchor.getTime() % DAY_MS) / DAY_MS;
  await db.execute(sql`
    insert into daily_activity (day, merchant_id, transactions, checkins)
    select d.day::date, m.merchant_id,
      round(m.n * (150 + abs(hashtext(m.merchant_id::text || d.day::text)) % 100) * case when d.day::date = ${today}::date then ${dayShare}::float8 else 1 end),
      round(m.n * ${Math.round(86_400 / intervalSeconds)}::int * case when d.day::date = ${today}::date then ${dayShare}::float8 else 1 end)
    from (select merchant_id, count(*) as n from terminals
      where serial_number like 'FLEET-%' and merchant_id is not null and status in ('active', 'faulty') group by merchant_id) m
    cross join generate_series(${today}::date - ${ACTIVITY_DAYS - 1}::int, ${today}::date, interval '1 day') d(day)
    on conflict (day, merchant_id) do update set transactions = excluded.transactions, checkins = excluded.checkins`);
  console.log(`Daily activity for ${ACTIVITY_DAYS} days (${seconds(started)}).`);
}

async function readState(db: Db): Promise<SeedState | null> {
  await db.execute(sql`create table if not exists bench_console_seed (
    anchor timestamptz not null, terminals int not null, sample_share float8 not null, raw_hours int not null,
    rollup_days int not null, interval_seconds int not null, seeded_seconds float8, finished_at timestamptz)`);
  const [row] = await queryRows<Record<string, unknown>>(db, sql`select * from bench_console_seed`);
  if (!row) return null;
  return {
    anchor: new Date(row.anchor as string),
    terminals: Number(row.terminals),
    sampleShare: Number(row.sample_share),
    rawHours: Number(row.raw_hours),
    rollupDays: Number(row.rollup_days),
    intervalSeconds: Number(row.interval_seconds),
    seededSeconds: row.seeded_seconds == null ? null : Number(row.seeded_seconds),
    finishedAt: row.finished_at ? new Date(row.finished_at as string) : null,
  };
}

/** Seeds what is missing and returns the moment the history ends, which the measurements use as "now". */
async function seed(db: Db): Promise<Date> {
  let state = await readState(db);
  const wanted = { terminals: terminalTarget, sampleShare, rawHours, rollupDays, intervalSeconds };
  if (state) {
    const differs = (Object.keys(wanted) as (keyof typeof wanted)[]).filter((k) => state![k] !== wanted[k]);
    if (differs.length) throw new Error(`The database was seeded with other settings (${differs.map((k) => `${k} ${state![k]}`).join(", ")}): run with --reseed or another BENCH_DATABASE_URL.`);
    if (state.finishedAt) {
      console.log(`Database already seeded on ${state.finishedAt.toISOString()} in ${state.seededSeconds?.toFixed(1)} s (${fmt(terminalTarget)} fleet terminals): skipping.`);
      return state.anchor;
    }
  } else {
    if (!(await isDatabaseEmpty(db))) throw new Error("The database holds data this benchmark did not seed: run with --reseed or another BENCH_DATABASE_URL.");
    const anchor = new Date();
    await db.execute(sql`insert into bench_console_seed (anchor, terminals, sample_share, raw_hours, rollup_days, interval_seconds)
      values (${ts(anchor)}, ${terminalTarget}, ${sampleShare}, ${rawHours}, ${rollupDays}, ${intervalSeconds})`);
    state = { anchor, ...wanted, seededSeconds: null, finishedAt: null };
  }
  const { anchor } = state;
  const resumed = state.seededSeconds === null && !(await isDatabaseEmpty(db));
  const started = performance.now();
  console.log(`${resumed ? "Resuming the seeding" : "Seeding"} of ${fmt(terminalTarget)} terminals as of ${anchor.toISOString()}…`);

  // Partitions first, as the history job keeps them (raw ones CHECKIN_PARTITION_MINUTES wide and
  // some ahead, daily rollups), so the demo's week of history fills the gaps with daily ones.
  let step = performance.now();
  const width = fleetConfig.checkinPartitionMs();
  const rawFrom = new Date(hourFloor(anchor.getTime() - rawHours * HOUR_MS));
  await createPartitions(db, "checkins", rawFrom, new Date(anchor.getTime() + PARTITIONS_AHEAD * width), width);
  await createPartitions(db, "checkin_rollups", new Date(anchor.getTime() - rollupDays * DAY_MS), new Date(anchor.getTime() + PARTITIONS_AHEAD * DAY_MS), DAY_MS);
  if (await isDatabaseEmpty(db)) {
    await seedDemo(db, anchor);
    console.log(`Demo data seeded (${seconds(step)}).`);
  }
  const fleetCount = async () => (await one<{ n: number }>(db, sql`select count(*)::int as n from terminals where serial_number like 'FLEET-%'`)).n;
  if ((await fleetCount()) === 0) {
    step = performance.now();
    await seedLargeFleet(db, terminalTarget, { liveAt: anchor });
    console.log(`Fleet of ${fmt(await fleetCount())} terminals seeded (${seconds(step)}).`);
  }
  await seedHistory(db, anchor);
  await seedDailyActivity(db, anchor);

  // What the server's jobs would have done by now: the offline sweep at the configured interval, the
  // count fold and the fleet's sums of finished days.
  step = performance.now();
  const { changed } = await sweepConnectivity(db, anchor);
  const { folded } = await foldTerminalCounts(db);
  console.log(`Connectivity swept (${fmt(changed)} changed) and ${fmt(folded)} count changes folded (${seconds(step)}).`);

  // Vacuum too: on a live system autovacuum has long set hint bits and the visibility map that
  // index-only scans need; without it the first reads of fresh rows would measure that work.
  step = performance.now();
  await db.execute(sql`vacuum (analyze)`);
  console.log(`Vacuumed and analyzed (${seconds(step)}).`);

  const took = (performance.now() - started) / 1000;
  await db.execute(sql`update bench_console_seed set seeded_seconds = ${took}, finished_at = now()`);
  console.log(`Seeding took ${took.toFixed(1)} s${resumed ? " (resumed: this run's part only)" : ""}.`);
  const sizes = await queryRows<{ name: string; rows: number; size: string }>(
    db,
    sql`select name, rows::bigint as rows, pg_size_pretty(bytes) as size from (
      select 'terminals' as name, (select count(*) from terminals) as rows, pg_total_relation_size('terminals') as bytes
      union all select 'checkins', (select count(*) from checkins), (select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'checkins'::regclass)
      union all select 'checkin_rollups', (select count(*) from checkin_rollups), (select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'checkin_rollups'::regclass)
      union all select 'daily_activity', (select count(*) from daily_activity), pg_total_relation_size('daily_activity')) s`,
  );
  for (const s of sizes) console.log(`  ${s.name.padEnd(16)} ${fmt(Number(s.rows)).padStart(12)} rows  ${s.size}`);
  return anchor;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

const results: { name: string; p95: number }[] = [];

async function measure(name: string, run: () => Promise<unknown>) {
  if (values.only && !name.includes(values.only)) return;
  // Warm-up fills the caches and the pool's connections, as a running server has them.
  for (let i = 0; i < Math.max(5, Math.ceil(iterations / 10)); i++) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const [p50, p95, p99, max] = [0.5, 0.95, 0.99, 1].map((p) => percentile(times, p).toFixed(1).padStart(7));
  const met = percentile(times, 0.95) < TARGET_P95_MS ? "met" : "MISSED";
  results.push({ name, p95: percentile(times, 0.95) });
  console.log(`${name.padEnd(44)} p50 ${p50}  p95 ${p95}  p99 ${p99}  max ${max} ms   ${met}`);
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const loadAverage = async () => {
  try {
    const { readFile } = await import("node:fs/promises");
    return (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
};

async function bench(db: Db, now: Date) {
  const admin: Scope = { kind: "all" };
  const models = (await queryRows<{ id: string }>(db, sql`select id from terminal_models`)).map((m) => m.id);
  const firmware = (
    await queryRows<{ v: string }>(db, sql`select distinct firmware_version as v from terminals where serial_number = any (array['FLEET-0000001', 'FLEET-0000002', 'FLEET-0000003', 'FLEET-0000004'])`)
  ).map((f) => f.v);
  // A random spread of fleet terminals: their merchants, stores and serial numbers drive the filters.
  const spread = await queryRows<{ serial: string; merchantId: string; storeId: string }>(
    db,
    sql`select serial_number as serial, merchant_id as "merchantId", store_id as "storeId" from terminals
      where serial_number like 'FLEET-%' and merchant_id is not null order by random() limit 2000`,
  );
  // Terminal pages: sample terminals checking in within the raw hours, so their charts and latest check-ins are full.
  const withHistory = await queryRows<{ serial: string; merchantId: string }>(
    db,
    sql`select t.serial_number as serial, t.merchant_id as "merchantId" from terminals t
      where ${inSample("t")} and t.merchant_id is not null and t.last_seen_at >= ${ts(new Date(now.getTime() - rawHours * HOUR_MS))}`,
  );
  if (withHistory.length === 0) throw new Error("No sample terminal has recent history: reseed with a larger --sample.");
  const merchantOf = (t: { merchantId: string }): Scope => ({ kind: "merchants", merchantIds: [t.merchantId] });
  const fleetSerial = () => `FLEET-${String(1 + Math.floor(Math.random() * terminalTarget)).padStart(7, "0")}`;

  type Viewer = { label: string; role: UserRole; scopeOf: (t: { merchantId: string }) => Scope };
  const viewers: Viewer[] = [
    { label: "admin", role: "admin", scopeOf: () => admin },
    // A merchant user of a random fleet merchant (100 terminals each) per call.
    { label: "merchant", role: "merchant", scopeOf: merchantOf },
  ];
  const statuses: TerminalStatus[][] = [["active"], ["suspended", "faulty"]];

  console.log(`\n${fmt(iterations)} iterations each, as of ${now.toISOString()}; load average before: ${await loadAverage()}`);
  for (const v of viewers) {
    /** A list call for a random spread terminal's merchant (or the admin), with filters from that terminal. */
    const list = (name: string, input: (t: (typeof spread)[number]) => TerminalListInput) =>
      measure(`list ${name} · ${v.label}`, () => {
        const t = pick(spread);
        return listTerminals(db, v.scopeOf(t), terminalListInput.parse(input(t)));
      });
    await measure(`overview · ${v.label}`, () => fleetOverview(db, v.scopeOf(pick(spread)), now));
    await list("all", () => ({}));
    for (const connectivity of ["online", "offline", "offline_day", "low_battery", "errors"] as const) {
      await list(`${connectivity}`, () => ({ connectivity }));
    }
    await list("offline, last seen desc", () => ({ connectivity: "offline", sort: "lastSeenAt", dir: "desc" }));
    for (const status of statuses) await list(`status ${status.join("+")}`, () => ({ status }));
    await list("model", () => ({ modelId: pick(models) }));
    await list("firmware", () => ({ firmwareVersion: pick(firmware) }));
    await list("model+firmware+active", () => ({ modelId: pick(models), firmwareVersion: pick(firmware), status: ["active"] }));
    await list("merchant", (t) => ({ merchantId: t.merchantId }));
    await list("store", (t) => ({ storeId: t.storeId }));
    // A serial number's first 10 characters match 1,000 generated terminals, the first 8 match
    // 100,000, "FLEET-" all of them: the total of a search counts the matching rows.
    await list("q serial", (t) => ({ q: t.serial }));
    await list("q 10 chars", (t) => ({ q: (v.label === "admin" ? fleetSerial() : t.serial).slice(0, 10) }));
    await list("q 8 chars", (t) => ({ q: (v.label === "admin" ? fleetSerial() : t.serial).slice(0, 8) }));
    await list("q FLEET- (whole fleet)", () => ({ q: "FLEET-" }));
    for (const sort of terminalSortFields) {
      for (const dir of ["asc", "desc"] as const) await list(`sort ${sort} ${dir}`, () => ({ sort, dir }));
    }
    await list("all, page 10 of 100", () => ({ page: 10, pageSize: 100 }));
    await measure(`terminal page · ${v.label}`, () => {
      const t = pick(withHistory);
      return Promise.all([getTerminalBySerial(db, v.scopeOf(t), v.role, t.serial), terminalActivity(db, v.scopeOf(t), t.serial, now)]);
    });
  }
  const missed = results.filter((r) => r.p95 >= TARGET_P95_MS);
  console.log(
    `\nLoad average after: ${await loadAverage()}. Target p95 < ${TARGET_P95_MS} ms: ${missed.length ? `missed by ${missed.map((r) => r.name).join(", ")}` : `met by all ${results.length}`}.`,
  );
}

try {
  await ensureDatabase(url, values.reseed);
  console.log(`Database ${new URL(url).pathname.slice(1)}.`);
  // The app's own pool settings, so the in-process figures match what the server would see.
  const handle = await openDatabase(targetFromEnv({ ...parseEnv(), DATABASE_URL: url }));
  try {
    await migrateDatabase(handle);
    const now = await seed(handle.db);
    // The fleet's sums of finished days, as the job keeps them (idempotent, so a rerun on an older seed gets them too).
    await sumFinishedDays(handle.db, now);
    await bench(handle.db, now);
  } finally {
    await handle.close();
  }
} catch (error) {
  // The expected stops (seeded with other settings) need no stack trace.
  console.error(error instanceof Error && error.message.includes("--reseed") ? error.message : error);
  process.exit(1);
}
