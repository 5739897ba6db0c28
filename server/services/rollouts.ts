import { and, asc, count, desc, eq, gt, gte, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { firmwareReleases, merchants, rolloutPhases, rollouts, stores, terminals, updateJobs, type BusinessHours, type JobStatus, type RolloutStatus, type RolloutTarget } from "@/db/schema";
import { DEFAULT_MAINTENANCE_WINDOW, DEFAULT_TIME_ZONE, openJobStatuses } from "@/db/schema/values";
import { csvLine } from "../csv";
import { AppError, notFound } from "../errors";
import type { RolloutCreateInput, RolloutJobListInput, RolloutListInput, RolloutTargetInput } from "../schemas/firmware";
import type { UpdateStatusInput } from "../schemas/device";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import type { AuditVerb } from "../schemas/audit";
import { recordAudit, systemActor, type AuditActor, type AuditEntry } from "./audit";
import type { AuthenticatedDevice } from "./device-tokens";
import { notifyFleetChanged, notifyTerminalsChanged } from "./fleet-events";
import { decidePhase, failureIsRetried, isInsideBusinessHours, isInsideWindow, judgeStatusReport, mayInstall, phaseSizes } from "./rollout-rules";
import { escapeLike, jsonList, literalList, uuidList } from "./sql-text";

const openStatusList = literalList(openJobStatuses);
const auditRollout = (action: AuditVerb<"rollout">, id: string, changes: Record<string, unknown> = {}): AuditEntry => ({ action: `rollout.${action}`, entityType: "rollout", entityId: id, changes });

interface Candidate {
  id: string;
  serial_number: string;
  firmware_version: string | null;
  status: string;
  compatible: boolean;
  open_job: boolean;
}

/**
 * The terminals a target names, and which of them can take the release: in service, of a model the
 * release is for, moving forward (or a rollback), and without another open job. A pasted list of
 * serial numbers replaces the other filters; the other filters narrow each other.
 */
async function resolveTarget(db: Db, release: { id: string; version: string; isRollback: boolean }, target: RolloutTargetInput) {
  const conditions: SQL[] = [];
  if (target.serialNumbers.length) conditions.push(sql`t.serial_number in ${jsonList(target.serialNumbers)}`);
  else {
    if (target.modelIds.length) conditions.push(sql`t.model_id in ${uuidList(target.modelIds)}`);
    if (target.merchantIds.length) conditions.push(sql`t.merchant_id in ${uuidList(target.merchantIds)}`);
    if (target.storeIds.length) conditions.push(sql`t.store_id in ${uuidList(target.storeIds)}`);
    if (target.firmwareVersions.length) conditions.push(sql`t.firmware_version in ${jsonList(target.firmwareVersions)}`);
  }
  const where = conditions.length ? sql.join(conditions, sql` and `) : sql`true`;
  const rows = await queryRows<Candidate>(
    db,
    sql`select t.id, t.serial_number, t.firmware_version, t.status,
        exists (select 1 from firmware_release_models rm where rm.release_id = ${release.id} and rm.model_id = t.model_id) as compatible,
        exists (select 1 from update_jobs j where j.terminal_id = t.id and j.status in ${openStatusList}) as open_job
      from terminals t where ${where} and t.status <> 'retired'`,
  );
  const eligible: Candidate[] = [];
  const excluded = { notInService: 0, incompatible: 0, notNewer: 0, openJob: 0 };
  for (const row of rows) {
    if (!statusesWithDeviceAccess.includes(row.status as never)) excluded.notInService++;
    else if (!row.compatible) excluded.incompatible++;
    else if (!mayInstall(row.firmware_version, release.version, release.isRollback)) excluded.notNewer++;
    else if (row.open_job) excluded.openJob++;
    else eligible.push(row);
  }
  const unknownSerials = target.serialNumbers.length ? new Set(target.serialNumbers).size - rows.length : 0;
  return { matched: rows.length, eligible, excluded: { ...excluded, unknownSerials: Math.max(0, unknownSerials) } };
}

/** The release to roll out; inside a transaction it is held (FOR SHARE) so it cannot change meanwhile. */
async function releaseForRollout(db: Db, releaseId: string, hold = false) {
  const query = db.select().from(firmwareReleases).where(eq(firmwareReleases.id, releaseId));
  const [release] = hold ? await query.for("share") : await query;
  if (!release) throw notFound("firmwareRelease");
  if (release.status !== "published") throw new AppError("invalid", "releaseNotPublished", { status: release.status }, { field: "releaseId" });
  return release;
}

/** How many terminals a target hits, and why the others are left out (the create form's preview). */
export async function previewRollout(db: Db, input: { releaseId: string; target: RolloutTargetInput }) {
  const release = await releaseForRollout(db, input.releaseId);
  const { matched, eligible, excluded } = await resolveTarget(db, release, input.target);
  return { matched, eligible: eligible.length, excluded };
}

const JOB_INSERT_CHUNK = 20_000;

function storedTarget(target: RolloutTargetInput): RolloutTarget {
  if (target.serialNumbers.length) return { serialCount: new Set(target.serialNumbers).size };
  return { modelIds: target.modelIds, merchantIds: target.merchantIds, storeIds: target.storeIds, firmwareVersions: target.firmwareVersions };
}

/** Keeps the list's per-status counts current; the rollout page itself always counts live. */
async function storeJobCounts(tx: Db, rolloutId: string, counts: JobCounts) {
  const totals: Partial<Record<JobStatus, number>> = {};
  for (const c of counts.values()) for (const [status, n] of Object.entries(c) as [JobStatus, number][]) if (n) totals[status] = (totals[status] ?? 0) + n;
  await tx.update(rollouts).set({ jobCounts: totals }).where(eq(rollouts.id, rolloutId));
}

/**
 * Creates a rollout: its phases and one pending job per eligible terminal, shuffled across the
 * phases so each phase is a fair sample. Terminals that gained an open job meanwhile are skipped
 * (the database keeps one open job per terminal).
 */
export async function createRollout(db: Db, actor: AuditActor, input: RolloutCreateInput, now: Date = new Date()) {
  const startsAt = input.startsAt && input.startsAt > now ? input.startsAt : now;
  return db.transaction(async (tx) => {
    const release = await releaseForRollout(tx, input.releaseId, true);
    const { eligible } = await resolveTarget(tx, release, input.target);
    if (eligible.length === 0) throw new AppError("invalid", "noEligibleTerminals", {}, { field: "target" });
    const [rollout] = await tx
      .insert(rollouts)
      .values({
        name: input.name,
        releaseId: release.id,
        status: startsAt > now ? "scheduled" : "running",
        target: storedTarget(input.target),
        startsAt,
        maxAttempts: input.maxAttempts,
        createdBy: actor.label,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const phases = await tx
      .insert(rolloutPhases)
      .values(input.phases.map((p, i) => ({ rolloutId: rollout!.id, position: i + 1, ...p })))
      .returning({ id: rolloutPhases.id, position: rolloutPhases.position });
    phases.sort((a, b) => a.position - b.position);
    // Fisher–Yates: which terminals go first is a fair sample of the whole target.
    for (let i = eligible.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
    }
    const sizes = phaseSizes(
      eligible.length,
      input.phases.map((p) => p.percent),
    );
    const rows: { phase_id: string; terminal_id: string; from_version: string | null }[] = [];
    sizes.forEach((size, i) => {
      for (const t of eligible.slice(rows.length, rows.length + size)) rows.push({ phase_id: phases[i]!.id, terminal_id: t.id, from_version: t.firmware_version });
    });
    const perPhase = new Map<string, number>();
    for (let i = 0; i < rows.length; i += JOB_INSERT_CHUNK) {
      const inserted = await queryRows<{ phase_id: string; n: number }>(
        tx,
        sql`with added as (
          insert into update_jobs (rollout_id, phase_id, terminal_id, from_version, created_at, updated_at)
          select ${rollout!.id}, i.phase_id, i.terminal_id, i.from_version, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + JOB_INSERT_CHUNK))}::jsonb) as i(phase_id uuid, terminal_id uuid, from_version text)
          on conflict (terminal_id) where status in ${openStatusList} do nothing
          returning phase_id)
        select phase_id, count(*)::int as n from added group by phase_id`,
      );
      for (const { phase_id, n } of inserted) perPhase.set(phase_id, (perPhase.get(phase_id) ?? 0) + n);
    }
    const total = [...perPhase.values()].reduce((a, b) => a + b, 0);
    if (total === 0) throw new AppError("conflict", "targetTakenMeanwhile", {}, { field: "target" });
    for (const phase of phases) {
      await tx
        .update(rolloutPhases)
        .set({ terminalCount: perPhase.get(phase.id) ?? 0 })
        .where(eq(rolloutPhases.id, phase.id));
    }
    await tx.update(rollouts).set({ terminalCount: total }).where(eq(rollouts.id, rollout!.id));
    await tx
      .update(rollouts)
      .set({ jobCounts: { pending: total } })
      .where(eq(rollouts.id, rollout!.id));
    await recordAudit(
      tx,
      actor,
      auditRollout("created", rollout!.id, {
        name: input.name,
        releaseId: release.id,
        version: release.version,
        target: storedTarget(input.target),
        phases: input.phases,
        startsAt: startsAt.toISOString(),
        terminals: total,
      }),
    );
    if (rollout!.status === "running") await stepRollout(tx, rollout!.id, now);
    return { id: rollout!.id, terminalCount: total };
  });
}

type JobCounts = Map<string, Record<JobStatus, number>>;

async function jobCountsByPhase(tx: Db, rolloutId: string): Promise<JobCounts> {
  const rows = await queryRows<{ phase_id: string; status: JobStatus; n: number }>(
    tx,
    sql`select phase_id, status, count(*)::int as n from update_jobs where rollout_id = ${rolloutId} group by phase_id, status`,
  );
  const counts: JobCounts = new Map();
  for (const { phase_id, status, n } of rows) {
    const c = counts.get(phase_id) ?? { pending: 0, downloading: 0, downloaded: 0, installing: 0, succeeded: 0, failed: 0, cancelled: 0 };
    c[status] = n;
    counts.set(phase_id, c);
  }
  return counts;
}

/**
 * Moves one running rollout on, inside the caller's transaction and holding its row: pauses it when
 * a started phase passes its failure threshold, completes the running phase and starts the next
 * when its success threshold is reached (or waits for approval), and completes the rollout after
 * its last phase.
 */
async function stepRollout(tx: Db, rolloutId: string, now: Date): Promise<string | null> {
  const phases = await tx.select().from(rolloutPhases).where(eq(rolloutPhases.rolloutId, rolloutId)).orderBy(asc(rolloutPhases.position));
  const counts = await jobCountsByPhase(tx, rolloutId);
  await storeJobCounts(tx, rolloutId, counts);
  const progressOf = (phase: (typeof phases)[number]) => {
    const c = counts.get(phase.id);
    return { ...phase, total: phase.terminalCount, succeeded: c?.succeeded ?? 0, failed: c?.failed ?? 0, cancelled: c?.cancelled ?? 0 };
  };
  for (const phase of phases) {
    if (phase.status === "pending") continue;
    if (decidePhase(progressOf(phase)) === "pause") {
      await tx.update(rollouts).set({ status: "paused", pauseReason: "failure_threshold", updatedAt: now }).where(eq(rollouts.id, rolloutId));
      const p = progressOf(phase);
      await recordAudit(
        tx,
        systemActor,
        auditRollout("paused", rolloutId, { reason: "failure_threshold", phase: phase.position, failed: p.failed, terminals: p.total, failureThreshold: phase.failureThreshold }),
      );
      return "paused";
    }
  }
  let current = phases.find((p) => p.status === "running" || p.status === "awaiting_approval");
  // Waiting for an admin: nothing to do until the approval.
  if (current?.status === "awaiting_approval") return null;
  if (!current) {
    const next = phases.find((p) => p.status === "pending");
    if (!next) {
      // Every phase is done (say, the last approved while failures paused it): the rollout is complete.
      await tx.update(rollouts).set({ status: "completed", finishedAt: now, updatedAt: now }).where(eq(rollouts.id, rolloutId));
      await recordAudit(tx, systemActor, auditRollout("completed", rolloutId));
      return "completed";
    }
    await tx.update(rolloutPhases).set({ status: "running", startedAt: now }).where(eq(rolloutPhases.id, next.id));
    current = { ...next, status: "running" };
  }
  // A phase moves on by its own results; several may finish in one step (e.g. empty ones).
  while (current && current.status === "running") {
    const decision = decidePhase(progressOf(current));
    if (decision === "wait") return null;
    if (decision === "await_approval") {
      await tx.update(rolloutPhases).set({ status: "awaiting_approval" }).where(eq(rolloutPhases.id, current.id));
      return "awaiting_approval";
    }
    if (decision === "pause") return null;
    current = await completePhase(tx, rolloutId, phases, current, now);
  }
  return current ? "advanced" : "completed";
}

/** Completes a phase and starts the next; after the last, completes the rollout. Returns the started phase. */
async function completePhase<P extends { id: string; position: number; status: string }>(tx: Db, rolloutId: string, phases: P[], phase: P, now: Date): Promise<P | undefined> {
  await tx.update(rolloutPhases).set({ status: "completed", completedAt: now }).where(eq(rolloutPhases.id, phase.id));
  const next = phases.find((p) => p.position === phase.position + 1);
  if (next) {
    await tx.update(rolloutPhases).set({ status: "running", startedAt: now }).where(eq(rolloutPhases.id, next.id));
    return { ...next, status: "running" };
  }
  // Terminals that were offline still get their job later: open jobs stay deliverable.
  await tx.update(rollouts).set({ status: "completed", finishedAt: now, updatedAt: now }).where(eq(rollouts.id, rolloutId));
  await recordAudit(tx, systemActor, auditRollout("completed", rolloutId));
  return undefined;
}

/**
 * The background step: starts scheduled rollouts whose time has come and moves running ones on.
 * Each rollout is taken with FOR UPDATE SKIP LOCKED, so several instances never step the same one.
 */
export async function advanceRollouts(db: Db, now: Date = new Date()) {
  const silenced = await endSilentUpdates(db, now);
  const due = await db
    .select({ id: rollouts.id })
    .from(rollouts)
    .where(sql`${rollouts.status} = 'running' or (${rollouts.status} = 'scheduled' and ${rollouts.startsAt} <= ${now.toISOString()}::timestamptz)`);
  const outcomes: Record<string, number> = { silenced, started: 0, advanced: 0, awaiting_approval: 0, paused: 0, completed: 0 };
  for (const { id } of due) {
    await db.transaction(async (tx) => {
      const [rollout] = await queryRows<{ status: RolloutStatus; starts_at: Date | string }>(tx, sql`select status, starts_at from rollouts where id = ${id} for update skip locked`);
      if (!rollout) return;
      if (rollout.status === "scheduled") {
        if (new Date(rollout.starts_at) > now) return;
        await tx.update(rollouts).set({ status: "running", updatedAt: now }).where(eq(rollouts.id, id));
        await recordAudit(tx, systemActor, auditRollout("started", id));
        outcomes.started!++;
      } else if (rollout.status !== "running") return;
      const outcome = await stepRollout(tx, id, now);
      if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome) await notifyRolloutsChanged(tx);
    });
  }
  return outcomes;
}

/** An update under way that has not reported for this long is over: the terminal went silent. */
export const SILENT_UPDATE_HOURS = 24;

/**
 * Ends updates that stopped reporting mid-way: failed (counted against the phase), or cancelled in
 * a cancelled rollout, so the terminal is free again. Returns how many ended.
 */
async function endSilentUpdates(db: Db, now: Date): Promise<number> {
  const at = now.toISOString();
  const ended = await queryRows<{ rollout_id: string; rollout_status: RolloutStatus }>(
    db,
    sql`update update_jobs j set
        status = case when ro.status = 'cancelled' then 'cancelled'::update_job_status else 'failed'::update_job_status end,
        error_code = case when ro.status = 'cancelled' then j.error_code else 'no_report' end,
        message = case when ro.status = 'cancelled' then j.message else ${`No status report for ${SILENT_UPDATE_HOURS} hours.`} end,
        finished_at = ${at}::timestamptz, updated_at = ${at}::timestamptz,
        history = j.history || jsonb_build_array(jsonb_build_object('status', case when ro.status = 'cancelled' then 'cancelled' else 'failed' end, 'at', ${at}::text))
      from rollouts ro
      where ro.id = j.rollout_id and j.status in ('downloading', 'downloaded', 'installing')
        and j.updated_at < ${at}::timestamptz - make_interval(hours => ${SILENT_UPDATE_HOURS})
      returning j.rollout_id, ro.status as rollout_status`,
  );
  // Running rollouts are counted by their step; the others here, unless an admin holds them.
  for (const rolloutId of new Set(ended.filter((e) => e.rollout_status !== "running").map((e) => e.rollout_id))) {
    await db.transaction(async (tx) => {
      const [free] = await queryRows<{ id: string }>(tx, sql`select id from rollouts where id = ${rolloutId} for update skip locked`);
      if (free) await storeJobCounts(tx, rolloutId, await jobCountsByPhase(tx, rolloutId));
    });
  }
  return ended.length;
}

/** Rollout changes concern admins, who see every merchant: consoles refresh what they show. */
const notifyRolloutsChanged = (tx: Db) => notifyFleetChanged(tx);

async function lockRollout(tx: Db, id: string) {
  const [rollout] = await tx.select().from(rollouts).where(eq(rollouts.id, id)).for("update");
  if (!rollout) throw notFound("rollout");
  return rollout;
}

/** An admin stops a scheduled or running rollout: no terminal gets its job until it resumes. */
export async function pauseRollout(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const rollout = await lockRollout(tx, id);
    if (rollout.status === "paused") return { status: rollout.status };
    if (rollout.status !== "running" && rollout.status !== "scheduled") throw new AppError("conflict", "rolloutCannotPause", { status: rollout.status });
    await tx.update(rollouts).set({ status: "paused", pauseReason: "admin", updatedAt: now }).where(eq(rollouts.id, id));
    await recordAudit(tx, actor, auditRollout("paused", id, { reason: "admin" }));
    return { status: "paused" as const };
  });
}

