// Heartbeat benchmark: the device API's sustained check-in rate on a production build.
//
//   npm run bench:heartbeat [-- --duration 30 --concurrency 128 --instances 1 --terminals 20000
//                              --warmup 5 --port 4300 --engine postgres|pglite --skip-build --fresh
//                              --baseline-batch N --cpu-prof DIR --rotate-every S --retain-partitions N
//                              --alert-rules N --queue-commands]
//
// 1. Builds the app (`next build`), unless --skip-build and a build exists in .next.
// 2. Prepares the database: PostgreSQL at BENCH_DATABASE_URL (default
//    postgres://postgres:postgres@localhost:5432/posfleet_heartbeat_bench, created if missing), or
//    with --engine pglite a PGlite folder under the system temp dir. Migrates, seeds the demo data
//    and a generated fleet (--fresh starts from an empty database), and issues a device token for
//    each of --terminals active terminals. Enough terminals keep every token far below the per-token
//    rate limit (DEVICE_RATE_LIMIT_PER_MINUTE, 60): at 5,000/s over 20,000 tokens each sees 15/min.
// 3. Starts --instances production servers (`npm start`'s server/main.ts) on consecutive ports from --port and
//    drives them with --concurrency requests always in flight, round-robin over tokens and servers:
//    --warmup seconds unmeasured, then --duration seconds measured. Every latency is kept. The
//    generator's client is a lean one (LeanHeartbeatClient: HTTP/1.1 by hand over keep-alive
//    sockets), since it shares the cores with the server it measures.
// 4. Baseline: the same row writes straight through pg, without HTTP, auth or Next.js (see baseline()).
// --cpu-prof DIR writes a V8 CPU profile of each server to DIR (open it in Chrome DevTools).
// --alert-rules N puts N alert rules in place first (see prepareAlertRules()), so the check-ins'
// own alert evaluation and the evaluate-alerts job run under the load.
// --queue-commands gives every bench terminal an open remote command (a ping) first; the load
// generator never reports results, so every heartbeat answer carries one (see prepareCommands()).
// Prints heartbeats/s, p50/p95/p99/max latency, errors by status, the app/baseline ratio and where
// the CPU went, then a summary block for the README. Targets are reported, never enforced.
//
// Soak mode (--rotate-every S, e.g. `--duration 600 --rotate-every 60`, PostgreSQL only): a
// compressed day. The servers get CHECKIN_PARTITION_MINUTES = S/60, so raw check-ins go to a new
// partition every S seconds, and CHECKIN_RETENTION_HOURS = --retain-partitions (default 3) × S, so
// the maintain-history job (every 60 s) creates partitions ahead and drops expired ones while the
// load runs. The bench's earlier raw partitions are dropped first (an hour-wide one would cover the whole soak).
// Prints heartbeats/s, latencies, errors, CPU and partition changes per
// minute, the partitions created and dropped, a verdict (see soakVerdict()), and the storage per
// terminal measured on the partitions the soak wrote (see measureStorage()).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, like, sql } from "drizzle-orm";
import pg from "pg";
import { openDatabase, queryRows, type Db, type DbHandle, type DbTarget } from "@/db/client";
import { historyTables, listPartitions, type HistoryTable } from "@/db/history";
import { migrateDatabase } from "@/db/migrate";
import { terminals } from "@/db/schema";
import { isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { DEVICE_REQUEST_BATCHING } from "@/server/batcher";
import { setting } from "@/server/env";
import { issueDeviceToken } from "@/server/services/device-tokens";
import { FLEET_EVENTS_CHANNEL } from "@/server/services/fleet-events";
import { recordCheckIns, type CheckIn } from "@/server/services/heartbeat";
import { maintainHistory } from "@/server/services/history";
import { heartbeatUrl, LeanHeartbeatClient, LoadStats, percentile, runClosedLoop, SimulatedTerminal, type FleetTerminal, type Outcome } from "./lib/heartbeat-load";
import { parseOptions, positiveInt } from "./lib/args";

const TARGETS = { heartbeatsPerSecond: 3400, p99Ms: 100, ratio: 0.5 };
// The app's write statements in flight per instance (the device API's Batcher setting).
const APP_WRITE_CONCURRENCY = DEVICE_REQUEST_BATCHING.concurrency;
// Readings are generated as if terminals checked in at the production interval.
const NOMINAL_INTERVAL_SECONDS = 300;
const DEFAULT_BASELINE_BATCH = 100;
// Soak mode: figures per minute, the partition list polled this often, and the baseline measured at most this long.
const SOAK_SLICE_MS = 60_000;
const SOAK_POLL_MS = 5_000;
const SOAK_BASELINE_MAX_MS = 60_000;
// The last minute's rate may differ from the first's by this share at most.
const SOAK_DRIFT = 0.1;
// Storage per terminal: check-ins at the production interval, and the target held per terminal (decimal units, as 100 GB per million).
const CHECKINS_PER_HOUR = 3600 / NOMINAL_INTERVAL_SECONDS;
const HELD_TARGET_BYTES = 100_000;

const values = parseOptions(
  {
    engine: { type: "string", default: "postgres" },
    duration: { type: "string", default: "30" },
    warmup: { type: "string" },
    // The most in flight that keeps p99 under 100 ms on 2 cores today; more raises throughput a little
    // and latency a lot, since one server process is CPU-bound (see the cpu line).
    concurrency: { type: "string", default: "128" },
    instances: { type: "string", default: "1" },
    terminals: { type: "string", default: "20000" },
    port: { type: "string", default: "4300" },
    "baseline-batch": { type: "string" },
    "cpu-prof": { type: "string" },
    "skip-build": { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
    "rotate-every": { type: "string" },
    "retain-partitions": { type: "string" },
    "alert-rules": { type: "string", default: "0" },
    "queue-commands": { type: "boolean", default: false },
  },
  `Usage: npm run bench:heartbeat [-- --duration 30 --concurrency 128 --instances 1 --terminals 20000
                               --warmup 5 --port 4300 --engine postgres|pglite --skip-build --fresh
                               --baseline-batch N --cpu-prof DIR --rotate-every S --retain-partitions N
                               --alert-rules N --queue-commands]

Builds the app, starts production servers and drives heartbeats at them; prints heartbeats/s and latencies.

  --duration S           seconds measured (default 30; the soak's length with --rotate-every)
  --warmup S             seconds of load before measuring (default 5; 60 in soak mode, so that the
                         first measured minute is past start-up and comparable with the last)
  --concurrency N        requests always in flight (default 128)
  --instances N          server instances on consecutive ports (default 1)
  --terminals N          terminals with device tokens, taken in turn (default 20000)
  --port P               the first server's port (default 4300)
  --engine E             postgres (default, BENCH_DATABASE_URL) or pglite
  --skip-build           reuse the build in .next
  --fresh                start from an empty database
  --baseline-batch N     rows per statement for the baseline (default: the app's average batch)
  --cpu-prof DIR         write a V8 CPU profile of each server to DIR
  --rotate-every S       soak mode: raw check-in partitions S seconds wide (a multiple of 60), rolled
                         and dropped while the load runs; prints figures per minute, a verdict and
                         the storage per terminal (PostgreSQL only)
  --retain-partitions N  soak mode: raw check-ins kept N partitions long (default 3)
  --alert-rules N        N alert rules active during the run, spread over the generated merchants
                         and the rule kinds (default 0: the bench's earlier rules are removed)
  --queue-commands       every terminal has an open remote command, so every heartbeat answer
                         carries one (without it, the bench's earlier commands are removed)`,
);

const engine = values.engine;
if (engine !== "postgres" && engine !== "pglite") {
  console.error("--engine must be postgres or pglite.");
  process.exit(2);
}
const durationMs = positiveInt("duration", values.duration) * 1000;
const warmupMs = positiveInt("warmup", values.warmup ?? (values["rotate-every"] === undefined ? "5" : "60")) * 1000;
const concurrency = positiveInt("concurrency", values.concurrency);
const instances = positiveInt("instances", values.instances);
const terminalCount = positiveInt("terminals", values.terminals);
const firstPort = positiveInt("port", values.port);
const alertRuleCount = values["alert-rules"] === "0" ? 0 : positiveInt("alert-rules", values["alert-rules"]);
const baselineBatchOption = values["baseline-batch"] === undefined ? undefined : positiveInt("baseline-batch", values["baseline-batch"]);
if (engine === "pglite" && instances > 1) {
  console.error("PGlite allows one process per database folder: --instances must be 1.");
  process.exit(2);
}
const rotateEverySeconds = values["rotate-every"] === undefined ? undefined : positiveInt("rotate-every", values["rotate-every"]);
const soak = rotateEverySeconds === undefined ? undefined : { widthMs: rotateEverySeconds * 1000, retainPartitions: positiveInt("retain-partitions", values["retain-partitions"] ?? "3") };
if (rotateEverySeconds !== undefined && (rotateEverySeconds % 60 !== 0 || rotateEverySeconds > 86_400)) {
  console.error("--rotate-every must be a whole number of minutes in seconds (60, 120, …), at most a day: CHECKIN_PARTITION_MINUTES is whole minutes.");
  process.exit(2);
}
if (!soak && values["retain-partitions"] !== undefined) {
  console.error("--retain-partitions goes with --rotate-every.");
  process.exit(2);
}
if (soak && engine !== "postgres") {
  console.error("The soak (--rotate-every) runs on PostgreSQL: the bench watches the partitions while the servers hold the database, which PGlite does not allow.");
  process.exit(2);
}

const root = process.cwd();
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres:postgres@localhost:5432/posfleet_heartbeat_bench";
const target: Exclude<DbTarget, { engine: "pglite-memory" }> =
  engine === "postgres"
    ? { engine: "postgres", url: databaseUrl, poolSize: Math.max(8, APP_WRITE_CONCURRENCY * instances) }
    : { engine: "pglite", dataDir: path.join(os.tmpdir(), "posfleet-heartbeat-bench-pglite") };

const fmt = (n: number, digits = 0) => n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? command)} ${args[1] ?? ""} exited with ${code}`))));
  });
}

async function ensureBuild() {
  if (values["skip-build"] && fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
    console.log("Reusing the production build in .next.");
    return;
  }
  if (values["skip-build"]) console.log("No build in .next: building anyway.");
  await run(process.execPath, [nextBin, "build"]);
}

/** Empties the bench database: drops and re-creates it on PostgreSQL, removes the folder on PGlite. */
async function resetDatabase(drop: boolean) {
  if (target.engine !== "postgres") {
    if (drop) fs.rmSync(target.dataDir, { recursive: true, force: true });
    return;
  }
  const maintenance = new URL(target.url);
  const name = decodeURIComponent(maintenance.pathname.slice(1));
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Cannot reach PostgreSQL at ${maintenance.host} (${(error as Error).message}). Is it running? (Debian: service postgresql start)`);
  }
  try {
    if (drop) await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function openSeeded(): Promise<DbHandle> {
  const handle = await openDatabase(target);
  await migrateDatabase(handle);
  if (await isDatabaseEmpty(handle.db)) await seedDemo(handle.db);
  return handle;
}

/** The kinds the bench's rules take in turn: the three a check-in can change first, so most rules meet the load. */
const BENCH_RULE_KINDS = [
  { kind: "terminal_offline", threshold: 30 },
  { kind: "low_battery", threshold: 15 },
  { kind: "errors_reported", threshold: 3 },
  { kind: "tamper_failed", threshold: null },
  { kind: "work_order_overdue", threshold: null },
] as const;

/**
 * Replaces the bench's alert rules with `count` new ones: each generated merchant's own rules of
 * the kinds in turn (as merchant owners write them), plus one fleet-wide rule per kind every 100.
 */
async function prepareAlertRules(db: Db, count: number) {
  await db.execute(sql`delete from alert_rules where name like 'bench %'`);
  if (count === 0) return;
  await db.execute(sql`
    with fleet_merchants as (select id, row_number() over (order by name) - 1 as n, count(*) over () as c from merchants where name like 'Fleet Merchant %'),
    kinds as (select * from jsonb_to_recordset(${JSON.stringify(BENCH_RULE_KINDS)}::jsonb) as k(kind alert_rule_kind, threshold int))
    insert into alert_rules (name, kind, severity, threshold, owner_merchant_id, merchant_ids)
    select 'bench ' || g, k.kind, 'warning', k.threshold,
      case when g % 100 = 0 then null else m.id end, case when g % 100 = 0 then '{}'::uuid[] else array[m.id] end
    from generate_series(0, ${count - 1}) g
    join kinds k on k.kind = (${JSON.stringify(BENCH_RULE_KINDS.map((k) => k.kind))}::jsonb ->> (g % ${BENCH_RULE_KINDS.length}))::alert_rule_kind
    join fleet_merchants m on m.n = (g / ${BENCH_RULE_KINDS.length}) % m.c`);
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from alert_rules where name like 'bench %' and enabled`);
  console.log(`Alert rules active: ${fmt(row!.n)}.`);
}

/**
 * Replaces the bench terminals' remote commands with one queued ping each, or none. The load
 * generator never reports results, so the first heartbeat delivers each and every later one carries it.
 */
async function prepareCommands(db: Db, queue: boolean) {
  await db.execute(sql`delete from terminal_commands where terminal_id in (select id from terminals where serial_number like 'FLEET-%')`);
  if (!queue) return;
  const started = performance.now();
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`with queued as (
      insert into terminal_commands (terminal_id, merchant_id, type, expires_at)
      select id, merchant_id, 'ping', now() + interval '1 day' from terminals where serial_number like 'FLEET-%' and status = 'active' returning 1
    ) select count(*)::int as n from queued`,
  );
  console.log(`Remote commands queued: ${fmt(row!.n)} (${seconds(started)}).`);
}

const fleetCondition = and(eq(terminals.status, "active"), like(terminals.serialNumber, "FLEET-%"));

async function countFleet(db: Db) {
  const [row] = await queryRows<{ generated: number; active: number }>(
    db,
    sql`select count(*)::int as generated, (count(*) filter (where status = 'active'))::int as active from terminals where serial_number like 'FLEET-%'`,
  );
  return row!;
}

/** A database with at least `terminalCount` active generated terminals, each with a fresh device token. */
async function prepareFleet(): Promise<{ handle: DbHandle; fleet: SimulatedTerminal[] }> {
  const started = performance.now();
  await resetDatabase(values.fresh);
  let handle = await openSeeded();
  let counts = await countFleet(handle.db);
  if (counts.active < terminalCount) {
    if (counts.generated > 0) {
      // seedLargeFleet numbers its terminals from 1, so a smaller generated fleet cannot be topped up.
      console.log(`The bench database holds ${fmt(counts.active)} active generated terminals, fewer than ${fmt(terminalCount)}: starting over.`);
      await handle.close();
      await resetDatabase(true);
      handle = await openSeeded();
    }
    // About 4 % of the generated terminals are in stock, suspended or faulty.
    await seedLargeFleet(handle.db, Math.ceil(terminalCount / 0.95));
    counts = await countFleet(handle.db);
    console.log(`Seeded ${fmt(counts.generated)} generated terminals.`);
  }
  const rows: FleetTerminal[] = await handle.db
    .select({
      id: terminals.id,
      serialNumber: terminals.serialNumber,
      merchantId: terminals.merchantId,
      firmwareVersion: terminals.firmwareVersion,
      network: terminals.network,
      batteryPercent: terminals.batteryPercent,
    })
    .from(terminals)
    .where(fleetCondition)
    .orderBy(terminals.serialNumber)
    .limit(terminalCount);
  // Several transactions side by side: this is setup, and 20,000 tokens are 40,000 statements.
  const tokens: string[] = [];
  const parts = 8;
  await Promise.all(
    Array.from({ length: parts }, (_, part) =>
      handle.db.transaction(async (tx) => {
        for (let i = part; i < rows.length; i += parts) tokens[i] = await issueDeviceToken(tx, rows[i]!.id);
      }),
    ),
  );
  // Fresh statistics, as a live database has them: planned on an empty device_tokens table, the
  // token lookup of every request would scan it.
  await handle.db.execute(sql`analyze`);
  console.log(`Database ready: ${fmt(rows.length)} terminals with device tokens (${seconds(started)}).`);
  return { handle, fleet: rows.map((row, i) => new SimulatedTerminal(row, tokens[i]!)) };
}

interface Server {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

/** A port someone else listens on would answer the readiness check and take the load. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () => reject(new Error(`Port ${port} is in use: choose another first port with --port.`)));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

function startServer(port: number): Server {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Production mode as deployed: demo data and logins off, so a secret is required.
    NODE_ENV: "production",
    SEED_DEMO: "0",
    BETTER_AUTH_SECRET: randomBytes(36).toString("base64url"),
    NEXT_TELEMETRY_DISABLED: "1",
  };
  if (target.engine === "postgres") env.DATABASE_URL = target.url;
  else {
    delete env.DATABASE_URL;
    env.PGLITE_DIR = target.dataDir;
  }
  // Its own process group, so stopping it also stops anything it started.
  const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : [];
  env.PORT = String(port);
  if (soak) {
    env.CHECKIN_PARTITION_MINUTES = String(soak.widthMs / 60_000);
    env.CHECKIN_RETENTION_HOURS = String((soak.retainPartitions * soak.widthMs) / 3_600_000);
  }
  // Production refuses to start without the console's public URL (sign-in trusts exactly that origin).
  env.BETTER_AUTH_URL = `http://localhost:${port}`;
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "server/main.ts"], { cwd: root, env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[server :${port}] `)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { port, child, exited };
}

/** Ready when the device API answers a request without a token with 401. */
async function waitUntilReady(server: Server) {
  const deadline = Date.now() + 120_000;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/api/device/v1/heartbeat`, { method: "POST", body: "{}" });
      if (response.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(exited ? `The server on port ${server.port} exited during start-up.` : `The server on port ${server.port} did not become ready.`);
}

async function stopServer(server: Server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  process.kill(-server.child.pid!, "SIGTERM");
  if (await Promise.race([server.exited.then(() => true), sleep(5000, false)])) return;
  process.kill(-server.child.pid!, "SIGKILL");
  await server.exited;
}

/** CPU ticks (1/100 s, Linux's USER_HZ) used so far: the machine's busy time, and each process's. */
function cpuTicks() {
  const all = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const processes = new Map<number, { ppid: number; comm: string; ticks: number; system: number }>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const [user, system] = [Number(fields[11]), Number(fields[12])];
      processes.set(Number(entry), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), ticks: user + system, system });
    } catch {
      // Exited meanwhile.
    }
  }
  return { busy: all.reduce((a, b) => a + b, 0) - all[3]! - all[4]!, processes }; // minus idle and iowait
}

