import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { bulkJobItems, bulkJobs, isBulkJobOpen, openBulkJobStatuses, stores, terminals, users, type BulkJobItemStatus, type UserRole } from "@/db/schema";
import { AppError, isTransientDatabaseError, notFound, sqlState, type ErrorReason } from "../errors";
import { logger } from "../logger";
import { bulkKindsByRole, type BulkSkipReason, type BulkStartInput } from "../schemas/bulk";
import { commandTypesByRole } from "../schemas/commands";
import { inScope, scopeForUser, type Scope } from "../scope";
import { recordAudit, type AuditActor } from "./audit";
import { uuidArray } from "./sql-text";
import { queueCommands, type CommandSpec } from "./commands";
import { notifyFleetChanged, notifyTerminalsChanged } from "./fleet-events";
import { assignTerminal, setTerminalStatus, terminalListConditions } from "./terminals";

/**
 * Terminals one chunk moves or changes the status of, one by one, in one transaction: their changes
 * and their items' marks commit together. Small, because the chunk holds those terminals' row locks
 * (which their heartbeats wait for) until it commits.
 */
export const BULK_CHUNK_SIZE = 50;

/** Commands are queued set-based (queueCommands), a few statements per chunk whatever its size, so their chunks are larger. */
export const BULK_COMMAND_CHUNK_SIZE = 10_000;

/** Chunks of one job a run takes side by side: the database's work per chunk is the bulk of the time, and it has cores to spare. */
export const BULK_PARALLEL_CHUNKS = 2;

/** The scheduled job that runs bulk jobs (server/jobs); a new bulk job makes it due at once. */
export const BULK_JOB_RUNNER = "run-bulk-jobs";

/** A run of the background job stops taking chunks after this long, well inside its lease (server/jobs). */
const RUN_BUDGET_MS = 15_000;

type BulkJob = typeof bulkJobs.$inferSelect;
type Viewer = { id: string; role: UserRole };

const scopeOf = (job: BulkJob): Scope => (job.scopeMerchantIds === null ? { kind: "all" } : { kind: "merchants", merchantIds: job.scopeMerchantIds });
const requesterOf = (job: BulkJob): AuditActor => ({ id: job.requestedBy, label: job.requesterLabel, ip: job.requesterIp });

const nothing: Scope = { kind: "merchants", merchantIds: [] };

/**
 * The scope a chunk acts in: the job's, narrowed to what its requester may still do now. A login
 * disabled, deleted or given another role since the start acts on nothing more; a technician
 * unassigned from a merchant no longer acts on its terminals.
 */
async function scopeNow(tx: Db, job: BulkJob): Promise<Scope> {
  const [requester] = job.requestedBy
    ? await tx.select({ id: users.id, role: users.role, merchantId: users.merchantId, disabled: users.disabled }).from(users).where(eq(users.id, job.requestedBy))
    : [];
  if (!requester || requester.disabled || requester.role !== job.requesterRole) return nothing;
  const saved = scopeOf(job);
  const current = await scopeForUser(tx, requester);
  if (current.kind === "all") return saved;
  if (saved.kind === "all") return current;
  return { kind: "merchants", merchantIds: saved.merchantIds.filter((id) => current.merchantIds.includes(id)) };
}

/** Failures another try may not meet (a lost connection, a deadlock, a lock wait that timed out): the chunk is taken again. */
const isRetryable = (error: unknown) => isTransientDatabaseError(error) || ["40P01", "40001", "55P03"].includes(sqlState(error) ?? "");

/** Admins see every bulk job; everyone else the ones they started, which only ever touched their own scope. */
const visibleTo = (viewer: Viewer): SQL | undefined => (viewer.role === "admin" ? undefined : eq(bulkJobs.requestedBy, viewer.id));

/** A merchant's own job shows in that merchant's trail; a job over several merchants is an admin's or a technician's. */
const auditMerchantOf = (job: BulkJob) => (job.scopeMerchantIds?.length === 1 ? job.scopeMerchantIds[0] : null);

const counts = (job: BulkJob) => ({ kind: job.kind, params: job.params, total: job.total, done: job.done, skipped: job.skipped, failed: job.failed, skippedReasons: job.skippedReasons });

/** Live consoles of the job's scope refresh: the requester watches its progress, the others see their terminals change. */
const notifyJobChanged = (tx: Db, job: BulkJob) => (job.scopeMerchantIds === null ? notifyFleetChanged(tx) : notifyTerminalsChanged(tx, job.scopeMerchantIds));

/**
 * Starts a bulk action: its terminals are the selection's, resolved here in the caller's scope (the
 * ids that are in it, or every terminal the list's filter matches in it, with the list's own
 * conditions), and fixed as the job's items. The background job (runBulkJobs) then acts on them.
 */
