// `npm run bench:console [-- --terminals 100000 --checkins 10000000 --iterations 200 --reseed]`
//
// Seeds a PostgreSQL database (BENCH_DATABASE_URL, default posfleet_bench on localhost; created if
// missing) with the demo data, a generated fleet and its check-in history, then measures the server
// time of the console's heaviest reads by calling the services in-process: the overview, filtered
// terminal-list pages and a terminal's detail page, as an admin and as a merchant.
// Seeding is skipped when the database already holds the data and resumes where it stopped;
// --reseed drops the database first. Prints p50/p95/p99/max per measurement against the 50 ms p95
// target; timings never fail the run.
import { sql, type SQL } from "drizzle-orm";
import { openDatabase, queryRows, targetFromEnv, type Db } from "@/db/client";
import type { UserRole } from "@/db/schema";
import { migrateDatabase } from "@/db/migrate";
import { isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { parseEnv } from "@/server/env";
import { terminalListInput, type TerminalListInput } from "@/server/schemas/terminals";
import type { Scope } from "@/server/scope";
import { terminalActivity } from "@/server/services/activity";
import { fleetOverview } from "@/server/services/overview";
import { getTerminalBySerial, listTerminals } from "@/server/services/terminals";
import { parseOptions, positiveInt } from "./lib/args";
import { ensureDatabase } from "./lib/bench-db";

const TARGET_P95_MS = 50;
const HISTORY_DAYS = 30;

const values = parseOptions(
  {
    terminals: { type: "string", default: "100000" },
    checkins: { type: "string", default: "10000000" },
    iterations: { type: "string", default: "200" },
    reseed: { type: "boolean", default: false },
  },
  "Usage: npm run bench:console [-- --terminals 100000 --checkins 10000000 --iterations 200 --reseed]\n\nSeeds BENCH_DATABASE_URL (default postgres://postgres:postgres@localhost:5432/posfleet_bench) and prints p50/p95/p99/max of the console's heaviest reads.",
);

const terminalTarget = positiveInt("terminals", values.terminals);
const checkinTarget = positiveInt("checkins", values.checkins);
const iterations = positiveInt("iterations", values.iterations);
const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres:postgres@localhost:5432/posfleet_bench";

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const fmt = (n: number) => n.toLocaleString("en");

async function one<Row>(db: Db, query: SQL): Promise<Row> {
  const [row] = await queryRows<Row>(db, query);
  return row!;
}

/**
 * The fleet's history: every activated FLEET-* terminal gets ≈ checkins/terminals check-ins spread
 * evenly over the last 30 days. Most active terminals checked in minutes before the anchor (online);
 * one in twenty stopped 20 minutes to 3 days earlier, suspended and faulty ones days earlier, so the
 * connectivity filters find realistic shares. Inserted one "age step" at a time, oldest first and
 * sorted by time, so the heap stays in time order for the BRIN index and a chunk is one statement:
 * the number of check-ins of the first terminal says how many chunks are done.
 */
async function seedCheckins(db: Db, anchor: Date) {
  const fleet = sql`select id, serial_number, firmware_version, network, status, hashtext(serial_number) & 2147483647 as h,
      row_number() over (order by serial_number) - 1 as n
    from terminals where serial_number like 'FLEET-%' and status <> 'in_stock'`;
  const { activated, first } = await one<{ activated: number; first: string }>(db, sql`select count(*)::int as activated, min(id::text) filter (where n = 0) as first from (${fleet}) f`);
  const perTerminal = Math.floor(checkinTarget / activated);
  const extra = checkinTarget % activated; // terminals n < extra get one more check-in
  const steps = perTerminal + (extra > 0 ? 1 : 0);
  const { done } = await one<{ done: number }>(db, sql`select count(*)::int as done from checkins where terminal_id = ${first}`);
  if (done >= steps) return;
  console.log(`Check-ins: ${fmt(checkinTarget)} for ${fmt(activated)} terminals${done ? `, resuming after ${done} of ${steps} chunks` : ""}…`);
  const started = performance.now();
  // The oldest chunk holds only the `extra` check-ins when the division leaves a remainder.
  let inserted = done === 0 ? 0 : (done - (extra > 0 ? 1 : 0)) * activated + extra;
  for (let step = steps - 1 - done; step >= 0; step--) {
    await db.execute(sql`
      with plan as (
        select f.*, case
            when f.status <> 'active' then 86400 + f.h % 1209600
            when f.h % 20 = 0 then 1200 + f.h % 258000
            else f.h % 300
          end * interval '1 second' as lag
        from (${fleet}) f
        where f.n < ${step < perTerminal ? activated : extra}::int
      ), rows as (
        select p.*, ${anchor.toISOString()}::timestamptz - p.lag
            - (${HISTORY_DAYS}::int * interval '1 day' - p.lag) / ${steps}::int
              * (${step}::int + case when ${step}::int > 0 then (p.h >> 8) % 1000 / 1000.0 else 0 end)::float8 as at,
          hashtext(p.serial_number || ':' || ${step}::int) & 2147483647 as k
        from plan p
      )
      insert into checkins (terminal_id, at, firmware_version, battery_percent, signal_dbm, network, error_count, errors, transactions)
      select id, at, coalesce(firmware_version, '1.0.0'),
        (59 + 40 * sin(extract(epoch from at) / 20000 + h))::smallint,
        case when network <> 'ethernet' then (-55 - k % 40)::smallint end,
        network,
        (k % 150 = 0)::int,
        case when k % 150 = 0 then jsonb_build_array(jsonb_build_object('code',
          (array['NETWORK_TIMEOUT', 'CARD_READER_TIMEOUT', 'PRINTER_PAPER_OUT', 'LOW_MEMORY'])[1 + (k / 150) % 4])) end,
        case when extract(hour from at at time zone 'Asia/Shanghai') between 8 and 21 then (k >> 4) % 40 else 0 end
      from rows order by at`);
    const before = inserted;
    inserted += step < perTerminal ? activated : extra;
    if (Math.floor((10 * inserted) / checkinTarget) > Math.floor((10 * before) / checkinTarget)) {
      console.log(`  ${fmt(inserted)} / ${fmt(checkinTarget)} (${seconds(started)})`);
    }
  }
}

/** Latest state from each terminal's last check-in; terminals still in stock have none. */
async function finishSeeding(db: Db, anchor: Date) {
  let started = performance.now();
  await db.execute(sql`
    update terminals t set last_seen_at = c.at, firmware_version = c.firmware_version, battery_percent = c.battery_percent,
      signal_dbm = c.signal_dbm, network = c.network, error_count = c.error_count, last_errors = c.errors,
      activated_at = least(t.activated_at, ${anchor.toISOString()}::timestamptz - ${HISTORY_DAYS}::int * interval '1 day')
    from terminals f cross join lateral (
      select at, firmware_version, battery_percent, signal_dbm, network, error_count, errors
      from checkins where terminal_id = f.id order by at desc limit 1) c
    where t.id = f.id and f.serial_number like 'FLEET-%'`);
  await db.execute(sql`
    update terminals set last_seen_at = null, battery_percent = null, signal_dbm = null, network = null, activated_at = null
    where serial_number like 'FLEET-%' and status = 'in_stock'`);
  console.log(`Terminals' latest state set (${seconds(started)}).`);
  started = performance.now();
  // Replaces rather than adds, so a rerun after a crash counts nothing twice.
  await db.execute(sql`
    insert into daily_activity (day, merchant_id, transactions, checkins)
    select (c.at at time zone 'UTC')::date, t.merchant_id, sum(c.transactions), count(*)
    from checkins c join terminals t on t.id = c.terminal_id
    where t.serial_number like 'FLEET-%' and t.merchant_id is not null
    group by 1, 2
    on conflict (day, merchant_id) do update set transactions = excluded.transactions, checkins = excluded.checkins`);
  console.log(`Daily activity aggregated (${seconds(started)}).`);
  started = performance.now();
  // Vacuum too: on a live system autovacuum has long set hint bits and the visibility map that
  // index-only scans need; without it the first reads of fresh rows would measure that work.
  await db.execute(sql`vacuum (analyze)`);
  console.log(`Vacuumed and analyzed (${seconds(started)}).`);
}

/** Seeds what is missing and returns the moment the history ends, which the measurements use as "now". */
async function seed(db: Db): Promise<Date> {
  const fleetCount = async () => (await one<{ n: number }>(db, sql`select count(*)::int as n from terminals where serial_number like 'FLEET-%'`)).n;
  const started = performance.now();
  if (await isDatabaseEmpty(db)) {
    await seedDemo(db);
    console.log("Demo data seeded.");
  }
  let fleet = await fleetCount();
  if (fleet === 0) {
    await seedLargeFleet(db, terminalTarget);
    fleet = await fleetCount();
    console.log(`Fleet of ${fmt(fleet)} terminals seeded (${seconds(started)}).`);
  }
  if (fleet < terminalTarget) throw new Error(`The database holds ${fmt(fleet)} generated terminals, not ${fmt(terminalTarget)}: run with --reseed.`);
  // The fleet's creation time anchors the history, so a resumed or repeated run stays consistent.
  const { ms } = await one<{ ms: number }>(db, sql`select extract(epoch from created_at)::float8 * 1000 as ms from terminals where serial_number like 'FLEET-%' limit 1`);
  const anchor = new Date(ms);
  const { total, daily } = await one<{ total: number; daily: boolean }>(
    db,
    sql`select (select count(*)::int from checkins) as total,
      exists (select 1 from daily_activity d join merchants m on m.id = d.merchant_id where m.name like 'Fleet Merchant %') as daily`,
  );
  if (total >= checkinTarget && daily) {
    console.log(`Database already seeded (${fmt(fleet)} fleet terminals, ${fmt(total)} check-ins): skipping.`);
    return anchor;
  }
  await seedCheckins(db, anchor);
  await finishSeeding(db, anchor);
  console.log(`Seeding took ${seconds(started)}.`);
  return anchor;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function measure(name: string, run: () => Promise<unknown>) {
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
  const met = percentile(times, 0.95) < TARGET_P95_MS ? "met" : "missed";
  console.log(`${name.padEnd(34)} p50 ${p50}  p95 ${p95}  p99 ${p99}  max ${max} ms   target p95 < ${TARGET_P95_MS} ms: ${met}`);
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;

async function bench(db: Db, now: Date) {
  const admin: Scope = { kind: "all" };
  const { merchantId } = await one<{ merchantId: string }>(db, sql`select id as "merchantId" from merchants where name = 'Fleet Merchant 00001'`);
  const merchant: Scope = { kind: "merchants", merchantIds: [merchantId] };
  const models = (await queryRows<{ id: string }>(db, sql`select id from terminal_models`)).map((m) => m.id);
  const merchantSerials = (await queryRows<{ serial: string }>(db, sql`select serial_number as serial from terminals where merchant_id = ${merchantId} and status <> 'in_stock'`)).map((t) => t.serial);
  const fleetSerial = () => `FLEET-${String(1 + Math.floor(Math.random() * terminalTarget)).padStart(7, "0")}`;
  const list = (scope: Scope, input: () => TerminalListInput) => () => listTerminals(db, scope, terminalListInput.parse(input()), now);
  const detail = (scope: Scope, role: UserRole, serial: () => string) => () => {
    const s = serial();
    return Promise.all([getTerminalBySerial(db, scope, role, s), terminalActivity(db, scope, s, now)]);
  };

  console.log(`\n${fmt(iterations)} iterations each, as of ${now.toISOString()}:`);
  await measure("overview · admin", () => fleetOverview(db, admin, now));
  await measure("overview · merchant", () => fleetOverview(db, merchant, now));
  await measure(
    "list offline · admin",
    list(admin, () => ({ connectivity: "offline", status: ["active"], sort: "lastSeenAt", dir: "desc" })),
  );
  await measure(
    "list low battery · admin",
    list(admin, () => ({ connectivity: "low_battery", sort: "lastSeenAt", dir: "desc" })),
  );
  await measure(
    "list search q · admin",
    list(admin, () => ({ q: fleetSerial().slice(0, 10) })),
  );
  await measure(
    "list model · admin",
    list(admin, () => ({ modelId: pick(models), sort: "lastSeenAt", dir: "desc" })),
  );
  await measure(
    "list offline · merchant",
    list(merchant, () => ({ connectivity: "offline", sort: "lastSeenAt", dir: "desc" })),
  );
  await measure(
    "list all · merchant",
    list(merchant, () => ({ sort: "lastSeenAt", dir: "desc" })),
  );
  await measure("detail · admin", detail(admin, "admin", fleetSerial));
  await measure(
    "detail · merchant",
    detail(merchant, "merchant", () => pick(merchantSerials)),
  );
}

try {
  await ensureDatabase(url, values.reseed);
  // The app's own pool settings, so the in-process figures match what the server would see.
  const handle = await openDatabase(targetFromEnv({ ...parseEnv(), DATABASE_URL: url }));
  try {
    await migrateDatabase(handle);
    await bench(handle.db, await seed(handle.db));
  } finally {
    await handle.close();
  }
} catch (error) {
  console.error(error);
  process.exit(1);
}