/**
 * PostgreSQL's processes that work for this benchmark: the backends on the bench database and the
 * server-wide ones (WAL writer, checkpointer), not the backends of other databases on the server.
 */
function servesBench(pid: number): boolean {
  if (target.engine !== "postgres") return false;
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const database = decodeURIComponent(new URL(target.url).pathname.slice(1));
    return title.includes(` ${database} `) || !/\(\d+\)|\[local\]/.test(title);
  } catch {
    return false;
  }
}

type CpuSample = ReturnType<typeof cpuTicks>;

/** Cores used between two samples by the servers (with their children), PostgreSQL, this process and the rest. */
function cpuUse(before: CpuSample, after: CpuSample, serverPids: number[], elapsedMs: number) {
  const servers = new Set(serverPids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of after.processes) if (!servers.has(pid) && servers.has(p.ppid)) grew = servers.add(pid).size > 0;
  }
  const cores = (ticks: number) => ticks / (elapsedMs / 10);
  // Per process, so one that started or ended between the samples cannot make a sum negative.
  const used = (keep: (pid: number, comm: string) => boolean, kind: "ticks" | "system" = "ticks") =>
    cores([...after.processes].reduce((sum, [pid, p]) => sum + (keep(pid, p.comm) ? p[kind] - (before.processes.get(pid)?.[kind] ?? 0) : 0), 0));
  const server = used((pid) => servers.has(pid));
  // In the kernel: mostly the sockets (HTTP answers, statements to PostgreSQL).
  const serverSystem = used((pid) => servers.has(pid), "system");
  const postgres = used((pid, comm) => comm === "postgres" && servesBench(pid));
  const generator = used((pid) => pid === process.pid);
  const other = Math.max(0, cores(after.busy - before.busy) - server - postgres - generator);
  return { server, serverSystem, postgres, generator, other };
}

