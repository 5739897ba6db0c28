// Two instances of the production build on one PostgreSQL database, behind nginx configured from
// deploy/nginx.conf, with the terminal simulator's code driving a few hundred terminals through
// nginx: the operations of README "Running several instances", each checked for real.
import { randomBytes, createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { openDatabase, queryRows, type DbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { seedDemo, seedLargeFleet } from "@/db/seed";
import { connectConsole } from "@/scripts/lib/console-api";
import { SimulatedTerminal, type FleetTerminal } from "@/scripts/lib/heartbeat-load";
import { releaseCreateInput, rolloutCreateInput } from "@/server/schemas/firmware";
import { noticeCreateInput } from "@/server/schemas/notices";
import { createRelease, setReleaseStatus } from "@/server/services/firmware";
import { createNotice, scheduleNotice } from "@/server/services/notices";
import { createRollout } from "@/server/services/rollouts";
import {
  AUTH_SECRET,
  countsSince,
  freePort,
  GiveUp,
  nginxBinary,
  openEventStream,
  signalGroup,
  signIn,
  startInstance,
  startNginx,
  startSimulator,
  statusOf,
  waitFor,
  waitReady,
  type Instance,
  type Nginx,
} from "./harness";
import { asFirmwareImage } from "../helpers/firmware-image";

const TERMINALS = 250;
const HEARTBEAT_SECONDS = 5;
/** The bound for another instance to take over a crashed one's job (lease 20 s + a 5 s tick + the run). */
const TAKEOVER_LIMIT_SECONDS = 30;
/** SHUTDOWN_TIMEOUT_SECONDS's default (25) plus the time to exit after it. */
const DRAIN_LIMIT_SECONDS = 35;
const actor = { id: null, label: "cluster-test", ip: null };
const ADMIN = "admin@demo.posfleet.dev";
const BAKERY_OWNER = "owner2@demo.posfleet.dev";

const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const withDatabase = (url: string, name: string, applicationName?: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  if (applicationName) u.searchParams.set("application_name", applicationName);
  return u.toString();
};

let tmp = "";
let dbName = "";
let admin: pg.Client | undefined;
let handle: DbHandle | undefined;
let nginx: Nginx | undefined;
const instances: Instance[] = [];
let instanceEnv: (name: string) => NodeJS.ProcessEnv;
let simulator: ReturnType<typeof startSimulator> | undefined;
/** Set when a step fails (or the start does): the logs are then printed and kept. */
let failed = true;
const referenceCounts: Record<string, number> = {};
const startFailures: string[] = [];

const SEEDED_TABLES = [
  "users",
  "merchants",
  "stores",
  "technician_assignments",
  "terminal_models",
  "terminals",
  "firmware_releases",
  "rollouts",
  "rollout_phases",
  "update_jobs",
  "maintenance_plans",
  "work_orders",
  "notices",
  "staff_members",
  "training_courses",
  "training_records",
];

async function tableCounts(db: DbHandle["db"]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of SEEDED_TABLES) counts[table] = (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n;
  return counts;
}

const db = () => handle!.db;
const startedAt = Date.now();
/** A line per milestone with the time since the start, so a slow or stuck step shows where. */
const progress = (line: string) => console.log(`[cluster +${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${line}`);
async function one<Row>(query: ReturnType<typeof sql>): Promise<Row> {
  return (await queryRows<Row>(db(), query))[0]!;
}

function restart(index: number): Instance {
  const old = instances[index]!;
  const instance = startInstance(old.name, old.port, instanceEnv(old.name), tmp);
  instances[index] = instance;
  return instance;
}

/** Uploads a firmware image as the console does (through nginx), publishes the release and returns it. */
async function publishedRelease(cookie: string, version: string, bytes: Buffer) {
  const models = await queryRows<{ id: string }>(db(), sql`select id from terminal_models`);
  const release = await createRelease(db(), actor, releaseCreateInput.parse({ version, modelIds: models.map((m) => m.id), notes: "cluster test" }));
  const upload = await fetch(`${nginx!.url}/api/firmware/releases/${release.id}/image`, {
    method: "PUT",
    headers: { cookie, origin: nginx!.url, "content-type": "application/octet-stream", "x-file-name": `fw-${version}.bin` },
    body: new Blob([new Uint8Array(bytes)]),
  });
  expect(upload.status, await upload.clone().text()).toBe(200);
  expect(((await upload.json()) as { sha256: string }).sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  await setReleaseStatus(db(), actor, release.id, "published");
  return release;
}

async function jobStatuses(rolloutId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(db(), sql`select status::text, count(*)::int as n from update_jobs where rollout_id = ${rolloutId} group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Every job of the rollout succeeded, each exactly once, and the rollout completed once. */
async function expectRolloutDoneOnce(rolloutId: string, terminalIds: string[], version: string) {
  const jobs = await one<{ n: number; terminals: number; succeeded: number; not_once: number }>(sql`
    select count(*)::int as n, count(distinct terminal_id)::int as terminals,
      (count(*) filter (where status = 'succeeded'))::int as succeeded,
      (count(*) filter (where (select count(*) from jsonb_array_elements(history) e where e->>'status' = 'succeeded') <> 1))::int as not_once
    from update_jobs where rollout_id = ${rolloutId}`);
  expect(jobs).toEqual({ n: terminalIds.length, terminals: terminalIds.length, succeeded: terminalIds.length, not_once: 0 });
  const audit = await one<{ completed: number }>(
    sql`select (count(*) filter (where action = 'rollout.completed'))::int as completed from audit_log where entity_type = 'rollout' and entity_id = ${rolloutId}`,
  );
  expect(audit.completed).toBe(1);
  const installed = await one<{ n: number }>(
    sql`select count(*)::int as n from terminals where firmware_version = ${version} and id in (select terminal_id from update_jobs where rollout_id = ${rolloutId})`,
  );
  expect(installed.n).toBe(terminalIds.length);
}

beforeAll(async () => {
  if (!testDatabaseUrl) throw new Error("The cluster test runs on PostgreSQL: set TEST_DATABASE_URL (scripts/test.sh starts a throwaway server when it is unset).");
  const nginxBin = nginxBinary();
  if (!nginxBin) throw new Error("The cluster test needs nginx (Debian: apt-get install nginx; .ci/run installs it).");
  if (!fs.existsSync(path.join(import.meta.dirname, "../../.next/BUILD_ID"))) throw new Error("The cluster test runs the production build: run `npx next build` first.");

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-cluster-"));
  dbName = `posfleet_cluster_${process.pid}`;
  admin = new pg.Client({ connectionString: withDatabase(testDatabaseUrl, "postgres") });
  await admin.connect();
  for (const name of [dbName, `${dbName}_ref`]) {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  }

  const [portA, portB, nginxPort] = [await freePort(), await freePort(), await freePort()];
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(NODE_ENV|VITEST.*|TEST_.*|DATABASE_.*|BETTER_AUTH_URL|AUTH_.*|PGLITE_DIR|PORT|METRICS_PORT)$/.test(key)));
  instanceEnv = (name) => ({
    ...inherited,
    // What `npm start` runs as; with SEED_DEMO=1 it is still demo mode.
    NODE_ENV: "production",
    DATABASE_URL: withDatabase(testDatabaseUrl, dbName, `pos-fleet-${name}`),
    SEED_DEMO: "1",
    TRUST_PROXY: "1",
    SMS_PROVIDER: "console",
    BETTER_AUTH_SECRET: AUTH_SECRET,
    FIRMWARE_STORAGE_DIR: path.join(tmp, "firmware"),
  });
  // Both at the same moment, on the empty database: migrations and the demo seed must not collide.
  instances.push(startInstance("a", portA, instanceEnv("a"), tmp), startInstance("b", portB, instanceEnv("b"), tmp));
  nginx = await startNginx(nginxBin, path.join(tmp, "nginx"), nginxPort, [portA, portB]);

  // The seed's own counts, from a database it alone seeds, while the instances start.
  const reference = async () => {
    const ref = await openDatabase({ engine: "postgres", url: withDatabase(testDatabaseUrl, `${dbName}_ref`), poolSize: 2 });
    try {
      await migrateDatabase(ref);
      // Any image store will do: the counts do not depend on where the demo images are kept.
      await seedDemo(ref.db, new Date(), async (bytes) => ({ key: "reference", sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }));
      Object.assign(referenceCounts, await tableCounts(ref.db));
    } finally {
      await ref.close();
    }
  };
  // An instance that stops during this start is recorded (the first step fails on it) and started
  // once more, so that the other steps still run.
  const ready = async (index: number) => {
    try {
      await waitReady(instances[index]!);
    } catch (error) {
      if (!(error instanceof GiveUp)) throw error;
      const log = fs.readFileSync(path.join(tmp, `${instances[index]!.name}.log`), "utf8");
      startFailures.push(`${error.message}\n${log.split("\n").slice(-6).join("\n")}`);
      await waitReady(restart(index));
    }
  };
  await Promise.all([ready(0), ready(1), reference()]);
  progress("both instances ready behind nginx");
  handle = await openDatabase({ engine: "postgres", url: withDatabase(testDatabaseUrl, dbName, "cluster-test"), poolSize: 4 });
  failed = false;
});

afterAll(async () => {
  await simulator?.stop().catch(() => undefined);
  for (const instance of instances) signalGroup(instance.child, "SIGKILL");
  if (nginx) signalGroup(nginx.child, "SIGKILL");
  await handle?.close().catch(() => undefined);
  if (admin) {
    for (const name of [dbName, `${dbName}_ref`]) await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
  if (!tmp) return;
  if (failed) {
    for (const file of ["a.log", "b.log", "nginx/error.log"]) {
      const text = fs.existsSync(path.join(tmp, file)) ? fs.readFileSync(path.join(tmp, file), "utf8") : "";
      // Not the request log: the start, warnings and errors.
      const lines = text.split("\n").filter((line) => !line.includes('"msg":"request"'));
      console.error(`--- ${file} (last lines but requests; everything is in ${tmp}) ---\n${lines.slice(-40).join("\n")}`);
    }
    if (simulator) console.error(`--- simulator ---\n${simulator.summary()}\n${simulator.log.slice(-30).join("\n")}`);
  } else fs.rmSync(tmp, { recursive: true, force: true });
});

describe("two instances behind nginx on one database", () => {
  it("both start together on an empty database, and the demo data is seeded once", async () => {
    onTestFailed(() => void (failed = true));
    expect.soft(startFailures, "instances that stopped while starting together").toEqual([]);
    for (const instance of instances) {
      expect(instance.hasExited(), `${instance.name} exited`).toBe(false);
      expect(await statusOf(`${instance.url}/api/ready`)).toBe(200);
      expect(await statusOf(`${instance.url}/api/health`)).toBe(200);
    }
    expect(await statusOf(`${nginx!.url}/api/ready`)).toBe(200);
    expect(await tableCounts(db())).toEqual(referenceCounts);
  });

  it("signs in through nginx without BETTER_AUTH_URL; the app sees the client and the request id nginx passes on", async () => {
    onTestFailed(() => void (failed = true));
    // A client that claims another address: nginx appends the real one, which TRUST_PROXY=1 takes.
    const response = await fetch(`${nginx!.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: nginx!.url, cookie: "pos_fleet_locale=en", "x-forwarded-for": "203.0.113.7" },
      body: JSON.stringify({ email: ADMIN, password: "demo-password-1" }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect(cookie).toMatch(/session_token=/);
    const session = await one<{ ip_address: string | null }>(sql`select s.ip_address from sessions s join users u on u.id = s.user_id where u.email = ${ADMIN} order by s.created_at desc limit 1`);
    expect(session.ip_address).toBe("127.0.0.1");
    // The session works on every instance: through nginx and on each directly.
    const query = `/api/trpc/terminals.list?input=${encodeURIComponent(JSON.stringify({ json: { page: 1, pageSize: 25 } }))}`;
    for (const base of [nginx!.url, ...instances.map((i) => i.url)]) expect(await statusOf(`${base}${query}`, { headers: { cookie } })).toBe(200);
    // A request id passes through nginx to the app (which logs it and answers with it), or nginx makes one.
    const traced = await fetch(`${nginx!.url}/api/health`, { headers: { "x-request-id": "cluster-test-0123456789abcdef" } });
    expect(traced.headers.get("x-request-id")).toBe("cluster-test-0123456789abcdef");
    const untraced = await fetch(`${nginx!.url}/api/health`);
    expect(untraced.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a console's event stream on one instance sees a heartbeat sent to the other", async () => {
    onTestFailed(() => void (failed = true));
    const consoleApi = await connectConsole(new URL(nginx!.url), { email: ADMIN, password: "demo-password-1" });
    const [terminal] = await consoleApi.terminalsBySerial(["BAKE-0001"]);
    const token = await consoleApi.obtainDeviceToken(terminal!);
    const owner = await signIn(nginx!.url, BAKERY_OWNER);
    expect(owner.status, owner.body).toBe(200);
    const [a, b] = instances;
    const stream = openEventStream(`${a!.url}/api/events`, owner.cookie);
    try {
      await waitFor("the event stream to connect", 15_000, async () => (stream.state.text.includes(": connected") ? true : undefined));
      expect(stream.state.status).toBe(200);
      const heartbeat = await fetch(`${b!.url}/api/device/v1/heartbeat`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ firmwareVersion: terminal!.firmwareVersion ?? "1.0.0", batteryPercent: 80 }),
      });
      expect(heartbeat.status).toBe(200);
      await waitFor("the heartbeat's event on the other instance's stream", 15_000, async () => (stream.state.text.includes("event: terminals") ? true : undefined));
    } finally {
      await stream.close();
    }
  });

  it("publishes a scheduled notice once", async () => {
    onTestFailed(() => void (failed = true));
    const bakery = await one<{ id: string; terminals: number }>(
      sql`select m.id, (select count(*)::int from terminals t where t.merchant_id = m.id and t.status = 'active') as terminals from merchants m where m.name = 'Other Bakery'`,
    );
    const notice = await createNotice(
      db(),
      actor,
      noticeCreateInput.parse({
        title: "Cluster test notice",
        body: "Published by one instance of two.",
        audience: { merchantIds: [bakery.id] },
        channels: { inbox: true, terminals: true },
        publishAt: new Date(Date.now() + 4_000),
      }),
    );
    await scheduleNotice(db(), actor, notice.id);
    await waitFor("the publish-notices job to publish the notice", 60_000, async () => {
      const { status } = await one<{ status: string }>(sql`select status::text from notices where id = ${notice.id}`);
      return status === "published" ? true : undefined;
    });
    // One more round of both instances' job runners, which must not publish it again.
    await sleep(11_000);
    const outcome = await one<{ published: number; deliveries: number; terminals: number }>(sql`
      select (select count(*)::int from audit_log where action = 'notice.published' and entity_id = ${notice.id}) as published,
        (select count(*)::int from notice_deliveries where notice_id = ${notice.id}) as deliveries,
        (select count(distinct terminal_id)::int from notice_deliveries where notice_id = ${notice.id}) as terminals`);
    expect(outcome).toEqual({ published: 1, deliveries: bakery.terminals, terminals: bakery.terminals });
  });

  let fleet: SimulatedTerminal[] = [];
  let adminCookie = "";

  it("completes a rollout to a few hundred terminals, every job once, while the instance running its job is killed", async () => {
    onTestFailed(() => void (failed = true));
    await seedLargeFleet(db(), Math.ceil(TERMINALS / 0.95));
    // Their stores' maintenance window is now (and they never trade), so updates are offered at once.
    await db().execute(sql`
      update stores set business_hours = '{}'::jsonb,
        maintenance_starts = to_char((now() at time zone time_zone) - interval '1 hour', 'HH24:MI'),
        maintenance_ends = to_char((now() at time zone time_zone) + interval '3 hours', 'HH24:MI')
      where id in (select store_id from terminals where serial_number like 'FLEET-%')`);
    const terminals = await queryRows<FleetTerminal>(
      db(),
      sql`select id, serial_number as "serialNumber", merchant_id as "merchantId", firmware_version as "firmwareVersion", network, battery_percent as "batteryPercent"
        from terminals where serial_number like 'FLEET-%' and status = 'active' order by serial_number limit ${TERMINALS}`,
    );
    expect(terminals.length).toBe(TERMINALS);
    progress(`${TERMINALS} generated terminals in service`);

    // Device tokens as the simulator gets them: an admin issues them through the console API.
    const consoleApi = await connectConsole(new URL(nginx!.url), { email: ADMIN, password: "demo-password-1" });
    const tokens: string[] = [];
    for (let i = 0; i < terminals.length; i += 10) tokens.push(...(await Promise.all(terminals.slice(i, i + 10).map((t) => consoleApi.obtainDeviceToken(t)))));
    fleet = terminals.map((t, i) => new SimulatedTerminal(t, tokens[i]!));
    progress("device tokens issued through nginx");
    const signedIn = await signIn(nginx!.url, ADMIN);
    expect(signedIn.status).toBe(200);
    adminCookie = signedIn.cookie;

    // 1.5 MiB: more than nginx's default request body limit, so the upload checks client_max_body_size.
    const release = await publishedRelease(adminCookie, "9.0.0", asFirmwareImage(randomBytes(1536 * 1024)));
    simulator = startSimulator(new URL(nginx!.url), fleet, HEARTBEAT_SECONDS);
    const rollout = await createRollout(
      db(),
      actor,
      rolloutCreateInput.parse({ name: "cluster 9.0.0", releaseId: release.id, target: { serialNumbers: terminals.map((t) => t.serialNumber) }, phases: [{ percent: 20 }, { percent: 100 }] }),
    );
    expect(rollout.terminalCount).toBe(TERMINALS);
    progress("rollout 9.0.0 created, simulator running");

    // A row the advance-rollouts job updates on every run (through its sweep of silent updates):
    // a finished job of another rollout, made to look silent for a day, and held locked by this
    // test, so the next run blocks on it mid-way and its instance can be killed right there.
    const locker = new pg.Client({ connectionString: withDatabase(testDatabaseUrl!, dbName, "cluster-test-lock") });
    await locker.connect();
    let holder: Instance | undefined;
    let killedAt = 0;
    try {
      const decoy = await one<{ id: string; status: string }>(sql`
        select j.id, j.status::text from update_jobs j
        where j.rollout_id <> ${rollout.id} and j.status in ('succeeded', 'failed', 'cancelled')
          and not exists (select 1 from update_jobs o where o.terminal_id = j.terminal_id and o.status in ('pending', 'downloading', 'downloaded', 'installing'))
        limit 1`);
      expect(decoy).toBeDefined();
      // Committed, then locked at once: the sweep's snapshot must see a silent job to block on it.
      await locker.query(`update update_jobs set status = 'downloading', updated_at = now() - interval '25 hours' where id = $1`, [decoy.id]);
      await locker.query("begin");
      const locked = await locker.query(`select id from update_jobs where id = $1 and status = 'downloading' for update`, [decoy.id]);
      expect(locked.rowCount, "the decoy was swept before the test could lock it").toBe(1);
      const lockerPid = (await locker.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;

      const blocked = await waitFor(
        "a job run to block on the locked row",
        30_000,
        async () => {
          const rows = await queryRows<{ application_name: string }>(
            db(),
            sql`select application_name from pg_stat_activity where ${lockerPid}::int = any(pg_blocking_pids(pid)) and application_name like 'pos-fleet-%'`,
          );
          return rows[0]?.application_name;
        },
        100,
      );
      holder = instances.find((i) => `pos-fleet-${i.name}` === blocked);
      progress(`advance-rollouts run of ${blocked} blocked on the locked row: kill -9`);
      expect(holder, `the blocked connection's application_name ${blocked}`).toBeDefined();
      const lease = await one<{ held: boolean }>(sql`select locked_until > now() as held from scheduled_jobs where name = 'advance-rollouts'`);
      expect(lease.held).toBe(true);

      signalGroup(holder!.child, "SIGKILL");
      killedAt = Date.now();
      await holder!.exited;
      // Let the blocked statement go: it finds the row changed and updates nothing.
      await locker.query(`update update_jobs set status = $2::update_job_status, updated_at = now() where id = $1`, [decoy.id, decoy.status]);
      await locker.query("commit");
    } finally {
      await locker.end();
    }

    // The other instance takes the job over once the dead one's lease runs out.
    // last_run_at is when the run that took over started (its claim), recorded when it finishes.
    const takeoverSeconds = await waitFor(
      `another instance to run advance-rollouts within ${TAKEOVER_LIMIT_SECONDS} s of the kill`,
      (TAKEOVER_LIMIT_SECONDS + 15) * 1000,
      async () => {
        const { last_run_at } = await one<{ last_run_at: Date | string | null }>(sql`select last_run_at from scheduled_jobs where name = 'advance-rollouts'`);
        return last_run_at && new Date(last_run_at).getTime() > killedAt ? (new Date(last_run_at).getTime() - killedAt) / 1000 : undefined;
      },
      500,
    );
    progress(`advance-rollouts taken over ${takeoverSeconds.toFixed(1)} s after the kill`);
    expect(takeoverSeconds).toBeLessThanOrEqual(TAKEOVER_LIMIT_SECONDS);

    await waitReady(restart(instances.indexOf(holder!)));
    await waitFor(
      "every update job of the rollout to succeed and the rollout to complete",
      150_000,
      async () => {
        const { status } = await one<{ status: string }>(sql`select status::text from rollouts where id = ${rollout.id}`);
        const jobs = await jobStatuses(rollout.id);
        return status === "completed" && jobs.succeeded === TERMINALS ? true : undefined;
      },
      1_000,
    );
    progress(`rollout 9.0.0 completed; simulator: ${simulator.summary()}`);
    await expectRolloutDoneOnce(
      rollout.id,
      fleet.map((t) => t.terminal.id),
      "9.0.0",
    );
  }, 300_000);

  it("restarts both instances one after the other under load: no heartbeat fails, no download is cut", async () => {
    onTestFailed(() => void (failed = true));
    expect(simulator, "the rollout step starts the simulator").toBeDefined();
    const release = await publishedRelease(adminCookie, "9.1.0", asFirmwareImage(randomBytes(1536 * 1024)));
    const rollout = await createRollout(
      db(),
      actor,
      rolloutCreateInput.parse({ name: "cluster 9.1.0", releaseId: release.id, target: { serialNumbers: fleet.map((t) => t.terminal.serialNumber) }, phases: [{ percent: 50 }, { percent: 100 }] }),
    );
    const before = simulator!.counts();
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i]!;
      // As systemd does (KillMode=mixed): SIGTERM to the main process, which drains.
      instance.child.kill("SIGTERM");
      const started = Date.now();
      const exit = await Promise.race([instance.exited, sleep(DRAIN_LIMIT_SECONDS * 1000).then(() => null)]);
      expect.soft(exit, `${instance.name} did not exit within ${DRAIN_LIMIT_SECONDS} s of SIGTERM`).not.toBeNull();
      if (exit === null) signalGroup(instance.child, "SIGKILL");
      else expect.soft(exit, `${instance.name} exit after SIGTERM (${((Date.now() - started) / 1000).toFixed(1)} s)`).toEqual({ code: 0, signal: null });
      progress(`${instance.name} stopped ${((Date.now() - started) / 1000).toFixed(1)} s after SIGTERM (${JSON.stringify(exit)}); starting it again`);
      await instance.exited;
      await waitReady(restart(i));
    }
    await sleep(2 * HEARTBEAT_SECONDS * 1000);
    const during = countsSince(before, simulator!.counts());
    expect(during.sent).toBeGreaterThan(TERMINALS);
    expect({ failedHeartbeats: during.failures, requestsInterrupted: during.requestsInterrupted, updatesDropped: during.updatesDropped, updatesFailed: during.updatesFailed }).toEqual({
      failedHeartbeats: {},
      requestsInterrupted: 0,
      updatesDropped: 0,
      updatesFailed: 0,
    });
    await waitFor(
      "every update job of the second rollout to succeed",
      150_000,
      async () => {
        const { status } = await one<{ status: string }>(sql`select status::text from rollouts where id = ${rollout.id}`);
        const jobs = await jobStatuses(rollout.id);
        return status === "completed" && jobs.succeeded === TERMINALS ? true : undefined;
      },
      1_000,
    );
    progress(`rollout 9.1.0 completed; simulator: ${simulator!.summary()}`);
    await expectRolloutDoneOnce(
      rollout.id,
      fleet.map((t) => t.terminal.id),
      "9.1.0",
    );
  }, 300_000);

  it("recovers without a restart when the database drops every connection under load: 503 at most, never 500", async () => {
    onTestFailed(() => void (failed = true));
    expect(simulator, "the rollout step starts the simulator").toBeDefined();
    const pids = instances.map((i) => i.child.pid);
    const before = simulator!.counts();
    // The console keeps asking through nginx meanwhile.
    const consoleStatuses = new Map<number, number>();
    let probing = true;
    const query = `${nginx!.url}/api/trpc/terminals.list?input=${encodeURIComponent(JSON.stringify({ json: { page: 1, pageSize: 25 } }))}`;
    const probe = (async () => {
      while (probing) {
        const status = await statusOf(query, { headers: { cookie: adminCookie } });
        consoleStatuses.set(status, (consoleStatuses.get(status) ?? 0) + 1);
        await sleep(100);
      }
    })();
    await sleep(2_000);
    const { rows } = await admin!.query<{ n: number }>("select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t", [
      dbName,
    ]);
    expect(rows[0]!.n).toBeGreaterThan(2);
    progress(`terminated ${rows[0]!.n} database connections`);
    await sleep(3_000);
    for (const instance of instances) await waitReady(instance, 30_000);
    await sleep(2 * HEARTBEAT_SECONDS * 1000);
    probing = false;
    await probe;

    expect(instances.map((i) => i.child.pid)).toEqual(pids);
    expect(instances.map((i) => i.hasExited())).toEqual([false, false]);
    const during = countsSince(before, simulator!.counts());
    expect(during.sent).toBeGreaterThan(TERMINALS);
    const notUnavailable = Object.keys(during.failures).filter((status) => status !== "503");
    expect(notUnavailable, `heartbeat failures ${JSON.stringify(during.failures)}`).toEqual([]);
    expect(
      [...consoleStatuses.keys()].filter((status) => status !== 200 && status !== 503),
      `console answers ${JSON.stringify([...consoleStatuses])}`,
    ).toEqual([]);

    // Both came back whole: their pools answer, and live updates flow again across instances.
    const owner = await signIn(nginx!.url, BAKERY_OWNER);
    expect(owner.status, owner.body).toBe(200);
    const [a, b] = instances;
    const stream = openEventStream(`${b!.url}/api/events`, owner.cookie);
    try {
      await waitFor("the event stream to connect", 15_000, async () => (stream.state.text.includes(": connected") ? true : undefined));
      const consoleApi = await connectConsole(new URL(a!.url), { email: ADMIN, password: "demo-password-1" });
      const [terminal] = await consoleApi.terminalsBySerial(["BAKE-0002"]);
      const token = await consoleApi.obtainDeviceToken(terminal!);
      const heartbeat = await fetch(`${a!.url}/api/device/v1/heartbeat`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ firmwareVersion: terminal!.firmwareVersion ?? "1.0.0" }),
      });
      expect(heartbeat.status).toBe(200);
      await waitFor("the heartbeat's event on the other instance's stream", 15_000, async () => (stream.state.text.includes("event: terminals") ? true : undefined));
    } finally {
      await stream.close();
    }
  });
});
