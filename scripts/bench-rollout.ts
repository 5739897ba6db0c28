// `npm run bench:rollout [-- --terminals 100000 --repeats 5 --iterations 200 --reseed]`
//
// Measures firmware rollouts at fleet scale on PostgreSQL (BENCH_DATABASE_URL, default
// posfleet_rollout_bench on localhost; created if missing) by calling the services in-process:
// creating a rollout over the whole fleet (by model) and over a pasted list of --terminals serial
// numbers, cancelling it, then reading the last one's progress, its job list and the rollout list
// while its jobs are in a realistic mix of statuses. Then a bulk action sends a reboot to every
// terminal (the terminal list's "all matching" with no filter): the time from its start until the
// runner has queued every command, against the same 5 s target.
// The demo data and a generated fleet with at least --terminals terminals in service are seeded
// once; --reseed drops the database first. Each run first deletes the rollouts of earlier runs, so
// every run starts from the same tables. Prints min/median/max per creation against the 5 s target
// and p50/p95/p99/max per read against the 50 ms p95 target; timings never fail the run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type SQL } from "drizzle-orm";
import { openDatabase, queryRows, targetFromEnv, type Db } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { parseEnv } from "@/server/env";
import { statusesWithDeviceAccess } from "@/server/schemas/terminals";
import { releaseCreateInput, rolloutCreateInput, rolloutJobListInput, rolloutListInput, type RolloutTargetInput } from "@/server/schemas/firmware";
import { createRelease, setReleaseStatus, uploadReleaseImage } from "@/server/services/firmware";
import { imageMagics } from "@/server/services/firmware-format";
import { cancelRollout, createRollout, getRolloutProgress, listRolloutJobs, listRollouts } from "@/server/services/rollouts";
import { listBulkJobs, runBulkJobs, startBulkJob } from "@/server/services/bulk-actions";
import { filesystemStorage } from "@/server/storage/filesystem-storage";
import { parseOptions, positiveInt } from "./lib/args";
import { ensureDatabase } from "./lib/bench-db";
import { percentile } from "./lib/heartbeat-load";

const TARGET_CREATE_S = 5;
const TARGET_P95_MS = 50;
// Newer than every seeded version (compareFirmwareVersions), so every terminal in service is eligible.
const BENCH_VERSION = "99.0.0";
const actor = { id: null, label: "bench-rollout", ip: null };
// The upload checks for a known image format; ELF's magic number makes the bench image one.
const elfMagic = new Uint8Array(imageMagics.find((m) => m.format === "ELF")!.magic);

const values = parseOptions(
  {
    terminals: { type: "string", default: "100000" },
    repeats: { type: "string", default: "5" },
    iterations: { type: "string", default: "200" },
    reseed: { type: "boolean", default: false },
  },
  "Usage: npm run bench:rollout [-- --terminals 100000 --repeats 5 --iterations 200 --reseed]\n\nMeasures creating rollouts over a fleet and reading their progress on BENCH_DATABASE_URL (default postgres://postgres:postgres@localhost:5432/posfleet_rollout_bench).",
);

const terminalTarget = positiveInt("terminals", values.terminals);
const repeats = positiveInt("repeats", values.repeats);
const iterations = positiveInt("iterations", values.iterations);
const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres:postgres@localhost:5432/posfleet_rollout_bench";

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const fmt = (n: number) => n.toLocaleString("en");
const inService = sql.raw(statusesWithDeviceAccess.map((s) => `'${s}'`).join(", "));

async function one<Row>(db: Db, query: SQL): Promise<Row> {
  const [row] = await queryRows<Row>(db, query);
  return row!;
}

async function seed(db: Db) {
  const fleet = async () =>
    one<{ generated: number; serving: number }>(
      db,
      sql`select count(*)::int as generated, (count(*) filter (where status in (${inService})))::int as serving from terminals where serial_number like 'FLEET-%'`,
    );
  if (await isDatabaseEmpty(db)) {
    await seedDemo(db);
    console.log("Demo data seeded.");
  }
  let counts = await fleet();
  if (counts.generated === 0) {
    const started = performance.now();
    // About 3 % of the generated terminals are in stock or suspended, out of a rollout's reach.
    await seedLargeFleet(db, Math.ceil(terminalTarget / 0.95));
    // As on a live database, where autovacuum has long set hint bits and statistics.
    await db.execute(sql`vacuum (analyze)`);
    counts = await fleet();
    console.log(`Fleet of ${fmt(counts.generated)} terminals seeded (${seconds(started)}).`);
  }
  if (counts.serving < terminalTarget) throw new Error(`The database holds ${fmt(counts.serving)} generated terminals in service, not ${fmt(terminalTarget)}: run with --reseed.`);
  console.log(`Fleet: ${fmt(counts.generated)} generated terminals, ${fmt(counts.serving)} in service.`);
}