function cpuReport(before: CpuSample, after: CpuSample, serverPids: number[], elapsedMs: number): string {
  const { server, serverSystem, postgres, generator, other } = cpuUse(before, after, serverPids, elapsedMs);
  const database = target.engine === "postgres" ? `postgres ${postgres.toFixed(2)}` : "PGlite runs inside next";
  return `app server ${server.toFixed(2)} (${serverSystem.toFixed(2)} in the kernel), ${database}, load generator ${generator.toFixed(2)}, other processes ${other.toFixed(2)} of ${os.availableParallelism()} cores`;
}

/**
 * The baseline is what the database does for the same heartbeats without the app around it: the
 * app's own write statement (recordCheckIns: latest state, history row, daily activity, notify),
 * called straight through a pg pool with the batch size the app's check-in Batcher formed during
 * the run (counted by the notifications: one per statement) and the same number of statements in
 * flight (the Batcher's setting per instance). What the app adds (HTTP, request parsing, JSON and zod,
 * the token check with its rate-limit counter, the Batcher's queueing) is the difference. PGlite
 * cannot be watched from a second process, so there the batch size is --baseline-batch (default 100).
 */
async function baseline(db: Db, fleet: SimulatedTerminal[], batchSize: number, inFlight: number, measureMs: number) {
  let next = 0;
  let failures = 0;
  const batch = (): CheckIn[] =>
    Array.from({ length: batchSize }, () => {
      const simulated = fleet[next++ % fleet.length]!;
      const { id, serialNumber, merchantId } = simulated.terminal;
      const at = new Date();
      return { device: { terminalId: id, serialNumber, merchantId }, report: simulated.report(at, NOMINAL_INTERVAL_SECONDS), at };
    });
  const runFor = async (ms: number) => {
    let rows = 0;
    const started = performance.now();
    const deadline = started + ms;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          const items = batch();
          try {
            await recordCheckIns(db, items);
            rows += items.length;
          } catch (error) {
            if (failures++ === 0) console.error("Baseline write failed:", error);
          }
        }
      }),
    );
    return (rows * 1000) / (performance.now() - started);
  };
  await runFor(warmupMs);
  return { rowsPerSecond: await runFor(measureMs), failures };
}