export async function startBulkJob(db: Db, actor: AuditActor, viewer: Viewer, scope: Scope, input: BulkStartInput, now: Date = new Date()) {
  if (!bulkKindsByRole[viewer.role].includes(input.kind)) throw new AppError("forbidden", "bulkKindForbidden");
  if (input.kind === "command" && !commandTypesByRole[viewer.role].includes(input.params.type)) throw new AppError("forbidden", "commandKindForbidden");
  return db.transaction(async (tx) => {
    if (input.kind === "move_to_store") {
      const [store] = await tx
        .select({ id: stores.id })
        .from(stores)
        .where(and(eq(stores.id, input.params.storeId), inScope(stores.merchantId, scope)));
      if (!store) throw new AppError("invalid", "storeGone", {}, { field: "storeId" });
    }
    const [job] = await tx
      .insert(bulkJobs)
      .values({
        kind: input.kind,
        params: input.params,
        selection: input.selection,
        requestedBy: actor.id,
        requesterRole: viewer.role,
        requesterLabel: actor.label,
        requesterIp: actor.ip,
        scopeMerchantIds: scope.kind === "all" ? null : [...scope.merchantIds],
        total: 0,
        createdAt: now,
      })
      .returning({ id: bulkJobs.id });
    const selected = "ids" in input.selection ? and(inArray(terminals.id, input.selection.ids), inScope(terminals.merchantId, scope)) : terminalListConditions(scope, input.selection.filter);
    const [inserted] = await queryRows<{ n: number }>(
      tx,
      sql`with items as (
        insert into ${bulkJobItems} (job_id, terminal_id) select ${job!.id}::uuid, ${terminals.id} from ${terminals} where ${selected ?? sql`true`} returning 1
      ) select count(*)::int as n from items`,
    );
    const total = inserted?.n ?? 0;
    if (total === 0) throw new AppError("invalid", "bulkNothingSelected");
    await tx.update(bulkJobs).set({ total }).where(eq(bulkJobs.id, job!.id));
    // The runner's next look (every few seconds) takes the job, rather than its next period after that.
    await tx.execute(sql`update scheduled_jobs set next_run_at = least(next_run_at, ${now.toISOString()}::timestamptz) where name = ${BULK_JOB_RUNNER}`);
    return { id: job!.id, total };
  });
}

type ChunkSizes = { chunkSize: number; commandChunkSize: number };

type Outcome = { status: Exclude<BulkJobItemStatus, "pending">; reason: string | null };

/** The rules' refusals that leave a terminal alone (skipped) rather than count as a failure. */
const skipReasonOf: Partial<Record<ErrorReason, BulkSkipReason>> = {
  terminalNotFound: "notInScope",
  commandTerminalOutOfService: "notInService",
  terminalStatusChange: "statusChangeNotAllowed",
  storeNotOfMerchant: "storeOfAnotherMerchant",
  retiredCannotMove: "retired",
};

/** The terminal as the chunk's scope sees it now (it may have moved since the job started). */
async function terminalInScope(tx: Db, scope: Scope, terminalId: string) {
  const [terminal] = await tx
    .select({ id: terminals.id, status: terminals.status, merchantId: terminals.merchantId, storeId: terminals.storeId })
    .from(terminals)
    .where(and(eq(terminals.id, terminalId), inScope(terminals.merchantId, scope)));
  return terminal;
}

/**
 * One terminal's status change or move through the rule that acts on a single terminal, as the
 * requester and in their scope, so it is checked and audited exactly as if they had done it by hand.
 */
async function actOnTerminal(tx: Db, job: BulkJob, scope: Scope, terminalId: string): Promise<Outcome> {
  const actor = requesterOf(job);
  const skipped = (reason: BulkSkipReason): Outcome => ({ status: "skipped", reason });
  try {
    // A savepoint: a refusal undoes this terminal's statements only, never the rest of the chunk.
    return await tx.transaction(async (sp): Promise<Outcome> => {
      const terminal = await terminalInScope(sp, scope, terminalId);
      if (!terminal) return skipped("notInScope");
      if (job.kind === "set_status") {
        const params = job.params as { status: "suspended" | "active"; reason?: string };
        if (terminal.status === params.status) return skipped("alreadyInStatus");
        await setTerminalStatus(sp, actor, { id: terminalId, status: params.status, reason: params.reason });
        return { status: "done", reason: null };
      }
      const { storeId } = job.params as { storeId: string };
      if (terminal.storeId === storeId) return skipped("alreadyInStore");
      // Within its merchant only: the rule refuses a store of another merchant.
      await assignTerminal(sp, actor, { id: terminalId, merchantId: terminal.merchantId, storeId });
      return { status: "done", reason: null };
    });
  } catch (error) {
    if (isRetryable(error)) throw error;
    if (error instanceof AppError) {
      const reason = skipReasonOf[error.reason];
      return reason ? skipped(reason) : { status: "failed", reason: error.reason };
    }
    logger.error({ err: error, bulkJob: job.id, terminalId }, "bulk action failed on a terminal");
    return { status: "failed", reason: "unexpected" };
  }
}

