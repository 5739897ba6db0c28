import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { pruneSignInFailures } from "../auth/lockout";
import { logger } from "../logger";
import { metrics } from "../metrics";
import { drainingSignal, onShutdown } from "../shutdown";
import { sumFinishedDays } from "../services/activity";
import { evaluateAlerts, sendAlertDigests } from "../services/alerts";
import { BULK_JOB_RUNNER, runBulkJobs } from "../services/bulk-actions";
import { expireCommands } from "../services/commands";
import { sweepConnectivity } from "../services/connectivity";
import { maintainHistory } from "../services/history";
import { createDueWorkOrders } from "../services/maintenance";
import { publishDueNotices } from "../services/notices";
import { foldTerminalCounts } from "../services/terminal-counts";
import { prunePasswordResetRequests } from "../services/account-links";
import { advanceRollouts } from "../services/rollouts";
import { deliverDueWebhooks } from "../services/webhooks";
import { deliverDueEmails } from "../email/outbox";
import { deliverDueSms } from "../sms/outbox";

export interface Job {
  name: string;
  everySeconds: number;
  run: (db: Db, now: Date) => Promise<Record<string, unknown>>;
}

/** Background jobs. Each runs once per period across all app instances. */
export const jobs: Job[] = [
  // Check-in partitions ahead of time and whole expired ones dropped; a minute keeps up with the narrowest width.
  { name: "maintain-history", everySeconds: 60, run: maintainHistory },
  // Terminals that stopped checking in become offline (the overview's counts and the list filters read the state).
  { name: "sweep-connectivity", everySeconds: 10, run: sweepConnectivity },
  // The overview's counts absorb the changes appended since the last fold.
  { name: "fold-terminal-counts", everySeconds: 10, run: (db) => foldTerminalCounts(db) },
  // The fleet's daily activity for finished days, for the admin overview.
  { name: "sum-finished-days", everySeconds: 600, run: sumFinishedDays },
  { name: "prune-sign-in-failures", everySeconds: 3600, run: pruneSignInFailures },
  { name: "prune-password-reset-requests", everySeconds: 3600, run: prunePasswordResetRequests },
  // Requests send at once; this retries what failed. Messages are claimed one by one, so it is safe anywhere.
  { name: "deliver-sms", everySeconds: 10, run: (db, now) => deliverDueSms(db, now) },
  // Invitations, reset links and alerts; each message is claimed, so a run elsewhere never sends it twice.
  { name: "deliver-email", everySeconds: 10, run: (db, now) => deliverDueEmails(db, now) },
  // Alerts and test events to webhooks, with their retries; deliveries are claimed one by one, like SMS.
  { name: "deliver-webhooks", everySeconds: 10, run: (db, now) => deliverDueWebhooks(db, now) },
  // Scheduled starts, phase advancement and automatic pauses.
  { name: "advance-rollouts", everySeconds: 10, run: advanceRollouts },
  // Alert rules raise what holds and resolve what ended (check-ins evaluate their own terminals at once).
  { name: "evaluate-alerts", everySeconds: 15, run: evaluateAlerts },
  // Hourly and daily digests, and the e-mail that quiet hours held back.
  { name: "send-alert-digests", everySeconds: 60, run: sendAlertDigests },
  // Scheduled notices whose publish time has come.
  { name: "publish-notices", everySeconds: 10, run: publishDueNotices },
  // Remote commands no heartbeat carried before their expiry end as expired.
  { name: "expire-commands", everySeconds: 60, run: expireCommands },
  // Bulk actions on terminals, a chunk at a time; chunks are claimed per terminal, so two runs never act on one twice.
  { name: BULK_JOB_RUNNER, everySeconds: 5, run: (db, now) => runBulkJobs(db, now) },
  // Preventive work orders ahead of their due dates.
  { name: "create-work-orders", everySeconds: 600, run: createDueWorkOrders },
];

/**
 * A claim holds its job this long; a live run renews it every RENEW_EVERY_MS, so a slow run keeps
 * its job while a crashed instance's run is taken over by another instance within LEASE_SECONDS.
 */
export const LEASE_SECONDS = 20;
const RENEW_EVERY_MS = 5_000;

/**
 * Claims a due job with one atomic update: of several instances asking at once, exactly one gets
 * the row back. Returns the claim (its lease end, which also identifies it), or null when the job
 * is not due or held.
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

/** Extends a claim's lease from `now`; returns the new claim, or null when the claim was lost (taken over or released). */
export async function renewJob(db: Db, job: Job, claim: string, now: Date): Promise<string | null> {
  const [renewed] = await queryRows<{ locked_until: Date | string }>(
    db,
    sql`update scheduled_jobs set locked_until = ${now.toISOString()}::timestamptz + make_interval(secs => ${LEASE_SECONDS})
      where name = ${job.name} and locked_until = ${claim}::timestamptz returning locked_until`,
  );
  return renewed ? new Date(renewed.locked_until).toISOString() : null;
}