/** The soak starts from raw partitions of its own width: an earlier run's hour-wide ones would cover it whole. */
async function prepareSoak(db: Db, widthMs: number, retainPartitions: number) {
  for (const p of await listPartitions(db, "checkins")) await db.execute(sql`drop table ${sql.identifier(p.name)}`);
  // Rows there would get partitions of the soak's width over their whole span (the job gives strays a home).
  await db.execute(sql`truncate checkins_default`);
  // The partitions ahead, as the servers' job makes them, so no warm-up row waits in the default partition.
  await maintainHistory(db, new Date(), [{ table: "checkins", widthMs, retentionMs: retainPartitions * widthMs }]);
  // Due at once: the servers' first tick (5 s after the start) takes the job, then every 60 s.
  await db.execute(sql`update scheduled_jobs set next_run_at = now(), locked_until = null where name = 'maintain-history'`);
}

/** Outcomes per slice of the run (by the time each answer came), as well as in total. */
class SlicedStats extends LoadStats {
  readonly slices: LoadStats[];
  private started = performance.now();

  constructor(
    private readonly sliceMs: number,
    durationMs: number,
  ) {
    super();
    this.slices = Array.from({ length: Math.max(1, Math.ceil(durationMs / sliceMs)) }, () => new LoadStats());
  }