/** The bench's published release for every model, created once; its image is a few bytes, since nothing downloads it. */
async function benchRelease(db: Db, storageDir: string) {
  const [existing] = await queryRows<{ id: string }>(db, sql`select id from firmware_releases where version = ${BENCH_VERSION} and status = 'published'`);
  if (existing) return existing.id;
  const models = await queryRows<{ id: string }>(db, sql`select id from terminal_models`);
  const release = await createRelease(db, actor, releaseCreateInput.parse({ version: BENCH_VERSION, modelIds: models.map((m) => m.id), notes: "bench:rollout" }));
  await uploadReleaseImage(db, actor, release.id, `fw-${BENCH_VERSION}.bin`, new Blob([elfMagic, `bench image ${BENCH_VERSION}`.padEnd(4096, ".")]).stream(), filesystemStorage(storageDir));
  await setReleaseStatus(db, actor, release.id, "published");
  return release.id;
}

function spread(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { min: sorted[0]!, median: percentile(sorted, 50), max: sorted.at(-1)! };
}

function printCreation(name: string, times: number[], target?: number) {
  const { min, median, max } = spread(times);
  const verdict = target === undefined ? "" : `   target < ${target} s: ${max < target ? "met" : "missed"}`;
  console.log(`${name.padEnd(34)} min ${min.toFixed(2)}  median ${median.toFixed(2)}  max ${max.toFixed(2)} s${verdict}`);
}

/**
 * Creates `repeats` rollouts of one target, cancelling each so its terminals are free for the next;
 * the last stays open when `keepLast`. Returns the last one.
 */
async function createRepeatedly(db: Db, label: string, releaseId: string, target: Partial<RolloutTargetInput>, keepLast: boolean) {
  const create: number[] = [];
  const cancel: number[] = [];
  const created: { id: string; terminalCount: number }[] = [];
  for (let i = 1; i <= repeats; i++) {
    let started = performance.now();
    const rollout = await createRollout(db, actor, rolloutCreateInput.parse({ name: `bench ${label} ${i}`, releaseId, target }));
    create.push((performance.now() - started) / 1000);
    created.push(rollout);
    if (keepLast && i === repeats) break;
    started = performance.now();
    await cancelRollout(db, actor, rollout.id);
    cancel.push((performance.now() - started) / 1000);
  }
  const last = created.at(-1)!;
  printCreation(`create · ${label}`, create, TARGET_CREATE_S);
  if (cancel.length) printCreation(`cancel · ${fmt(last.terminalCount)} jobs`, cancel);
  return last;
}

/**
 * Moves the rollout to mid-way: phases 1–2 (the default phases' first 10 %) completed, phase 3 (up
 * to 50 %) running, phase 4 not started. Jobs progress only in started phases, with failures
 * under the thresholds and some failed downloads pending a retry. One UPDATE per table.
 */
async function spreadStatuses(db: Db, rolloutId: string) {
  const now = new Date().toISOString();
  await db.execute(sql`
    update rollout_phases set
      status = (case when position <= 2 then 'completed' when position = 3 then 'running' else 'pending' end)::rollout_phase_status,
      started_at = case when position <= 3 then ${now}::timestamptz end,
      completed_at = case when position <= 2 then ${now}::timestamptz end
    where rollout_id = ${rolloutId}`);
  await db.execute(sql`
    with hashed as (
      select j.id, p.position, hashtext(j.id::text) & 2147483647 as h from update_jobs j join rollout_phases p on p.id = j.phase_id where j.rollout_id = ${rolloutId}
    ), outcome as (
      select id, h, case
          when position <= 2 then case when h % 100 < 95 then 'succeeded' when h % 100 < 98 then 'failed' when h % 100 < 99 then 'retrying' else 'pending' end
          when position = 3 then case when h % 100 < 75 then 'succeeded' when h % 100 < 83 then 'failed' when h % 100 < 87 then 'downloading'
            when h % 100 < 89 then 'downloaded' when h % 100 < 92 then 'installing' when h % 100 < 95 then 'retrying' else 'pending' end
          else 'pending'
        end as s
      from hashed
    )
    update update_jobs j set
      status = (case when o.s = 'retrying' then 'pending' else o.s end)::update_job_status,
      attempt = case when o.s = 'retrying' then 2 else 1 end,
      progress_percent = case o.s when 'succeeded' then 100 when 'downloading' then (o.h / 100 % 100)::smallint when 'downloaded' then 100 end,
      error_code = case when o.s in ('failed', 'retrying') then
        (array['DOWNLOAD_TIMEOUT', 'DOWNLOAD_TIMEOUT', 'DOWNLOAD_TIMEOUT', 'INSTALL_FAILED', 'INSTALL_FAILED', 'CHECKSUM_MISMATCH', 'LOW_BATTERY', 'STORAGE_FULL'])[1 + o.h / 100 % 8] end,
      finished_at = case when o.s in ('succeeded', 'failed') then ${now}::timestamptz end,
      updated_at = ${now}::timestamptz
    from outcome o where o.id = j.id`);
  // Fresh statistics and visibility map, as autovacuum would leave them after an UPDATE this size.
  await db.execute(sql`vacuum (analyze) update_jobs`);
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
  const [p50, p95, p99, max] = [50, 95, 99, 100].map((p) => percentile(times, p).toFixed(1).padStart(7));
  const met = percentile(times, 95) < TARGET_P95_MS ? "met" : "missed";
  console.log(`${name.padEnd(34)} p50 ${p50}  p95 ${p95}  p99 ${p99}  max ${max} ms   target p95 < ${TARGET_P95_MS} ms: ${met}`);
}