/**
 * Resumes a paused rollout. After an automatic pause, the failures so far are accepted by the
 * admin resuming: only later failures count against the thresholds.
 */
export async function resumeRollout(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const rollout = await lockRollout(tx, id);
    if (rollout.status !== "paused") throw new AppError("conflict", "rolloutCannotResume", { status: rollout.status });
    if (rollout.pauseReason === "failure_threshold") {
      await tx.execute(sql`update rollout_phases p set accepted_failures = (select count(*) from update_jobs j where j.phase_id = p.id and j.status = 'failed')
        where p.rollout_id = ${id} and p.status <> 'pending'`);
    }
    const status = rollout.startsAt > now ? "scheduled" : "running";
    await tx.update(rollouts).set({ status, pauseReason: null, updatedAt: now }).where(eq(rollouts.id, id));
    await recordAudit(tx, actor, auditRollout("resumed", id, { acceptedFailures: rollout.pauseReason === "failure_threshold" }));
    if (status === "running") await stepRollout(tx, id, now);
    await notifyRolloutsChanged(tx);
    return { status };
  });
}

/**
 * Ends a rollout for good: its pending jobs are cancelled, so those terminals may get other
 * updates; updates already under way finish and report. A completed rollout keeps its status and
 * only gives up the jobs of terminals that never came back.
 */