  begin() {
    this.started = performance.now();
  }

  override record(outcome: Outcome) {
    super.record(outcome);
    // Answers to the requests in flight at the deadline count in the last slice.
    this.slices[Math.min(this.slices.length - 1, Math.floor((performance.now() - this.started) / this.sliceMs))]!.record(outcome);
  }
}

/**
 * The history tables' partitions as this process saw them, polled every SOAK_POLL_MS while the
 * soak runs (a partition lives for minutes, so none comes and goes unseen), and the runs of the
 * servers' maintain-history job read from scheduled_jobs.
 */
class PartitionWatch {
  private readonly partitions = new Map<string, { table: HistoryTable; seenAt: number; goneAt?: number; initial: boolean }>();
  private readonly jobRuns = new Map<string, boolean>();
  private earlierRun?: string;
  private polling = Promise.resolve();
  private timer?: ReturnType<typeof setInterval>;
  private failures = 0;

  constructor(private readonly db: Db) {}

  /** Notes the partitions there are before the measurement, then polls until stop(). */
  async start() {
    await this.poll(true);
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll(false));
    }, SOAK_POLL_MS);
  }

  async stop() {
    clearInterval(this.timer);
    await this.polling;
    await this.poll(false);
  }

  /** Partitions of `table` created (first seen) and dropped (gone) in [from, to), in performance.now() time. */
  changes(table: HistoryTable, from = -Infinity, to = Infinity) {
    let created = 0;
    let dropped = 0;
    for (const p of this.partitions.values()) {
      if (p.table !== table) continue;
      if (!p.initial && p.seenAt >= from && p.seenAt < to) created++;
      if (p.goneAt !== undefined && p.goneAt >= from && p.goneAt < to) dropped++;
    }
    return { created, dropped };
  }

  /** The partitions of `table` there are now. */
  held(table: HistoryTable): number {
    return [...this.partitions.values()].filter((p) => p.table === table && p.goneAt === undefined).length;
  }

  /** The job's runs that finished during the measurement, and how many of them failed. */
  runs() {
    const all = [...this.jobRuns].filter(([at]) => at !== this.earlierRun);
    return { runs: all.length, failed: all.filter(([, ok]) => !ok).length, polls: this.failures };
  }

  private async poll(initial: boolean) {
    const at = performance.now();
    try {
      for (const table of Object.keys(historyTables) as HistoryTable[]) {
        const names = new Set((await listPartitions(this.db, table)).map((p) => p.name));
        for (const name of names) if (!this.partitions.has(name)) this.partitions.set(name, { table, seenAt: at, initial });
        for (const [name, p] of this.partitions) if (p.table === table && p.goneAt === undefined && !names.has(name)) p.goneAt = at;
      }
      const [job] = await queryRows<{ last_run_at: Date | string | null; last_result: { ok?: boolean } | null }>(
        this.db,
        sql`select last_run_at, last_result from scheduled_jobs where name = 'maintain-history'`,
      );
      const run = job?.last_run_at ? new Date(job.last_run_at).toISOString() : undefined;
      if (initial) this.earlierRun = run;
      else if (run) this.jobRuns.set(run, job!.last_result?.ok !== false);
    } catch (error) {
      if (this.failures++ === 0) console.error("Polling the partitions failed:", error);
    }
  }
}

interface StorageFigures {
  raw: { partitions: number; rows: number; tableBytes: number; indexBytes: number };
  rollup: { rows: number; tableBytes: number; indexBytes: number; written: { partitions: string[]; rows: number; bytes: number } };
}

const bytesOf = (db: Db, relation: string) =>
  queryRows<{ table: number; index: number }>(db, sql`select pg_table_size(${relation}::regclass)::float8 as "table", pg_indexes_size(${relation}::regclass)::float8 as "index"`).then(
    (rows) => rows[0]!,
  );

/**
 * Bytes on disk (tables with their TOAST and maps, plus indexes) per history row, after the soak.
 * Raw check-ins are only ever inserted, so their partitions are in their final state as written:
 * every non-empty one is measured. A rollup row is inserted at its terminal's first check-in of the
 * hour and updated at each later one; the soak's updates per row (hundreds, at a bench's rate over
 * 20,000 terminals) bloat its partition far beyond production's 11, so its final state is measured
 * on a copy: the soak's rollup rows written once into a table shaped like a partition (same
 * columns and primary key), in arrival order (hour by hour, terminals in no particular order, so
 * the index grows by page splits as it does in production). That is the partition once vacuum has
 * cleared the earlier row versions and their space has been reused; as written is printed too.
 */
