import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { claimJob, finishJob, jobs, LEASE_SECONDS, releaseJob, renewJob, runDueJobs } from "@/server/jobs";
import { createTestDatabase, FIXED_NOW } from "../helpers/db";

let handle: DbHandle;
// Every job, once: the history, connectivity and counts jobs among them.
const ALL_JOBS = jobs.map((job) => job.name).sort();
const hours = (n: number) => new Date(FIXED_NOW.getTime() + n * 3_600_000);
const seconds = (from: Date, n: number) => new Date(from.getTime() + n * 1000);
const lockedUntil = async (name: string) => (await queryRows<{ locked_until: Date | string | null }>(handle.db, sql`select locked_until from scheduled_jobs where name = ${name}`))[0]!.locked_until;

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

describe("the job runner", () => {
  it("runs a due job once even when several instances ask at the same time", async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, () => runDueJobs(handle.db, hours(0))));
    expect(runs.flat().sort()).toEqual(ALL_JOBS);
    expect(ALL_JOBS).toEqual(expect.arrayContaining(["fold-terminal-counts", "maintain-history", "prune-sign-in-failures", "sweep-connectivity"]));
    const [job] = await queryRows<{ next_run_at: Date | string; locked_until: unknown; last_result: { ok: boolean; deleted: number } }>(
      handle.db,
      sql`select next_run_at, locked_until, last_result from scheduled_jobs where name = 'prune-sign-in-failures'`,
    );
    expect(new Date(job!.next_run_at).toISOString()).toBe(hours(1).toISOString());
    expect(job!.locked_until).toBeNull();
    expect(job!.last_result.ok).toBe(true);
    // Every job, the history, connectivity and counts jobs among them, ran without an error.
    const results = await queryRows<{ name: string; error: string | null }>(
      handle.db,
      sql`select name, last_result->>'error' as error from scheduled_jobs where (last_result->>'ok')::boolean is not true`,
    );
    expect(results).toEqual([]);
  });

  it("waits for the next period, then runs again", async () => {
    expect(await runDueJobs(handle.db, hours(0.5))).not.toContain("prune-sign-in-failures");
    expect(await runDueJobs(handle.db, hours(1))).toContain("prune-sign-in-failures");
  });

  it("lets another instance take over a run whose instance died, once its lease has passed", async () => {
    await handle.db.execute(sql`update scheduled_jobs set next_run_at = ${hours(2).toISOString()}::timestamptz, locked_until = ${hours(2.1).toISOString()}::timestamptz`);
    expect(await runDueJobs(handle.db, hours(2.05))).toEqual([]);
    expect((await runDueJobs(handle.db, hours(2.2))).sort()).toEqual(ALL_JOBS);
  });

  it("keeps the new holder's lease when a run that outlived its lease finishes", async () => {
    const job = jobs.find((j) => j.name === "prune-sign-in-failures")!;
    const late = await claimJob(handle.db, job, hours(10));
    expect(late).not.toBeNull();
    const taker = await claimJob(handle.db, job, seconds(hours(10), LEASE_SECONDS + 1));
    expect(taker).not.toBeNull();
    expect(await finishJob(handle.db, job, late!, hours(10.6), { ok: true })).toBe(false);
    const [row] = await queryRows<{ locked_until: Date | string }>(handle.db, sql`select locked_until from scheduled_jobs where name = 'prune-sign-in-failures'`);
    expect(new Date(row!.locked_until).toISOString()).toBe(taker);
    expect(await finishJob(handle.db, job, taker!, hours(10.6), { ok: true })).toBe(true);
  });

  it("lets another instance take over a crashed instance's job once its short lease has passed", async () => {
    const job = jobs.find((j) => j.name === "prune-sign-in-failures")!;
    const start = hours(20);
    const crashed = await claimJob(handle.db, job, start);
    expect(crashed).not.toBeNull();
    expect(LEASE_SECONDS).toBeLessThanOrEqual(30);
    expect(await claimJob(handle.db, job, seconds(start, LEASE_SECONDS - 1))).toBeNull();
    expect(await claimJob(handle.db, job, seconds(start, LEASE_SECONDS + 1))).not.toBeNull();
  });

  it("keeps a slow run's job while its instance renews the lease", async () => {
    const job = jobs.find((j) => j.name === "prune-sign-in-failures")!;
    const start = hours(30);
    const first = await claimJob(handle.db, job, start);
    const renewed = await renewJob(handle.db, job, first!, seconds(start, 20));
    expect(renewed).toBe(seconds(start, 20 + LEASE_SECONDS).toISOString());
    // Past the first lease, but within the renewed one: no takeover.
    expect(await claimJob(handle.db, job, seconds(start, LEASE_SECONDS + 5))).toBeNull();
    // The superseded claim can neither renew nor finish.
    expect(await renewJob(handle.db, job, first!, seconds(start, 25))).toBeNull();
    expect(await finishJob(handle.db, job, first!, seconds(start, 25), { ok: true })).toBe(false);
    expect(await finishJob(handle.db, job, renewed!, seconds(start, 40), { ok: true })).toBe(true);
  });

  it("gives a released claim back at once, still due, and only the holder's claim", async () => {
    const job = jobs.find((j) => j.name === "prune-sign-in-failures")!;
    const start = hours(40);
    const claim = await claimJob(handle.db, job, start);
    expect(await releaseJob(handle.db, job, new Date(start.getTime() + 1).toISOString())).toBe(false);
    expect(await lockedUntil(job.name)).not.toBeNull();
    expect(await releaseJob(handle.db, job, claim!)).toBe(true);
    expect(await lockedUntil(job.name)).toBeNull();
    expect(await claimJob(handle.db, job, seconds(start, 1))).not.toBeNull();
  });

  it("runs a due job while another job of the same tick is still running", async () => {
    let finishSlow = () => {};
    const slow = { name: "test-slow", everySeconds: 60, run: () => new Promise<Record<string, unknown>>((resolve) => (finishSlow = () => resolve({}))) };
    const quick = { name: "test-quick", everySeconds: 60, run: async () => ({}) };
    const tick = runDueJobs(handle.db, hours(50), [slow, quick]);
    await expect.poll(async () => (await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from scheduled_jobs where name = 'test-quick' and last_run_at is not null`))[0]!.n).toBe(1);
    finishSlow();
    expect((await tick).sort()).toEqual(["test-quick", "test-slow"]);
  });

  it("renews a running job's lease while its run lasts", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    try {
      let finish = () => {};
      const slow = { name: "test-renewed", everySeconds: 60, run: () => new Promise<Record<string, unknown>>((resolve) => (finish = () => resolve({}))) };
      const start = hours(60);
      const tick = runDueJobs(handle.db, start, [slow]);
      await expect.poll(() => lockedUntil(slow.name).then((at) => at && new Date(at).toISOString())).toBe(seconds(start, LEASE_SECONDS).toISOString());
      await vi.advanceTimersByTimeAsync(10_000);
      // Renewed from the run's clock plus the time that passed: 10 s, give or take the polling's own steps.
      const renewedTo = seconds(start, 10 + LEASE_SECONDS).getTime();
      await expect.poll(() => lockedUntil(slow.name).then((at) => (at ? new Date(at).getTime() : 0))).toBeGreaterThanOrEqual(renewedTo);
      expect(new Date((await lockedUntil(slow.name))!).getTime()).toBeLessThan(renewedTo + 1_000);
      finish();
      expect(await tick).toEqual(["test-renewed"]);
      expect(await lockedUntil(slow.name)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