export async function cancelRollout(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const rollout = await lockRollout(tx, id);
    if (rollout.status === "cancelled") return { status: rollout.status, cancelledJobs: 0 };
    const cancelled = await queryRows<{ id: string }>(
      tx,
      sql`update update_jobs set status = 'cancelled', finished_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz,
          history = history || ${JSON.stringify([{ status: "cancelled", at: now.toISOString() }])}::jsonb
        where rollout_id = ${id} and status = 'pending' returning id`,
    );
    const status = rollout.status === "completed" ? "completed" : "cancelled";
    if (status === "cancelled") await tx.update(rollouts).set({ status, finishedAt: now, updatedAt: now }).where(eq(rollouts.id, id));
    await storeJobCounts(tx, id, await jobCountsByPhase(tx, id));
    await recordAudit(tx, actor, auditRollout(status === "cancelled" ? "cancelled" : "remaining_cancelled", id, { cancelledJobs: cancelled.length }));
    await notifyRolloutsChanged(tx);
    return { status, cancelledJobs: cancelled.length };
  });
}

/** A terminal that leaves service or changes model gives up its open update, so it blocks no rollout. */
export async function cancelOpenJob(tx: Db, terminalId: string, now: Date = new Date()) {
  await tx.execute(sql`update update_jobs set status = 'cancelled', finished_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz,
      history = history || ${JSON.stringify([{ status: "cancelled", at: now.toISOString() }])}::jsonb
    where terminal_id = ${terminalId} and status in ${openStatusList}`);
}

