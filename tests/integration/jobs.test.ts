import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { claimJob, finishJob, jobs, runDueJobs } from "@/server/jobs";
import { pruneCheckins } from "@/server/services/retention";
import { createTestDatabase, FIXED_NOW } from "../helpers/db";

let handle: DbHandle;
const countCheckins = async (where = sql`true`) => (await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from checkins where ${where}`))[0]!.n;
const hours = (n: number) => new Date(FIXED_NOW.getTime() + n * 3_600_000);

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

describe("check-in retention", () => {
  it("deletes exactly the check-ins older than the retention period", async () => {
    const cutoff = new Date(FIXED_NOW.getTime() - 3 * 86_400_000).toISOString();
    const old = await countCheckins(sql`at < ${cutoff}::timestamptz`);
    const recent = await countCheckins(sql`at >= ${cutoff}::timestamptz`);
    expect(old).toBeGreaterThan(5_000);
    const result = await pruneCheckins(handle.db, FIXED_NOW, { retentionDays: 3, chunkSize: 1_000 });
    expect(result).toEqual({ deleted: old, before: cutoff });
    expect(await countCheckins()).toBe(recent);
    expect((await pruneCheckins(handle.db, FIXED_NOW, { retentionDays: 3 })).deleted).toBe(0);
  });
});

describe("the job runner", () => {
  it("runs a due job once even when several instances ask at the same time", async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, () => runDueJobs(handle.db, hours(0))));
    expect(runs.flat().sort()).toEqual(["advance-rollouts", "create-work-orders", "deliver-sms", "prune-checkins", "prune-sign-in-failures", "publish-notices"]);
    const [job] = await queryRows<{ next_run_at: Date | string; locked_until: unknown; last_result: { ok: boolean; deleted: number } }>(
      handle.db,
      sql`select next_run_at, locked_until, last_result from scheduled_jobs where name = 'prune-checkins'`,
    );
    expect(new Date(job!.next_run_at).toISOString()).toBe(hours(1).toISOString());
    expect(job!.locked_until).toBeNull();
    expect(job!.last_result.ok).toBe(true);
  });

  it("waits for the next period, then runs again", async () => {
    expect(await runDueJobs(handle.db, hours(0.5))).not.toContain("prune-checkins");
    expect(await runDueJobs(handle.db, hours(1))).toContain("prune-checkins");
  });

  it("lets another instance take over a run whose instance died, once its lease has passed", async () => {
    await handle.db.execute(sql`update scheduled_jobs set next_run_at = ${hours(2).toISOString()}::timestamptz, locked_until = ${hours(2.1).toISOString()}::timestamptz`);
    expect(await runDueJobs(handle.db, hours(2.05))).toEqual([]);
    expect((await runDueJobs(handle.db, hours(2.2))).sort()).toEqual(["advance-rollouts", "create-work-orders", "deliver-sms", "prune-checkins", "prune-sign-in-failures", "publish-notices"]);
  });

  it("keeps the new holder's lease when a run that outlived its lease finishes", async () => {
    const job = jobs.find((j) => j.name === "prune-checkins")!;
    const late = await claimJob(handle.db, job, hours(10));
    expect(late).not.toBeNull();
    const taker = await claimJob(handle.db, job, hours(10.5)); // the lease is 10 minutes
    expect(taker).not.toBeNull();
    expect(await finishJob(handle.db, job, late!, hours(10.6), { ok: true })).toBe(false);
    const [row] = await queryRows<{ locked_until: Date | string }>(handle.db, sql`select locked_until from scheduled_jobs where name = 'prune-checkins'`);
    expect(new Date(row!.locked_until).toISOString()).toBe(taker);
    expect(await finishJob(handle.db, job, taker!, hours(10.6), { ok: true })).toBe(true);
  });
});
