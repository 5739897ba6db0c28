// Heartbeat benchmark: the device API's sustained check-in rate on a production build.
//
//   npm run bench:heartbeat [-- --duration 30 --concurrency 128 --instances 1 --terminals 20000
//                              --warmup 5 --port 4300 --engine postgres|pglite --skip-build --fresh
//                              --baseline-batch N --cpu-prof DIR]
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
//    --warmup seconds unmeasured, then --duration seconds measured. Every latency is kept.
// 4. Baseline: the same row writes straight through pg, without HTTP, auth or Next.js (see baseline()).
// --cpu-prof DIR writes a V8 CPU profile of each server to DIR (open it in Chrome DevTools).
// Prints heartbeats/s, p50/p95/p99/max latency, errors by status, the app/baseline ratio and where
// the CPU went, then a summary block for the README. Targets are reported, never enforced.
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
import { migrateDatabase } from "@/db/migrate";
import { terminals } from "@/db/schema";
import { isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { DEVICE_REQUEST_BATCHING } from "@/server/batcher";
import { issueDeviceToken } from "@/server/services/device-tokens";
import { FLEET_EVENTS_CHANNEL } from "@/server/services/fleet-events";
import { recordCheckIns, type CheckIn } from "@/server/services/heartbeat";
import { HeartbeatClient, heartbeatUrl, LoadStats, percentile, runClosedLoop, SimulatedTerminal, type FleetTerminal } from "./lib/heartbeat-load";
import { parseOptions, positiveInt } from "./lib/args";

const TARGETS = { heartbeatsPerSecond: 3400, p99Ms: 100, ratio: 0.5 };
// The app's write statements in flight per instance (the device API's Batcher setting).
const APP_WRITE_CONCURRENCY = DEVICE_REQUEST_BATCHING.concurrency;
// Readings are generated as if terminals checked in at the production interval.
const NOMINAL_INTERVAL_SECONDS = 300;
const DEFAULT_BASELINE_BATCH = 100;

const values = parseOptions(
  {
    engine: { type: "string", default: "postgres" },
    duration: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
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
  },
  `Usage: npm run bench:heartbeat [-- --duration 30 --concurrency 128 --instances 1 --terminals 20000
                               --warmup 5 --port 4300 --engine postgres|pglite --skip-build --fresh
                               --baseline-batch N --cpu-prof DIR]

Builds the app, starts production servers and drives heartbeats at them; prints heartbeats/s and latencies.`,
);

const engine = values.engine;
if (engine !== "postgres" && engine !== "pglite") {
  console.error("--engine must be postgres or pglite.");
  process.exit(2);
}
const durationMs = positiveInt("duration", values.duration) * 1000;
const warmupMs = positiveInt("warmup", values.warmup) * 1000;
const concurrency = positiveInt("concurrency", values.concurrency);
const instances = positiveInt("instances", values.instances);
const terminalCount = positiveInt("terminals", values.terminals);
const firstPort = positiveInt("port", values.port);
const baselineBatchOption = values["baseline-batch"] === undefined ? undefined : positiveInt("baseline-batch", values["baseline-batch"]);
if (engine === "pglite" && instances > 1) {
  console.error("PGlite allows one process per database folder: --instances must be 1.");
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
  const processes = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      processes.set(Number(entry), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), ticks: Number(fields[11]) + Number(fields[12]) });
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