/** An admin lets a phase that waits for approval hand over to the next. */
export async function approvePhase(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const rollout = await lockRollout(tx, id);
    const phases = await tx.select().from(rolloutPhases).where(eq(rolloutPhases.rolloutId, id)).orderBy(asc(rolloutPhases.position));
    const waiting = phases.find((p) => p.status === "awaiting_approval");
    if (!waiting || rollout.status !== "running") throw new AppError("conflict", "noPhaseAwaitingApproval");
    await recordAudit(tx, actor, auditRollout("phase_approved", id, { phase: waiting.position }));
    // After the last phase the rollout is complete and not stepped again.
    if (await completePhase(tx, id, phases, waiting, now)) await stepRollout(tx, id, now);
    await notifyRolloutsChanged(tx);
    return { approvedPhase: waiting.position };
  });
}

export interface DueUpdate {
  jobId: string;
  version: string;
  url: string;
  sha256: string;
  sizeBytes: number;
}

/** A candidate for an offer: an open job in a started phase of a delivering rollout, with what decides it. */
export interface OfferCandidate {
  terminal_id: string;
  job_id: string;
  release_id: string;
  version: string;
  is_rollback: boolean;
  sha256: string;
  size_bytes: number | string;
  firmware_version: string | null;
  time_zone: string | null;
  starts: string | null;
  ends: string | null;
  business_hours: BusinessHours | null;
}