async function measureStorage(db: Db, since: Date): Promise<StorageFigures> {
  const raw = { partitions: 0, rows: 0, tableBytes: 0, indexBytes: 0 };
  for (const p of await listPartitions(db, "checkins")) {
    const [{ n }] = (await queryRows<{ n: number }>(db, sql`select count(*)::float8 as n from ${sql.identifier(p.name)}`)) as [{ n: number }];
    if (n === 0) continue;
    const size = await bytesOf(db, p.name);
    raw.partitions++;
    raw.rows += n;
    raw.tableBytes += size.table;
    raw.indexBytes += size.index;
  }
  const from = sql`date_trunc('hour', ${since.toISOString()}::timestamptz, 'UTC')`;
  const touched = await queryRows<{ name: string }>(db, sql`select distinct tableoid::regclass::text as name from checkin_rollups where period_start >= ${from}`);
  const written = { partitions: touched.map((t) => t.name), rows: 0, bytes: 0 };
  for (const { name } of touched) {
    const [{ n }] = (await queryRows<{ n: number }>(db, sql`select count(*)::float8 as n from ${sql.identifier(name)}`)) as [{ n: number }];
    const size = await bytesOf(db, name);
    written.rows += n;
    written.bytes += size.table + size.index;
  }
  const rollup = await db.transaction(async (tx) => {
    await tx.execute(sql`create temp table bench_rollup_copy (like checkin_rollups including all) on commit drop`);
    await tx.execute(sql`insert into bench_rollup_copy select * from checkin_rollups where period_start >= ${from} order by period_start, md5(terminal_id::text)`);
    const [{ n }] = (await queryRows<{ n: number }>(tx, sql`select count(*)::float8 as n from bench_rollup_copy`)) as [{ n: number }];
    const size = await bytesOf(tx, "bench_rollup_copy");
    return { rows: n, tableBytes: size.table, indexBytes: size.index };
  });
  return { raw, rollup: { ...rollup, written } };
}

/** The storage figures as printed: per row, per terminal per day written, held at the default retention, and per million terminals. */
function storageReport(figures: StorageFigures, soakHeartbeats: number): string[] {
  const { raw, rollup } = figures;
  const rawRow = (raw.tableBytes + raw.indexBytes) / raw.rows;
  const rollupRow = (rollup.tableBytes + rollup.indexBytes) / rollup.rows;
  const writtenRow = rollup.written.bytes / rollup.written.rows;
  // The defaults, whatever this process's environment says.
  const retentionHours = setting("CHECKIN_RETENTION_HOURS", {});
  const widthHours = setting("CHECKIN_PARTITION_MINUTES", {}) / 60;
  const rollupDays = setting("ROLLUP_RETENTION_DAYS", {});
  const rawPerHour = CHECKINS_PER_HOUR * rawRow;
  const rollupPerDay = 24 * rollupRow;
  // Just before a drop: the retention plus the partition being written, for both tables (rollups are in daily partitions).
  const held = (hours: number, days: number) => (hours + widthHours) * rawPerHour + (days + 1) * rollupPerDay;
  const heldNow = held(retentionHours, rollupDays);
  const kb = (bytes: number) => `${fmt(bytes / 1000, 1)} KB`;
  const gb = (bytes: number) => `${fmt(bytes / 1e3, bytes < 1e4 ? 2 : 1)} GB`; // bytes per terminal × a million terminals, in GB
  const maxDays = (hours: number) => Math.floor((HELD_TARGET_BYTES - (hours + widthHours) * rawPerHour) / rollupPerDay) - 1;
  const options = [24, 48].map((hours) => `CHECKIN_RETENTION_HOURS=${hours} with ROLLUP_RETENTION_DAYS ≤ ${maxDays(hours)}`).join(", or ");
  return [
    `raw row     ${fmt(rawRow, 1)} B (table ${fmt(raw.tableBytes / raw.rows, 1)} + index ${fmt(raw.indexBytes / raw.rows, 1)}), ${fmt(raw.rows)} rows in the ${raw.partitions} partitions the soak left`,
    `rollup row  ${fmt(rollupRow, 1)} B (table ${fmt(rollup.tableBytes / rollup.rows, 1)} + index ${fmt(rollup.indexBytes / rollup.rows, 1)}), final state: the soak's ${fmt(rollup.rows)} rollup rows written once (see measureStorage)`,
    `            as written ${fmt(writtenRow, 1)} B per live row in ${rollup.written.partitions.join(", ")}, bloated by about ${fmt(soakHeartbeats / rollup.rows)} updates per row (production: 11)`,
    `written     ${kb(24 * rawPerHour + rollupPerDay)} per terminal per day at a ${NOMINAL_INTERVAL_SECONDS / 60}-minute interval (${24 * CHECKINS_PER_HOUR} raw rows ${kb(24 * rawPerHour)} + 24 rollup rows ${kb(rollupPerDay)})`,
    `held        ${kb(heldNow)} per terminal at the defaults: raw ${retentionHours + widthHours} h (CHECKIN_RETENTION_HOURS=${retentionHours} + one ${widthHours * 60}-minute partition) ${kb((retentionHours + widthHours) * rawPerHour)}, ` +
      `rollups ${rollupDays + 1} days (ROLLUP_RETENTION_DAYS=${rollupDays} + today's partition) ${kb((rollupDays + 1) * rollupPerDay)}`,
    `per 1M     ${gb(rawPerHour)} per retained hour of raw check-ins, ${gb(rollupPerDay)} per retained day of rollups; ${gb(heldNow)} held at the defaults`,
    `target     ≤ ${kb(HELD_TARGET_BYTES)} held per terminal ${heldNow <= HELD_TARGET_BYTES ? "met" : "missed"} at the defaults; met by ${options}`,
  ];
}