/** Cores used between two samples by the servers (with their children), PostgreSQL, this process and the rest. */
function cpuReport(before: ReturnType<typeof cpuTicks>, after: ReturnType<typeof cpuTicks>, serverPids: number[], elapsedMs: number): string {
  const servers = new Set(serverPids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of after.processes) if (!servers.has(pid) && servers.has(p.ppid)) grew = servers.add(pid).size > 0;
  }
  const cores = (ticks: number) => ticks / (elapsedMs / 10);
  // Per process, so one that started or ended between the samples cannot make a sum negative.
  const used = (keep: (pid: number, comm: string) => boolean) =>
    cores([...after.processes].reduce((sum, [pid, p]) => sum + (keep(pid, p.comm) ? p.ticks - (before.processes.get(pid)?.ticks ?? 0) : 0), 0));
  const server = used((pid) => servers.has(pid));
  const postgres = used((pid, comm) => comm === "postgres" && servesBench(pid));
  const generator = used((pid) => pid === process.pid);
  const other = Math.max(0, cores(after.busy - before.busy) - server - postgres - generator);
  const database = target.engine === "postgres" ? `postgres ${postgres.toFixed(2)}` : "PGlite runs inside next";
  return `app server ${server.toFixed(2)}, ${database}, load generator ${generator.toFixed(2)}, other processes ${other.toFixed(2)} of ${os.availableParallelism()} cores`;
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
async function baseline(db: Db, fleet: SimulatedTerminal[], batchSize: number, inFlight: number) {
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
  return { rowsPerSecond: await runFor(durationMs), failures };
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
    // Only one process may open a PGlite folder: the servers' turn.
    if (engine === "pglite") await handle.close();

    const ports = Array.from({ length: instances }, (_, i) => firstPort + i);
    for (const port of ports) await assertPortFree(port);
    for (const port of ports) servers.push(startServer(port));
    await Promise.all(servers.map(waitUntilReady));
    const urls = servers.map((s) => heartbeatUrl(new URL(`http://127.0.0.1:${s.port}`)));
    const client = new HeartbeatClient(concurrency);
    const loop = { concurrency, nominalIntervalSeconds: NOMINAL_INTERVAL_SECONDS };

    console.log(`Warming up for ${warmupMs / 1000} s…`);
    const warmup = new LoadStats();
    await runClosedLoop(fleet, urls, client, warmup, { ...loop, durationMs: warmupMs });
    if (warmup.errors > 0) console.log(`Warm-up errors: ${warmup.failureSummary()}`);

    console.log(`Measuring for ${durationMs / 1000} s: ${concurrency} requests in flight, ${instances} instance(s), ${fmt(fleet.length)} terminals…`);
    let statements = 0;
    const stopCounting = engine === "postgres" ? await handle.listen(FLEET_EVENTS_CHANNEL, () => statements++) : undefined;
    const stats = new LoadStats();
    const cpuBefore = fs.existsSync("/proc/stat") ? cpuTicks() : undefined;
    const elapsedMs = await runClosedLoop(fleet, urls, client, stats, { ...loop, durationMs });
    const cpu =
      cpuBefore &&
      cpuReport(
        cpuBefore,
        cpuTicks(),
        servers.map((s) => s.child.pid!),
        elapsedMs,
      );
    await stopCounting?.();
    client.close();
    await shutdown();

    const latencies = Float64Array.from(stats.latencies).sort();
    const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
    const app = (stats.ok * 1000) / elapsedMs;
    const observedBatch = statements > 0 ? stats.ok / statements : undefined;
    const batchSize = baselineBatchOption ?? (observedBatch ? Math.max(1, Math.round(observedBatch)) : DEFAULT_BASELINE_BATCH);
    const baselineInFlight = APP_WRITE_CONCURRENCY * instances;

    const writer = engine === "postgres" ? "a pg pool" : "PGlite";
    console.log(`Baseline: recordCheckIns through ${writer}, ${batchSize} rows per statement, ${baselineInFlight} in flight…`);
    if (engine === "pglite") handle = await openDatabase(target);
    const base = await baseline(handle.db, fleet, batchSize, baselineInFlight);
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
        `load       ${concurrency} in flight over ${fmt(fleet.length)} terminals, ${instances} server instance(s), ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up`,
        `app        ${fmt(app)} heartbeats/s (${fmt(stats.ok)} ok in ${(elapsedMs / 1000).toFixed(1)} s)`,
        `latency    p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`,
        `errors     ${stats.errors} (${stats.failureSummary()})`,
        observedBatch ? `batches    ${observedBatch.toFixed(1)} heartbeats per write statement on average` : undefined,
        `baseline   ${fmt(base.rowsPerSecond)} rows/s (recordCheckIns through ${writer}, ${batchSize} rows per statement, ${baselineInFlight} in flight${base.failures ? `, ${base.failures} failed` : ""})`,
        `ratio      ${ratio.toFixed(2)} (app / baseline)`,
        cpu ? `cpu        ${cpu}` : undefined,
        `targets    ≥ ${fmt(TARGETS.heartbeatsPerSecond)}/s ${mark(app >= TARGETS.heartbeatsPerSecond)}, p99 < ${TARGETS.p99Ms} ms ${mark(p99 < TARGETS.p99Ms)}, ` +
          `zero errors ${mark(stats.errors === 0)}, ratio ≥ ${TARGETS.ratio} ${mark(ratio >= TARGETS.ratio)}`,
        "```",
      ]
        .filter((line) => line !== undefined)
        .join("\n"),
    );
  } finally {
    await shutdown();
  }
}

await main();