async function bench(db: Db, storageDir: string) {
  const releaseId = await benchRelease(db, storageDir);
  const { earlier } = await one<{ earlier: number }>(db, sql`with gone as (delete from rollouts where release_id = ${releaseId} returning 1) select count(*)::int as earlier from gone`);
  if (earlier) {
    await db.execute(sql`vacuum (analyze) update_jobs`);
    console.log(`Deleted ${earlier} rollouts of earlier runs.`);
  }
  const models = await queryRows<{ id: string }>(db, sql`select id from terminal_models`);
  const serials = await queryRows<{ serial_number: string }>(
    db,
    sql`select serial_number from terminals where serial_number like 'FLEET-%' and status in (${inService}) order by serial_number limit ${terminalTarget}`,
  );

  console.log(`\nRollout creation, ${repeats} times each (default phases 1/10/50/100 %):`);
  await createRepeatedly(db, "whole fleet by model", releaseId, { modelIds: models.map((m) => m.id) }, false);
  const rollout = await createRepeatedly(db, `${fmt(serials.length)} pasted serials`, releaseId, { serialNumbers: serials.map((s) => s.serial_number) }, true);

  await spreadStatuses(db, rollout.id);
  const { totals } = await getRolloutProgress(db, rollout.id);
  const { all } = await one<{ all: number }>(db, sql`select count(*)::int as "all" from rollouts`);
  const share = (n: number) => `${((100 * n) / rollout.terminalCount).toFixed(1)} %`;
  console.log(
    `\nReads of a running rollout of ${fmt(rollout.terminalCount)} jobs (${Object.entries(totals)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${share(n)}`)
      .join(", ")}),`,
  );
  console.log(`among ${all} rollouts; ${fmt(iterations)} iterations each:`);
  const jobs = (input: Record<string, unknown>) => () => listRolloutJobs(db, rolloutJobListInput.parse({ id: rollout.id, ...input }));
  await measure("progress", () => getRolloutProgress(db, rollout.id));
  await measure("jobs · first page", jobs({}));
  await measure("jobs · failed", jobs({ status: "failed" }));
  await measure("jobs · error code", jobs({ errorCode: "CHECKSUM_MISMATCH" }));
  await measure("jobs · phase 3, page 20", jobs({ phase: 3, page: 20 }));
  await measure("jobs · serial prefix", jobs({ q: "FLEET-00123" }));
  await measure("rollouts · list", () => listRollouts(db, rolloutListInput.parse({})));
  await measure("rollouts · running", () => listRollouts(db, rolloutListInput.parse({ status: "running" })));
  await benchBulkCommand(db);
}

/**
 * A reboot for every terminal through a bulk action, `repeats` times: the start (resolving the
 * selection into the job's items) and the runner's chunks until every command is queued, as the
 * scheduled job runs them. Each repeat's commands are deleted afterwards.
 */
async function benchBulkCommand(db: Db) {
  const { id: adminId } = await one<{ id: string }>(db, sql`select id from users where role = 'admin' order by created_at limit 1`);
  const admin = { id: adminId, role: "admin" as const };
  const starts: number[] = [];
  const totals: number[] = [];
  let size = 0;
  for (let i = 1; i <= repeats; i++) {
    const started = performance.now();
    const now = new Date();
    const job = await startBulkJob(db, { ...actor, id: adminId }, admin, { kind: "all" }, { kind: "command", params: { type: "reboot", params: {} }, selection: { filter: {} } }, now);
    starts.push((performance.now() - started) / 1000);
    while ((await runBulkJobs(db, now)).terminals > 0);
    totals.push((performance.now() - started) / 1000);
    const { queued } = await one<{ queued: number }>(
      db,
      sql`with gone as (delete from terminal_commands where issued_at = ${now.toISOString()}::timestamptz returning 1) select count(*)::int as queued from gone`,
    );
    size = job.total;
    if (queued === 0) throw new Error("the bulk command queued nothing");
    if (i === repeats) console.log(`\nBulk reboot of all ${fmt(size)} terminals (${fmt(queued)} in service queued, the rest skipped), ${repeats} times:`);
  }
  printCreation("start (selection → items)", starts);
  printCreation("start until every command queued", totals, TARGET_CREATE_S);
  await measure("bulk jobs · list", () => listBulkJobs(db, admin, { limit: 5 }));
}

const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-rollout-bench-"));
try {
  await ensureDatabase(url, values.reseed);
  // The app's own pool settings, so the in-process figures match what the server would see.
  const handle = await openDatabase(targetFromEnv({ ...parseEnv(), DATABASE_URL: url }));
  try {
    await migrateDatabase(handle);
    await seed(handle.db);
    await bench(handle.db, storageDir);
  } finally {
    await handle.close();
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  fs.rmSync(storageDir, { recursive: true, force: true });
}