/** The soak's verdict: steady (last minute within SOAK_DRIFT of the first), p99 under target every minute, no errors, the rate and the ratio. */
function soakVerdict(slices: { rate: number; p99: number; errors: number; full: boolean }[], app: number, errors: number, ratio: number): string {
  const mark = (met: boolean) => (met ? "met" : "missed");
  const full = slices.filter((s) => s.full);
  const first = full[0];
  const last = full.at(-1);
  const drift = first && last && full.length > 1 ? last.rate / first.rate - 1 : undefined;
  const worstP99 = Math.max(...slices.map((s) => s.p99));
  const verdicts = [
    drift === undefined
      ? "last minute vs first n/a (under two full minutes)"
      : `last minute within ${SOAK_DRIFT * 100} % of the first ${mark(Math.abs(drift) <= SOAK_DRIFT)} (${drift >= 0 ? "+" : ""}${(drift * 100).toFixed(1)} %)`,
    `p99 < ${TARGETS.p99Ms} ms every minute ${mark(worstP99 < TARGETS.p99Ms)} (worst ${worstP99.toFixed(1)} ms)`,
    `zero errors ${mark(errors === 0)}`,
    `≥ ${fmt(TARGETS.heartbeatsPerSecond)}/s ${mark(app >= TARGETS.heartbeatsPerSecond)} (${fmt(app)})`,
    `ratio ≥ ${TARGETS.ratio} ${mark(ratio >= TARGETS.ratio)} (${ratio.toFixed(2)})`,
  ];
  const passed = drift !== undefined && Math.abs(drift) <= SOAK_DRIFT && worstP99 < TARGETS.p99Ms && errors === 0 && app >= TARGETS.heartbeatsPerSecond && ratio >= TARGETS.ratio;
  return `verdict     ${passed ? "PASS" : "FAIL"}: ${verdicts.join(", ")}`;
}