/** A chunk's command through the commands' own rule for many terminals, as the requester and in their scope. */
async function queueChunkCommands(tx: Db, job: BulkJob, scope: Scope, terminalIds: string[], now: Date): Promise<Map<string, Outcome>> {
  const { refused } = await queueCommands(tx, requesterOf(job), { role: job.requesterRole }, scope, terminalIds, job.params as CommandSpec, now);
  return new Map(terminalIds.map((id) => [id, refused.has(id) ? { status: "skipped", reason: refused.get(id)!.reason } : { status: "done", reason: null }]));
}

/** Thrown inside a chunk whose job was cancelled meanwhile: the chunk's work is rolled back, as if it never started. */
class JobNoLongerOpen extends Error {}

/**
 * Acts on the job's next pending terminals, claimed with FOR UPDATE SKIP LOCKED, so concurrent
 * runners take different terminals. The actions, the items' marks and the job's counts commit
 * together: a runner that dies leaves its terminals pending for the next. Under the job's row
 * lock, the chunk that leaves no terminal pending finishes the job; a cancel that came first wins.
 * Returns how many terminals it handled.
 */
async function runChunk(db: Db, jobId: string, now: Date, sizes: ChunkSizes): Promise<number> {
  try {
    return await db.transaction(async (tx) => {
      const [job] = await tx.select().from(bulkJobs).where(eq(bulkJobs.id, jobId));
      if (!job || !isBulkJobOpen(job.status)) return 0;
      // Claimed and marked done in one write; the terminals a rule leaves alone are marked again below.
      const claimed = await queryRows<{ terminal_id: string }>(
        tx,
        // By row address: one look-up per claimed row, whatever the planner believes of this job's size.
        sql`update ${bulkJobItems} set status = 'done' where ctid = any(array(
          select ctid from ${bulkJobItems} where job_id = ${jobId}::uuid and status = 'pending'
          order by terminal_id limit ${job.kind === "command" ? sizes.commandChunkSize : sizes.chunkSize} for update skip locked
        )) returning terminal_id`,
      );
      if (claimed.length === 0) return 0;

      // In terminal order, so two chunks of different jobs lock shared terminals in the same order.
      const terminalIds = claimed.map((item) => item.terminal_id).sort();
      const scope = await scopeNow(tx, job);
      let outcomes: Map<string, Outcome>;
      if (job.kind === "command") outcomes = await queueChunkCommands(tx, job, scope, terminalIds, now);
      else {
        outcomes = new Map();
        for (const terminalId of terminalIds) outcomes.set(terminalId, await actOnTerminal(tx, job, scope, terminalId));
      }

      // The few terminals a rule left alone, by outcome: each group one look-up by key per terminal.
      const notDone = new Map<string, { outcome: Outcome; terminalIds: string[] }>();
      for (const [terminalId, outcome] of outcomes) {
        if (outcome.status === "done") continue;
        const key = `${outcome.status}:${outcome.reason ?? ""}`;
        const group = notDone.get(key) ?? { outcome, terminalIds: [] };
        group.terminalIds.push(terminalId);
        notDone.set(key, group);
      }
      for (const { outcome, terminalIds: ids } of notDone.values()) {
        await tx
          .update(bulkJobItems)
          .set(outcome)
          .where(and(eq(bulkJobItems.jobId, jobId), sql`${bulkJobItems.terminalId} = any(${uuidArray(ids)})`));
      }

      // Counts are added under the job's lock, so concurrent chunks and a cancel take turns.
      const [current] = await tx.select().from(bulkJobs).where(eq(bulkJobs.id, jobId)).for("no key update");
      if (!current || !isBulkJobOpen(current.status)) throw new JobNoLongerOpen();
      const tally = { done: current.done, skipped: current.skipped, failed: current.failed };
      const skippedReasons = { ...current.skippedReasons };
      for (const outcome of outcomes.values()) {
        tally[outcome.status] += 1;
        if (outcome.status === "skipped") skippedReasons[outcome.reason!] = (skippedReasons[outcome.reason!] ?? 0) + 1;
      }
      const [pendingLeft] = await tx
        .select({ terminalId: bulkJobItems.terminalId })
        .from(bulkJobItems)
        .where(and(eq(bulkJobItems.jobId, jobId), eq(bulkJobItems.status, "pending")))
        .limit(1);
      const [after] = await tx
        .update(bulkJobs)
        .set({ ...tally, skippedReasons, startedAt: current.startedAt ?? now, ...(pendingLeft ? { status: "running" } : { status: "done", finishedAt: now }) })
        .where(eq(bulkJobs.id, jobId))
        .returning();
      if (after!.status === "done") {
        await recordAudit(tx, requesterOf(after!), { action: "bulk_job.finished", entityType: "bulk_job", entityId: jobId, merchantId: auditMerchantOf(after!), changes: counts(after!) });
      }
      await notifyJobChanged(tx, after!);
      return claimed.length;
    });
  } catch (error) {
    if (error instanceof JobNoLongerOpen) return 0;
    throw error;
  }
}