/**
 * The open jobs of the terminals in `checkedIn` (rows of terminal_id and firmware_version) in a
 * rollout that runs (or completed, for terminals that were away) and a phase that has started. The
 * heartbeat writer embeds it in its own statement, so a check-in costs no extra round trip.
 */
export function offerCandidatesSql(checkedIn: SQL): SQL {
  return sql`select j.terminal_id, j.id as job_id, r.id as release_id, r.version, r.is_rollback, r.sha256, r.size_bytes, c.firmware_version,
      s.time_zone, s.maintenance_starts as starts, s.maintenance_ends as ends, s.business_hours
    from (${checkedIn}) c
    join update_jobs j on j.terminal_id = c.terminal_id and j.status in ${openStatusList}
    join rollouts ro on ro.id = j.rollout_id and ro.status in ('running', 'completed')
    join rollout_phases p on p.id = j.phase_id and p.status <> 'pending'
    join firmware_releases r on r.id = ro.release_id
    join terminals t on t.id = j.terminal_id
    left join stores s on s.id = t.store_id`;
}

/**
 * Which candidates are offered now: inside the store's maintenance window and outside its
 * business hours, in the store's time zone, and never a downgrade. A terminal that already runs
 * the release (its success report was lost) has its job marked succeeded instead.
 */