async function main() {
  const servers: Server[] = [];
  const shutdown = async () => {
    await Promise.all(servers.map(stopServer));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void shutdown().finally(() => process.exit(130)));
  }
  // The machine may be shared: a busy one before the start explains poor figures.
  const loadBefore = os.loadavg()[0]!;
  try {
    await ensureBuild();
    const prepared = await prepareFleet();
    const { fleet } = prepared;
    let { handle } = prepared;
    const [{ version }] = (await queryRows<{ version: string }>(handle.db, sql`select current_setting('server_version') as version`)) as [{ version: string }];
    if (soak) await prepareSoak(handle.db, soak.widthMs, soak.retainPartitions);
    await prepareAlertRules(handle.db, alertRuleCount);
    await prepareCommands(handle.db, values["queue-commands"]);
    // Only one process may open a PGlite folder: the servers' turn.
    if (engine === "pglite") await handle.close();

    const ports = Array.from({ length: instances }, (_, i) => firstPort + i);
    for (const port of ports) await assertPortFree(port);
    for (const port of ports) servers.push(startServer(port));
    await Promise.all(servers.map(waitUntilReady));
    const urls = servers.map((s) => heartbeatUrl(new URL(`http://127.0.0.1:${s.port}`)));
    const client = new LeanHeartbeatClient();
    const loop = { concurrency, nominalIntervalSeconds: NOMINAL_INTERVAL_SECONDS };

    console.log(`Warming up for ${warmupMs / 1000} s…`);
    const warmup = new LoadStats();
    await runClosedLoop(fleet, urls, client, warmup, { ...loop, durationMs: warmupMs });
    if (warmup.errors > 0) console.log(`Warm-up errors: ${warmup.failureSummary()}`);

    console.log(
      `Measuring for ${durationMs / 1000} s: ${concurrency} requests in flight, ${instances} instance(s), ${fmt(fleet.length)} terminals` +
        (soak ? `; raw partitions ${soak.widthMs / 60_000} min wide, kept ${soak.retainPartitions}…` : "…"),
    );
    let statements = 0;
    const stopCounting = engine === "postgres" ? await handle.listen(FLEET_EVENTS_CHANNEL, () => statements++) : undefined;
    const watch = soak ? new PartitionWatch(handle.db) : undefined;
    await watch?.start();
    const sliced = soak ? new SlicedStats(SOAK_SLICE_MS, durationMs) : undefined;
    const stats = sliced ?? new LoadStats();
    const serverPids = servers.map((s) => s.child.pid!);
    const cpuBefore = fs.existsSync("/proc/stat") ? cpuTicks() : undefined;
    // The soak's CPU per minute, reckoned at each slice's end while the processes still run (a
    // backend's command line tells whether it serves the bench database).
    let cpuMark = cpuBefore && { at: performance.now(), sample: cpuBefore };
    const cpuSlices: ReturnType<typeof cpuUse>[] = [];
    const markCpu = () => {
      const next = { at: performance.now(), sample: cpuTicks() };
      if (cpuMark) cpuSlices.push(cpuUse(cpuMark.sample, next.sample, serverPids, next.at - cpuMark.at));
      cpuMark = next;
    };
    const marking = soak && cpuBefore ? setInterval(markCpu, SOAK_SLICE_MS) : undefined;
    const measureStarted = performance.now();
    sliced?.begin();
    const elapsedMs = await runClosedLoop(fleet, urls, client, stats, { ...loop, durationMs });
    clearInterval(marking);
    if (soak && cpuMark && cpuSlices.length < (sliced?.slices.length ?? 0)) markCpu();
    const cpuAfter = cpuBefore ? cpuTicks() : undefined;
    const cpu = cpuBefore && cpuAfter && cpuReport(cpuBefore, cpuAfter, serverPids, elapsedMs);
    await stopCounting?.();
    client.close();
    await shutdown();
    await watch?.stop();
    const storage = soak ? await measureStorage(handle.db, new Date(Date.now() - (performance.now() - measureStarted))) : undefined;

    const latencies = Float64Array.from(stats.latencies).sort();
    const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
    const app = (stats.ok * 1000) / elapsedMs;
    const observedBatch = statements > 0 ? stats.ok / statements : undefined;
    const batchSize = baselineBatchOption ?? (observedBatch ? Math.max(1, Math.round(observedBatch)) : DEFAULT_BASELINE_BATCH);
    const baselineInFlight = APP_WRITE_CONCURRENCY * instances;

    const writer = engine === "postgres" ? "a pg pool" : "PGlite";
    // The soak's baseline: at most a minute, on the tables as the soak left them.
    const baselineMs = soak ? Math.min(durationMs, SOAK_BASELINE_MAX_MS) : durationMs;
    console.log(`Baseline: recordCheckIns through ${writer}, ${batchSize} rows per statement, ${baselineInFlight} in flight, ${baselineMs / 1000} s…`);
    if (engine === "pglite") handle = await openDatabase(target);
    const base = await baseline(handle.db, fleet, batchSize, baselineInFlight, baselineMs);
    await handle.close();
    const ratio = app / base.rowsPerSecond;

    const mark = (met: boolean) => (met ? "met" : "missed");
    const p99 = percentile(latencies, 99);
    console.log(
      [
        "",
        `### Heartbeat benchmark (${new Date().toISOString().slice(0, 10)})`,
        "",
        "```",
        `machine    ${os.availableParallelism()} cores, Node ${process.version}, ${engine === "postgres" ? "PostgreSQL" : "PGlite"} ${version}, load average ${loadBefore.toFixed(2)} before the run`,
        `load       ${concurrency} in flight over ${fmt(fleet.length)} terminals, ${instances} server instance(s), ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up` +
          (soak ? `, soak: raw partitions ${soak.widthMs / 60_000} min wide, kept ${soak.retainPartitions} (CHECKIN_RETENTION_HOURS=${(soak.retainPartitions * soak.widthMs) / 3_600_000})` : "") +
          `, ${fmt(alertRuleCount)} alert rules` +
          (values["queue-commands"] ? ", an open remote command per terminal" : ""),
        `app        ${fmt(app)} heartbeats/s (${fmt(stats.ok)} ok in ${(elapsedMs / 1000).toFixed(1)} s)`,
        `latency    p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`,
        `errors     ${stats.errors} (${stats.failureSummary()})`,
        observedBatch ? `batches    ${observedBatch.toFixed(1)} heartbeats per write statement on average` : undefined,
        `baseline   ${fmt(base.rowsPerSecond)} rows/s (the raw write: recordCheckIns straight through ${writer}, no HTTP or auth, ${batchSize} rows per statement, ${baselineInFlight} in flight, ` +
          `${baselineMs / 1000} s after the ${soak ? "soak" : "run"} with the servers stopped${base.failures ? `, ${base.failures} failed` : ""})`,
        `ratio      ${ratio.toFixed(2)} (app / baseline)`,
        cpu ? `cpu        ${cpu}` : undefined,
        `targets    ≥ ${fmt(TARGETS.heartbeatsPerSecond)}/s ${mark(app >= TARGETS.heartbeatsPerSecond)}, p99 < ${TARGETS.p99Ms} ms ${mark(p99 < TARGETS.p99Ms)}, ` +
          `zero errors ${mark(stats.errors === 0)}, ratio ≥ ${TARGETS.ratio} ${mark(ratio >= TARGETS.ratio)}`,
        "```",
      ]
        .filter((line) => line !== undefined)
        .join("\n"),
    );
    if (soak && sliced && watch && storage) {
      const rows = sliced.slices.map((slice, i) => {
        const from = i * SOAK_SLICE_MS;
        const to = i === sliced.slices.length - 1 ? elapsedMs : Math.min((i + 1) * SOAK_SLICE_MS, elapsedMs);
        const sorted = Float64Array.from(slice.latencies).sort();
        const cores = cpuSlices[i];
        const raw = watch.changes("checkins", measureStarted + from, i === sliced.slices.length - 1 ? Infinity : measureStarted + to);
        return {
          rate: (slice.ok * 1000) / (to - from),
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: percentile(sorted, 100),
          errors: slice.errors,
          full: to - from >= SOAK_SLICE_MS * 0.99,
          line: [
            String(i + 1).padStart(6),
            fmt((slice.ok * 1000) / (to - from)).padStart(12),
            percentile(sorted, 50).toFixed(1).padStart(8),
            percentile(sorted, 99).toFixed(1).padStart(8),
            percentile(sorted, 100).toFixed(1).padStart(8),
            String(slice.errors).padStart(7),
            `+${raw.created} −${raw.dropped}`.padStart(10),
            cores ? `${cores.server.toFixed(2)} / ${cores.postgres.toFixed(2)} / ${cores.generator.toFixed(2)} / ${cores.other.toFixed(2)}`.padStart(28) : "",
          ].join(" "),
        };
      });
      const raw = watch.changes("checkins");
      const rollups = watch.changes("checkin_rollups");
      const job = watch.runs();
      console.log(
        [
          "",
          `Soak per minute (raw partitions: created + and dropped − in that minute; cpu in cores: server / postgres / load generator / other processes)`,
          "",
          "```",
          " minute heartbeats/s  p50 ms   p99 ms   max ms  errors partitions    cpu srv / pg / gen / other",
          ...rows.map((r) => r.line),
          "```",
          "",
          "```",
          `partitions  raw check-ins: ${raw.created} created, ${raw.dropped} dropped during the soak, ${watch.held("checkins")} held at the end (future ones included); ` +
            `rollups: ${rollups.created} created, ${rollups.dropped} dropped (daily); maintain-history ran ${job.runs} time(s)${job.failed ? `, ${job.failed} failed` : ""}`,
          soakVerdict(rows, app, stats.errors, ratio),
          ...storageReport(storage, stats.ok),
          "```",
        ].join("\n"),
      );
    }
  } finally {
    await shutdown();
  }
}

await main();