/**
 * The background job: chunks of the oldest open bulk jobs until none is left or the run's time is
 * up. Safe to run on every instance at once: each terminal of each job is acted on exactly once.
 */
export async function runBulkJobs(
  db: Db,
  now: Date = new Date(),
  { chunkSize = BULK_CHUNK_SIZE, commandChunkSize = BULK_COMMAND_CHUNK_SIZE, parallelChunks = BULK_PARALLEL_CHUNKS, budgetMs = RUN_BUDGET_MS } = {},
) {
  const started = performance.now();
  let chunks = 0;
  let handled = 0;
  // Rounds over the open jobs, oldest first, a turn of chunks each: a large job does not hold up one
  // started after it. At least one round, however short the budget.
  for (;;) {
    const open = await db
      .select({ id: bulkJobs.id })
      .from(bulkJobs)
      .where(inArray(bulkJobs.status, [...openBulkJobStatuses]))
      .orderBy(asc(bulkJobs.createdAt))
      .limit(20);
    let round = 0;
    for (const { id } of open) {
      // Concurrent chunks claim different terminals (SKIP LOCKED); the last to commit finishes the job.
      const progressed = (await Promise.all(Array.from({ length: parallelChunks }, () => runChunk(db, id, now, { chunkSize, commandChunkSize })))).filter((n) => n > 0);
      chunks += progressed.length;
      round += progressed.reduce((sum, n) => sum + n, 0);
    }
    handled += round;
    if (round === 0 || performance.now() - started >= budgetMs) break;
  }
  return { chunks, terminals: handled };
}

/** Stops a queued or running job before its next chunk; a chunk under way is rolled back (runChunk). */
export async function cancelBulkJob(db: Db, actor: AuditActor, viewer: Viewer, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .select()
      .from(bulkJobs)
      .where(and(eq(bulkJobs.id, id), visibleTo(viewer)))
      .for("no key update");
    if (!job) throw notFound("bulkJob");
    if (!isBulkJobOpen(job.status)) throw new AppError("conflict", "bulkJobEnded", { status: job.status });
    const [after] = await tx.update(bulkJobs).set({ status: "cancelled", cancelledAt: now, finishedAt: now }).where(eq(bulkJobs.id, id)).returning();
    await recordAudit(tx, actor, { action: "bulk_job.cancelled", entityType: "bulk_job", entityId: id, merchantId: auditMerchantOf(after!), changes: counts(after!) });
    await notifyJobChanged(tx, after!);
    return { id, status: after!.status };
  });
}

const jobColumns = {
  id: bulkJobs.id,
  kind: bulkJobs.kind,
  params: bulkJobs.params,
  selection: bulkJobs.selection,
  status: bulkJobs.status,
  total: bulkJobs.total,
  done: bulkJobs.done,
  skipped: bulkJobs.skipped,
  failed: bulkJobs.failed,
  skippedReasons: bulkJobs.skippedReasons,
  requestedBy: users.name,
  createdAt: bulkJobs.createdAt,
  startedAt: bulkJobs.startedAt,
  finishedAt: bulkJobs.finishedAt,
  cancelledAt: bulkJobs.cancelledAt,
};

/** A bulk job and its progress; another person's is not found (admins see all). */
export async function getBulkJob(db: Db, viewer: Viewer, id: string) {
  const [job] = await db
    .select(jobColumns)
    .from(bulkJobs)
    .leftJoin(users, eq(users.id, bulkJobs.requestedBy))
    .where(and(eq(bulkJobs.id, id), visibleTo(viewer)));
  if (!job) throw notFound("bulkJob");
  return job;
}

/** The caller's latest bulk jobs (every person's for an admin), newest first; `open` keeps those still running. */
export async function listBulkJobs(db: Db, viewer: Viewer, { limit, open }: { limit: number; open?: boolean }) {
  return db
    .select(jobColumns)
    .from(bulkJobs)
    .leftJoin(users, eq(users.id, bulkJobs.requestedBy))
    .where(and(visibleTo(viewer), open ? inArray(bulkJobs.status, [...openBulkJobStatuses]) : undefined))
    .orderBy(desc(bulkJobs.createdAt), desc(bulkJobs.id))
    .limit(limit);
}