export async function offersFor(db: Db, candidates: OfferCandidate[], now: Date): Promise<Map<string, DueUpdate>> {
  const due = new Map<string, DueUpdate>();
  const alreadyInstalled: string[] = [];
  for (const row of candidates) {
    if (row.firmware_version === row.version) alreadyInstalled.push(row.job_id);
    // A terminal that moved past the release since the rollout began is never taken back.
    if (!mayInstall(row.firmware_version, row.version, row.is_rollback)) continue;
    // A terminal without a store follows the default window in the fleet's default zone.
    const { starts, ends } = row.starts && row.ends ? { starts: row.starts, ends: row.ends } : DEFAULT_MAINTENANCE_WINDOW;
    const timeZone = row.time_zone ?? DEFAULT_TIME_ZONE;
    // Never while the store trades, even if its window was set before its hours changed.
    if (!isInsideWindow(now, timeZone, starts, ends) || isInsideBusinessHours(now, timeZone, row.business_hours ?? {})) continue;
    due.set(row.terminal_id, { jobId: row.job_id, version: row.version, url: `/api/device/v1/firmware/${row.release_id}`, sha256: row.sha256, sizeBytes: Number(row.size_bytes) });
  }
  if (alreadyInstalled.length) {
    await db.execute(sql`update update_jobs set status = 'succeeded', progress_percent = 100, finished_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz,
        history = history || ${JSON.stringify([{ status: "succeeded", at: now.toISOString() }])}::jsonb
      where id in ${uuidList([...new Set(alreadyInstalled)])} and status in ${openStatusList}`);
  }
  return due;
}

/** The update each of these terminals should start now, judged by the firmware they last reported. */
export async function dueUpdates(db: Db, terminalIds: string[], now: Date = new Date()): Promise<Map<string, DueUpdate>> {
  if (terminalIds.length === 0) return new Map();
  const candidates = await queryRows<OfferCandidate>(db, offerCandidatesSql(sql`select id as terminal_id, firmware_version from terminals where id in ${uuidList(terminalIds)}`));
  return offersFor(db, candidates, now);
}

/**
 * A terminal reports its update's progress. Statuses only move forward (a repeat is fine); a
 * failed download is retried while attempts are left; a final failure counts against the phase.
 */
export async function reportJobStatus(db: Db, device: AuthenticatedDevice, jobId: string, report: UpdateStatusInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .select({
        id: updateJobs.id,
        rolloutId: updateJobs.rolloutId,
        status: updateJobs.status,
        attempt: updateJobs.attempt,
        lastReported: sql<string | null>`${updateJobs.history} -> -1 ->> 'status'`,
        maxAttempts: rollouts.maxAttempts,
        rolloutStatus: rollouts.status,
      })
      .from(updateJobs)
      .innerJoin(rollouts, eq(rollouts.id, updateJobs.rolloutId))
      .where(and(eq(updateJobs.id, jobId), eq(updateJobs.terminalId, device.terminalId)))
      .for("update", { of: updateJobs });
    if (!job) throw notFound("updateJob");
    // A failed download put the job back to pending for another attempt: the same report again
    // (its answer was lost) is a repeat, not a failure of the next attempt.
    const repeatedFailure = job.status === "pending" && job.lastReported === "failed" && report.status === "failed";
    const judged = repeatedFailure ? ({ outcome: "repeat" } as const) : judgeStatusReport(job.status, report.status);
    if (judged.outcome === "conflict") throw new AppError("conflict", judged.reason, judged.params, { details: { code: "conflict" } });
    if (judged.outcome === "repeat") {
      if (report.progressPercent !== undefined) await tx.update(updateJobs).set({ progressPercent: report.progressPercent, updatedAt: now }).where(eq(updateJobs.id, jobId));
      return { ok: true as const };
    }
    const retried = report.status === "failed" && failureIsRetried(job.status, job.attempt, job.maxAttempts);
    const status: JobStatus = retried ? "pending" : report.status;
    const ended = status === "succeeded" || status === "failed";
    const entry = { status: report.status, at: now.toISOString(), ...(report.errorCode ? { errorCode: report.errorCode } : {}) };
    await tx
      .update(updateJobs)
      .set({
        status,
        attempt: retried ? job.attempt + 1 : job.attempt,
        progressPercent: status === "succeeded" ? 100 : retried ? null : (report.progressPercent ?? null),
        ...(report.status === "failed" ? { errorCode: report.errorCode ?? "unknown", message: report.message ?? null } : {}),
        history: sql`${updateJobs.history} || ${JSON.stringify([entry])}::jsonb`,
        updatedAt: now,
        finishedAt: ended ? now : null,
      })
      .where(eq(updateJobs.id, jobId));
    if (ended) await notifyTerminalsChanged(tx, [device.merchantId]);
    // The rollout job counts running rollouts; a straggler of any other is counted here (rare),
    // unless an admin's action holds the rollout: never wait for it while holding the job (deadlock).
    if (ended && job.rolloutStatus !== "running") {
      const [free] = await queryRows<{ id: string }>(tx, sql`select id from rollouts where id = ${job.rolloutId} for update skip locked`);
      if (free) await storeJobCounts(tx, job.rolloutId, await jobCountsByPhase(tx, job.rolloutId));
    }
    return { ok: true as const };
  });
}

