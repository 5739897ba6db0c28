import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { pruneSignInFailures } from "../auth/lockout";
import { createDueWorkOrders } from "../services/maintenance";
import { publishDueNotices } from "../services/notices";
import { pruneCheckins } from "../services/retention";
import { advanceRollouts } from "../services/rollouts";
import { deliverDueSms } from "../sms/outbox";

interface Job {
  name: string;
  everySeconds: number;
  run: (db: Db, now: Date) => Promise<Record<string, unknown>>;
}

/** Background jobs. Each runs once per period across all app instances. */
export const jobs: Job[] = [
  { name: "prune-checkins", everySeconds: 3600, run: pruneCheckins },
  { name: "prune-sign-in-failures", everySeconds: 3600, run: pruneSignInFailures },
  // Requests send at once; this retries what failed. Messages are claimed one by one, so it is safe anywhere.
  { name: "deliver-sms", everySeconds: 10, run: (db, now) => deliverDueSms(db, now) },
  // Scheduled starts, phase advancement and automatic pauses.
  { name: "advance-rollouts", everySeconds: 10, run: advanceRollouts },
  // Scheduled notices whose publish time has come.
  { name: "publish-notices", everySeconds: 10, run: publishDueNotices },
  // Preventive work orders ahead of their due dates.
  { name: "create-work-orders", everySeconds: 600, run: createDueWorkOrders },
];

/** How long a claimed run may take before another instance may take it over (a crashed instance). */
const LEASE_SECONDS = 600;

/**
 * Claims a due job with one atomic update: of several instances asking at once, exactly one gets
 * the row back. Returns the claim (its lease end), or null when the job is not due or held.
 */
export async function claimJob(db: Db, job: Job, now: Date): Promise<string | null> {
  await db.execute(sql`insert into scheduled_jobs (name, next_run_at) values (${job.name}, ${now.toISOString()}::timestamptz) on conflict (name) do nothing`);
  const [claim] = await queryRows<{ locked_until: Date | string }>(
    db,
    sql`update scheduled_jobs set locked_until = ${now.toISOString()}::timestamptz + make_interval(secs => ${LEASE_SECONDS})
      where name = ${job.name} and next_run_at <= ${now.toISOString()}::timestamptz
        and (locked_until is null or locked_until < ${now.toISOString()}::timestamptz)
      returning locked_until`,
  );
  return claim ? new Date(claim.locked_until).toISOString() : null;
}

/**
 * Records a run and schedules the next, only while the claim is still this run's: a run that
 * outlived its lease was taken over, and the new holder's lease must stand. Returns whether it did.
 */
export async function finishJob(db: Db, job: Job, claim: string, now: Date, result: Record<string, unknown>): Promise<boolean> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`update scheduled_jobs set locked_until = null, last_run_at = ${now.toISOString()}::timestamptz,
      next_run_at = ${now.toISOString()}::timestamptz + make_interval(secs => ${job.everySeconds}), last_result = ${JSON.stringify(result)}::jsonb
      where name = ${job.name} and locked_until = ${claim}::timestamptz returning name`,
  );
  return rows.length === 1;
}

/** Runs every due job this instance can claim, and schedules its next run. */
export async function runDueJobs(db: Db, now: Date = new Date()): Promise<string[]> {
  const ran: string[] = [];
  for (const job of jobs) {
    const claim = await claimJob(db, job, now);
    if (!claim) continue;
    let result: Record<string, unknown>;
    try {
      result = { ok: true, ...(await job.run(db, now)) };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
      console.error(`Job ${job.name} failed:`, result.error);
    }
    await finishJob(db, job, claim, now, result);
    ran.push(job.name);
  }
  return ran;
}

const TICK_MS = 10_000;

/** Checks for due jobs every ten seconds in this process; the timer does not keep the process alive. */
export function startJobRunner(db: Db): void {
  const tick = () => void runDueJobs(db).catch((error: unknown) => console.error("Job runner:", error instanceof Error ? error.message : error));
  setTimeout(tick, 5_000).unref();
  setInterval(tick, TICK_MS).unref();
}