/** Gives a claim back without recording a run: the job stays due, and any instance may claim it at once. */
export async function releaseJob(db: Db, job: Job, claim: string): Promise<boolean> {
  const rows = await queryRows<{ name: string }>(db, sql`update scheduled_jobs set locked_until = null where name = ${job.name} and locked_until = ${claim}::timestamptz returning name`);
  return rows.length === 1;
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

/** A claim this instance holds while its run lives; the renewals are chained so the claim is always the latest. */
interface Lease {
  claim: string;
  renewing: Promise<void>;
  renewal: ReturnType<typeof setInterval>;
}

/** Stops renewing and returns the claim as it stands once a renewal under way has landed. */
async function endRenewal(lease: Lease): Promise<string> {
  clearInterval(lease.renewal);
  await lease.renewing;
  return lease.claim;
}

function holdLease(db: Db, job: Job, claim: string, now: Date): Lease {
  // Renewals move on from the run's clock by the time that really passed, so an injected clock stays consistent.
  const started = performance.now();
  const lease: Lease = { claim, renewing: Promise.resolve(), renewal: undefined as never };
  lease.renewal = setInterval(() => {
    lease.renewing = lease.renewing.then(async () => {
      try {
        const renewed = await renewJob(db, job, lease.claim, new Date(now.getTime() + performance.now() - started));
        if (renewed) lease.claim = renewed;
        else {
          clearInterval(lease.renewal);
          logger.warn({ job: job.name }, "job lease lost: another instance took the job over");
        }
      } catch (error) {
        logger.warn({ err: error, job: job.name }, "job lease renewal failed");
      }
    });
  }, RENEW_EVERY_MS);
  lease.renewal.unref();
  return lease;
}

/**
 * Runs every due job this instance can claim, side by side so that a slow job does not hold up
 * the others, and schedules each one's next run. `leases` holds the claims while their runs live.
 */
export async function runDueJobs(db: Db, now: Date = new Date(), jobList: Job[] = jobs, leases = new Map<Job, Lease>()): Promise<string[]> {
  const ran: string[] = [];
  // Settled, not all: a job whose claim failed must not hide the others still running from shutdown.
  const outcomes = await Promise.allSettled(
    jobList.map(async (job) => {
      const claim = await claimJob(db, job, now);
      if (!claim) return;
      const lease = holdLease(db, job, claim, now);
      leases.set(job, lease);
      let result: Record<string, unknown>;
      const timer = metrics.jobDuration.startTimer({ job: job.name });
      try {
        result = { ok: true, ...(await job.run(db, now)) };
      } catch (error) {
        result = { ok: false, error: error instanceof Error ? error.message : String(error) };
        logger.error({ err: error, job: job.name }, "job failed");
      }
      timer();
      metrics.jobRuns.inc({ job: job.name, outcome: result.ok ? "ok" : "failed" });
      try {
        await finishJob(db, job, await endRenewal(lease), now, result);
      } finally {
        leases.delete(job);
      }
      ran.push(job.name);
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return ran;
}

const TICK_MS = 5_000;

/**
 * Checks for due jobs every five seconds in this process (the timers do not keep the process
 * alive). It stops claiming as soon as shutdown begins; on shutdown it waits for the runs under
 * way until the deadline, then gives back the claims still held, so another instance takes those
 * jobs over at once rather than after their leases.
 */
export function startJobRunner(db: Db, options: { jobs?: Job[]; firstTickMs?: number } = {}): void {
  const leases = new Map<Job, Lease>();
  const running = new Set<Promise<unknown>>();
  const tick = () => {
    const run = runDueJobs(db, new Date(), options.jobs, leases).catch((error: unknown) => logger.error({ err: error }, "job runner failed"));
    running.add(run);
    void run.finally(() => running.delete(run));
  };
  const first = setTimeout(tick, options.firstTickMs ?? 5_000).unref();
  const every = setInterval(tick, TICK_MS).unref();
  const stopTicking = () => {
    clearTimeout(first);
    clearInterval(every);
  };
  drainingSignal().addEventListener("abort", stopTicking, { once: true });
  onShutdown("job runner", async (deadline) => {
    stopTicking();
    const deadlinePassed = new Promise((resolve) => (deadline.aborted ? resolve(undefined) : deadline.addEventListener("abort", resolve, { once: true })));
    await Promise.race([Promise.allSettled(running), deadlinePassed]);
    await Promise.all([...leases].map(async ([job, lease]) => releaseJob(db, job, await endRenewal(lease))));
  });
}