/** The image of a release, for a terminal that has an open job for it. */
export async function releaseForTerminal(db: Db, terminalId: string, releaseId: string) {
  const [row] = await db
    .select({ storageKey: firmwareReleases.storageKey, sizeBytes: firmwareReleases.sizeBytes, sha256: firmwareReleases.sha256, version: firmwareReleases.version })
    .from(updateJobs)
    .innerJoin(rollouts, eq(rollouts.id, updateJobs.rolloutId))
    .innerJoin(firmwareReleases, eq(firmwareReleases.id, rollouts.releaseId))
    .where(and(eq(updateJobs.terminalId, terminalId), eq(firmwareReleases.id, releaseId), inArray(updateJobs.status, [...openJobStatuses])))
    .limit(1);
  if (!row?.storageKey) throw notFound("firmwareImage");
  return { ...row, storageKey: row.storageKey, sizeBytes: Number(row.sizeBytes) };
}

const emptyCounts = (): Record<JobStatus, number> => ({ pending: 0, downloading: 0, downloaded: 0, installing: 0, succeeded: 0, failed: 0, cancelled: 0 });

export async function listRollouts(db: Db, input: RolloutListInput) {
  const where = and(input.status ? eq(rollouts.status, input.status) : undefined, input.releaseId ? eq(rollouts.releaseId, input.releaseId) : undefined);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: rollouts.id,
        name: rollouts.name,
        status: rollouts.status,
        pauseReason: rollouts.pauseReason,
        startsAt: rollouts.startsAt,
        createdAt: rollouts.createdAt,
        finishedAt: rollouts.finishedAt,
        terminalCount: rollouts.terminalCount,
        jobCounts: rollouts.jobCounts,
        releaseId: rollouts.releaseId,
        version: firmwareReleases.version,
      })
      .from(rollouts)
      .innerJoin(firmwareReleases, eq(firmwareReleases.id, rollouts.releaseId))
      .where(where)
      .orderBy(desc(rollouts.createdAt), desc(rollouts.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(rollouts).where(where),
  ]);
  return { items: rows.map(({ jobCounts, ...r }) => ({ ...r, counts: { ...emptyCounts(), ...jobCounts } })), total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** A rollout with its release, its phases' progress by job status, and the most frequent failure codes. */
export async function getRolloutProgress(db: Db, id: string) {
  const [rollout] = await db
    .select({
      id: rollouts.id,
      name: rollouts.name,
      status: rollouts.status,
      pauseReason: rollouts.pauseReason,
      target: rollouts.target,
      startsAt: rollouts.startsAt,
      maxAttempts: rollouts.maxAttempts,
      terminalCount: rollouts.terminalCount,
      createdBy: rollouts.createdBy,
      createdAt: rollouts.createdAt,
      finishedAt: rollouts.finishedAt,
      release: { id: firmwareReleases.id, version: firmwareReleases.version, channel: firmwareReleases.channel, isRollback: firmwareReleases.isRollback },
    })
    .from(rollouts)
    .innerJoin(firmwareReleases, eq(firmwareReleases.id, rollouts.releaseId))
    .where(eq(rollouts.id, id));
  if (!rollout) throw notFound("rollout");
  const [phases, counts, failureCodes] = await Promise.all([
    db.select().from(rolloutPhases).where(eq(rolloutPhases.rolloutId, id)).orderBy(asc(rolloutPhases.position)),
    jobCountsByPhase(db, id),
    queryRows<{ error_code: string; failed: number; retried: number }>(
      db,
      sql`select error_code, count(*) filter (where status = 'failed')::int as failed, count(*) filter (where status <> 'failed')::int as retried
        from update_jobs where rollout_id = ${id} and error_code is not null group by error_code order by count(*) desc limit 10`,
    ),
  ]);
  const totals = emptyCounts();
  const phaseProgress = phases.map((p) => {
    const c = counts.get(p.id) ?? emptyCounts();
    for (const s of Object.keys(totals) as JobStatus[]) totals[s] += c[s];
    return { ...p, counts: c };
  });
  return { ...rollout, phases: phaseProgress, totals, failureCodes: failureCodes.map((f) => ({ errorCode: f.error_code, failed: f.failed, retried: f.retried })) };
}

/** The job list's filters, each a condition on the jobs themselves, so counting never joins. */
function jobListConditions(input: Omit<RolloutJobListInput, "page" | "pageSize">) {
  return and(
    eq(updateJobs.rolloutId, input.id),
    input.status ? eq(updateJobs.status, input.status) : undefined,
    input.phase ? sql`${updateJobs.phaseId} = (select id from rollout_phases where rollout_id = ${input.id} and position = ${input.phase})` : undefined,
    input.errorCode ? eq(updateJobs.errorCode, input.errorCode) : undefined,
    input.q ? sql`${updateJobs.terminalId} in (select id from terminals where serial_number like ${`${escapeLike(input.q.toUpperCase())}%`})` : undefined,
  );
}

/** Jobs with their terminal. */
function jobRows(db: Db, where: SQL | undefined) {
  return db
    .select({
      id: updateJobs.id,
      serialNumber: terminals.serialNumber,
      merchantName: merchants.name,
      storeName: stores.name,
      phase: rolloutPhases.position,
      status: updateJobs.status,
      attempt: updateJobs.attempt,
      progressPercent: updateJobs.progressPercent,
      fromVersion: updateJobs.fromVersion,
      errorCode: updateJobs.errorCode,
      message: updateJobs.message,
      updatedAt: updateJobs.updatedAt,
    })
    .from(updateJobs)
    .innerJoin(rolloutPhases, eq(rolloutPhases.id, updateJobs.phaseId))
    .innerJoin(terminals, eq(terminals.id, updateJobs.terminalId))
    .leftJoin(merchants, eq(merchants.id, terminals.merchantId))
    .leftJoin(stores, eq(stores.id, terminals.storeId))
    .where(where);
}

/** The rollout's terminals with their job state, filtered and paged, most recently changed first (an index walked backwards). */
export async function listRolloutJobs(db: Db, input: RolloutJobListInput) {
  const where = jobListConditions(input);
  const [items, [total]] = await Promise.all([
    jobRows(db, where)
      .orderBy(desc(updateJobs.updatedAt), desc(updateJobs.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(updateJobs).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

const jobCsvColumns = ["serial_number", "merchant", "store", "phase", "status", "attempt", "progress_percent", "from_version", "error_code", "message", "updated_at"] as const;

/** The filtered job list as CSV, a thousand rows at a time in id order after the last one sent. */
export async function* exportRolloutJobsCsv(db: Db, input: Omit<RolloutJobListInput, "page" | "pageSize">): AsyncGenerator<string> {
  yield csvLine([...jobCsvColumns]);
  let after: string | null = null;
  type Row = Awaited<ReturnType<typeof jobRows>>[number];
  for (;;) {
    const rows: Row[] = await jobRows(db, and(jobListConditions(input), after ? gt(updateJobs.id, after) : undefined))
      .orderBy(asc(updateJobs.id))
      .limit(1000);
    if (rows.length === 0) return;
    yield rows.map((r) => csvLine([r.serialNumber, r.merchantName, r.storeName, r.phase, r.status, r.attempt, r.progressPercent, r.fromVersion, r.errorCode, r.message, r.updatedAt])).join("");
    after = rows[rows.length - 1]!.id;
  }
}

/** A terminal's updates, newest first, for its page; jobs that ended before `since` (see historySince) are left out. */
export async function terminalUpdateJobs(db: Db, terminalId: string, since: Date | null) {
  return db
    .select({
      id: updateJobs.id,
      rolloutId: updateJobs.rolloutId,
      rolloutName: rollouts.name,
      version: firmwareReleases.version,
      status: updateJobs.status,
      attempt: updateJobs.attempt,
      errorCode: updateJobs.errorCode,
      updatedAt: updateJobs.updatedAt,
    })
    .from(updateJobs)
    .innerJoin(rollouts, eq(rollouts.id, updateJobs.rolloutId))
    .innerJoin(firmwareReleases, eq(firmwareReleases.id, rollouts.releaseId))
    .where(and(eq(updateJobs.terminalId, terminalId), since ? or(isNull(updateJobs.finishedAt), gte(updateJobs.finishedAt, since)) : undefined))
    .orderBy(desc(updateJobs.createdAt))
    .limit(20);
}
