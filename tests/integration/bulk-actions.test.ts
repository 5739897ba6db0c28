import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { auditLog, bulkJobItems, bulkJobs, scheduledJobs, technicianAssignments, terminalCommands, terminals, users } from "@/db/schema";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { bulkSkipReasons, type BulkStartInput } from "@/server/schemas/bulk";
import { BULK_JOB_RUNNER, cancelBulkJob, getBulkJob, runBulkJobs, startBulkJob } from "@/server/services/bulk-actions";
import { setTerminalStatus, terminalListConditions } from "@/server/services/terminals";
import { createTestDatabase, demoPeople, merchantNamed, storeNamed, type DemoPerson } from "../helpers/db";

let handle: DbHandle;
const db = () => handle.db;
type Person = DemoPerson;
let people: Awaited<ReturnType<typeof demoPeople>>;

// Each test acts at its own minute, so the commands it queued are told apart by their issue time.
const T = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000);

beforeAll(async () => {
  handle = await createTestDatabase();
  people = await demoPeople(handle.db);
});
afterAll(async () => handle?.close());

const actorOf = (person: Person) => ({ id: people[person].viewer.id, label: people[person].viewer.email, ip: null });
const start = (person: Person, input: BulkStartInput, now: Date) => startBulkJob(db(), actorOf(person), people[person].viewer, people[person].scope, input, now);

async function idsOf(...serialNumbers: string[]) {
  const rows = await db().select({ id: terminals.id, serialNumber: terminals.serialNumber }).from(terminals).where(inArray(terminals.serialNumber, serialNumbers));
  expect(rows).toHaveLength(serialNumbers.length);
  return serialNumbers.map((s) => rows.find((r) => r.serialNumber === s)!.id);
}

const jobRow = async (id: string) => (await db().select().from(bulkJobs).where(eq(bulkJobs.id, id)))[0]!;

/** The commands queued at one instant, with their terminals' serial numbers and merchants. */
const commandsIssuedAt = (now: Date) =>
  db()
    .select({
      id: terminalCommands.id,
      terminalId: terminalCommands.terminalId,
      serialNumber: terminals.serialNumber,
      merchantId: terminalCommands.merchantId,
      type: terminalCommands.type,
      issuedBy: terminalCommands.issuedBy,
    })
    .from(terminalCommands)
    .innerJoin(terminals, eq(terminals.id, terminalCommands.terminalId))
    .where(eq(terminalCommands.issuedAt, now));

const jobAudit = (jobId: string) =>
  db()
    .select({ action: auditLog.action, changes: auditLog.changes, actorId: auditLog.actorId })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "bulk_job"), eq(auditLog.entityId, jobId)));

describe("the tenant rule", () => {
  it("acts on a merchant owner's own terminals only, for a filter that matches other merchants' terminals for an admin", async () => {
    const now = at(1);
    const filter = { status: ["active" as const] };
    const coffee = await merchantNamed(db(), "Demo Coffee");
    const [adminMatches] = await queryRows<{ n: number; merchants: number }>(
      db(),
      sql`select count(*)::int as n, count(distinct ${terminals.merchantId})::int as merchants from ${terminals} where ${terminalListConditions({ kind: "all" }, filter)}`,
    );
    const [ownMatches] = await queryRows<{ n: number }>(
      db(),
      sql`select count(*)::int as n from ${terminals} where ${terminalListConditions({ kind: "merchants", merchantIds: [coffee.id] }, filter)}`,
    );
    // The same filter reaches several merchants' terminals for an admin.
    expect(adminMatches!.merchants).toBeGreaterThan(1);
    expect(ownMatches!.n).toBeLessThan(adminMatches!.n);

    const { id, total } = await start("merchant", { kind: "command", params: { type: "reboot", params: {} }, selection: { filter } }, now);
    expect(total).toBe(ownMatches!.n);
    await runBulkJobs(db(), now);
    const queued = await commandsIssuedAt(now);
    expect(queued).toHaveLength(ownMatches!.n);
    expect(queued.every((c) => c.merchantId === coffee.id && c.type === "reboot" && c.issuedBy === people.merchant.viewer.id)).toBe(true);
    expect(await jobRow(id)).toMatchObject({ status: "done", total, done: total, skipped: 0, failed: 0 });
  });

  it("drops chosen ids outside the caller's scope, and refuses a selection with none in it", async () => {
    const now = at(2);
    const [own, bakery] = await idsOf("DEMO-0003", "BAKE-0001");
    const { id, total } = await start("merchant", { kind: "command", params: { type: "reboot", params: {} }, selection: { ids: [own!, bakery!] } }, now);
    expect(total).toBe(1);
    expect((await db().select().from(bulkJobItems).where(eq(bulkJobItems.jobId, id))).map((i) => i.terminalId)).toEqual([own]);

    const bakeryId = (await merchantNamed(db(), "Other Bakery")).id;
    const jobsBefore = (await db().select({ id: bulkJobs.id }).from(bulkJobs)).length;
    await expect(people.merchant.caller.bulk.start({ kind: "command", params: { type: "reboot", params: {} }, selection: { filter: { merchantId: bakeryId } } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(people.merchant.caller.bulk.start({ kind: "command", params: { type: "reboot", params: {} }, selection: { ids: [bakery!] } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await db().select({ id: bulkJobs.id }).from(bulkJobs)).length).toBe(jobsBefore);
    await runBulkJobs(db(), now);
  });

  it("keeps each role to its actions and its command kinds, and each person to their own jobs", async () => {
    const [terminal] = await idsOf("DEMO-0004");
    const selection = { ids: [terminal!] };
    await expect(people.technician.caller.bulk.start({ kind: "set_status", params: { status: "suspended" }, selection })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(people.merchant.caller.bulk.start({ kind: "command", params: { type: "collect_logs", params: {} }, selection })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const { id } = await people.merchant.caller.bulk.start({ kind: "command", params: { type: "lock", params: { message: "Stolen: call 400-800-8000" } }, selection });
    expect((await people.merchant.caller.bulk.get({ id })).status).toBe("queued");
    expect((await people.admin.caller.bulk.list({})).map((j) => j.id)).toContain(id);
    await expect(people.otherMerchant.caller.bulk.get({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(people.otherMerchant.caller.bulk.cancel({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await people.otherMerchant.caller.bulk.list({})).map((j) => j.id)).not.toContain(id);
    await people.merchant.caller.bulk.cancel({ id });
  });
});

describe("an admin's bulk command", () => {
  it("queues one command per terminal, counts them and audits the job once with its counts", async () => {
    const now = at(3);
    const serials = Array.from({ length: 20 }, (_, i) => `DEMO-${String(i + 11).padStart(4, "0")}`);
    const ids = await idsOf(...serials);
    const { id, total } = await start("admin", { kind: "command", params: { type: "reboot", params: {} }, selection: { ids } }, now);
    expect(total).toBe(20);
    expect(await runBulkJobs(db(), now, { chunkSize: 7, commandChunkSize: 7 })).toEqual({ chunks: 3, terminals: 20 });
    const queued = await commandsIssuedAt(now);
    expect(queued.map((c) => c.serialNumber).sort()).toEqual(serials);
    const job = await getBulkJob(db(), people.admin.viewer, id);
    expect(job).toMatchObject({ status: "done", total: 20, done: 20, skipped: 0, failed: 0, requestedBy: people.admin.viewer.name });
    expect(job.startedAt).toEqual(now);
    expect(job.finishedAt).toEqual(now);
    expect(await jobAudit(id)).toEqual([
      { action: "bulk_job.finished", actorId: people.admin.viewer.id, changes: expect.objectContaining({ kind: "command", total: 20, done: 20, skipped: 0, failed: 0 }) },
    ]);
    const perTerminal = await db()
      .select({ entityId: auditLog.entityId, changes: auditLog.changes })
      .from(auditLog)
      .where(and(eq(auditLog.action, "command.issued"), eq(auditLog.actorId, people.admin.viewer.id), inArray(auditLog.entityId, ids)));
    expect(perTerminal).toHaveLength(20);
    // Each entry names its terminal's own command, as a command sent by hand does.
    const commandOf = new Map(queued.map((c) => [c.terminalId, c.id]));
    for (const entry of perTerminal) expect(entry.changes).toEqual({ commandId: commandOf.get(entry.entityId), commandType: "reboot" });
  });

  it("skips terminals a rule refuses, with the reason, and acts on the rest", async () => {
    const now = at(4);
    const [suspended, active, inStock] = await idsOf("DEMO-0005", "DEMO-0006", "DEMO-0101");
    await setTerminalStatus(db(), actorOf("admin"), { id: suspended!, status: "suspended", reason: "lost" });
    const { id } = await start("admin", { kind: "command", params: { type: "ping", params: {} }, selection: { ids: [suspended!, active!, inStock!] } }, now);
    await runBulkJobs(db(), now);
    expect(await jobRow(id)).toMatchObject({ status: "done", total: 3, done: 1, skipped: 2, failed: 0, skippedReasons: { notInService: 2 } });
    expect((await commandsIssuedAt(now)).map((c) => c.serialNumber)).toEqual(["DEMO-0006"]);
    const items = await db().select().from(bulkJobItems).where(eq(bulkJobItems.jobId, id));
    expect(items.find((i) => i.terminalId === suspended)).toMatchObject({ status: "skipped", reason: "notInService" });
  });

  it("sets a status and moves within a merchant through the single-terminal rules", async () => {
    const now = at(5);
    const [alreadySuspended, active] = await idsOf("DEMO-0005", "DEMO-0007");
    const suspend = await start("admin", { kind: "set_status", params: { status: "suspended", reason: "stolen batch" }, selection: { ids: [alreadySuspended!, active!] } }, now);
    await runBulkJobs(db(), now);
    expect(await jobRow(suspend.id)).toMatchObject({ status: "done", done: 1, skipped: 1, skippedReasons: { alreadyInStatus: 1 } });
    expect((await db().select({ status: terminals.status }).from(terminals).where(eq(terminals.id, active!)))[0]!.status).toBe("suspended");

    const xuhui = await storeNamed(db(), "Demo Coffee Xuhui");
    const [coffeeTerminal, bakeryTerminal] = await idsOf("DEMO-0008", "BAKE-0002");
    const move = await start("admin", { kind: "move_to_store", params: { storeId: xuhui.id }, selection: { ids: [coffeeTerminal!, bakeryTerminal!] } }, now);
    await runBulkJobs(db(), now);
    const moved = await jobRow(move.id);
    expect(moved.done + (moved.skippedReasons.alreadyInStore ?? 0)).toBe(1);
    expect(moved.skippedReasons.storeOfAnotherMerchant).toBe(1);
    const placed = await db()
      .select({ id: terminals.id, storeId: terminals.storeId })
      .from(terminals)
      .where(inArray(terminals.id, [coffeeTerminal!, bakeryTerminal!]));
    expect(placed.find((t) => t.id === coffeeTerminal)!.storeId).toBe(xuhui.id);
    expect(placed.find((t) => t.id === bakeryTerminal)!.storeId).not.toBe(xuhui.id);
  });
});

describe("the runner", () => {
  it("is due as soon as a job starts, not a period later", async () => {
    const now = at(9);
    const later = new Date(now.getTime() + 60_000);
    await db()
      .insert(scheduledJobs)
      .values({ name: BULK_JOB_RUNNER, nextRunAt: later })
      .onConflictDoUpdate({ target: scheduledJobs.name, set: { nextRunAt: later } });
    const [terminal] = await idsOf("DEMO-0012");
    const { id } = await start("admin", { kind: "command", params: { type: "ping", params: {} }, selection: { ids: [terminal!] } }, now);
    const [runner] = await db().select({ nextRunAt: scheduledJobs.nextRunAt }).from(scheduledJobs).where(eq(scheduledJobs.name, BULK_JOB_RUNNER));
    expect(runner!.nextRunAt).toEqual(now);
    await runBulkJobs(db(), now);
    expect((await jobRow(id)).status).toBe("done");
  });
});

describe("a requester who may no longer", () => {
  it("act on a merchant (unassigned technician) or at all (disabled login) has their job's terminals skipped", async () => {
    const now = at(10);
    const [coffee] = await idsOf("DEMO-0013");
    const demoCoffee = await merchantNamed(db(), "Demo Coffee");
    const unassigned = await start("technician", { kind: "command", params: { type: "ping", params: {} }, selection: { ids: [coffee!] } }, now);
    const disabledOwner = await start("merchant", { kind: "command", params: { type: "reboot", params: {} }, selection: { ids: [coffee!] } }, now);
    const assignment = and(eq(technicianAssignments.technicianId, people.technician.viewer.id), eq(technicianAssignments.merchantId, demoCoffee.id));
    const [kept] = await db().select().from(technicianAssignments).where(assignment);
    await db().delete(technicianAssignments).where(assignment);
    await db().update(users).set({ disabled: true }).where(eq(users.id, people.merchant.viewer.id));
    try {
      await runBulkJobs(db(), now);
    } finally {
      await db().insert(technicianAssignments).values(kept!);
      await db().update(users).set({ disabled: false }).where(eq(users.id, people.merchant.viewer.id));
    }
    for (const id of [unassigned.id, disabledOwner.id]) expect(await jobRow(id)).toMatchObject({ status: "done", done: 0, skipped: 1, skippedReasons: { notInScope: 1 } });
    expect(await commandsIssuedAt(now)).toEqual([]);
  });
});

describe("several open jobs", () => {
  it("each get a turn in a run, so a large job does not hold up a small one started after it", async () => {
    const now = at(11);
    const large = await start("admin", { kind: "command", params: { type: "ping", params: {} }, selection: { filter: {} } }, now);
    const [terminal] = await idsOf("DEMO-0015");
    const small = await start("admin", { kind: "command", params: { type: "reboot", params: {} }, selection: { ids: [terminal!] } }, now);
    await runBulkJobs(db(), now, { commandChunkSize: 3, parallelChunks: 1, budgetMs: 0 });
    expect(await jobRow(small.id)).toMatchObject({ status: "done", done: 1 });
    const turn = await jobRow(large.id);
    expect(turn.status).toBe("running");
    expect(turn.done + turn.skipped + turn.failed).toBe(3);
    await runBulkJobs(db(), now);
    expect((await jobRow(large.id)).status).toBe("done");
  });
});

describe("cancelling", () => {
  it("stops a job before its next chunk and audits its counts", async () => {
    const now = at(6);
    const { id, total } = await start("admin", { kind: "command", params: { type: "ping", params: {} }, selection: { filter: { status: ["active"] } } }, now);
    expect(total).toBeGreaterThan(10);
    expect(await runBulkJobs(db(), now, { chunkSize: 5, commandChunkSize: 5, parallelChunks: 1, budgetMs: 0 })).toEqual({ chunks: 1, terminals: 5 });
    expect(await jobRow(id)).toMatchObject({ status: "running", done: 5 });

    await people.admin.caller.bulk.cancel({ id });
    expect(await runBulkJobs(db(), at(7))).toEqual({ chunks: 0, terminals: 0 });
    expect(await jobRow(id)).toMatchObject({ status: "cancelled", done: 5 });
    expect(await commandsIssuedAt(now)).toHaveLength(5);
    expect(await jobAudit(id)).toEqual([{ action: "bulk_job.cancelled", actorId: people.admin.viewer.id, changes: expect.objectContaining({ total, done: 5 }) }]);
    const again = await cancelBulkJob(db(), actorOf("admin"), people.admin.viewer, id).catch((error: unknown) => error);
    expect(again).toMatchObject({ code: "conflict", reason: "bulkJobEnded" });
  });
});

describe("concurrent runners", () => {
  it("act on each terminal exactly once", async () => {
    const now = at(8);
    const { id, total } = await start("admin", { kind: "command", params: { type: "ping", params: {} }, selection: { filter: {} } }, now);
    expect(total).toBeGreaterThan(30);
    const runs = await Promise.all([1, 2, 3].map(() => runBulkJobs(db(), now, { chunkSize: 4, commandChunkSize: 4 })));
    expect(runs.reduce((sum, r) => sum + r.terminals, 0)).toBe(total);
    const job = await jobRow(id);
    expect(job.status).toBe("done");
    expect(job.done + job.skipped + job.failed).toBe(total);
    const queued = await commandsIssuedAt(now);
    expect(queued).toHaveLength(job.done);
    expect(new Set(queued.map((c) => c.terminalId)).size).toBe(job.done);
    const pending = await db()
      .select()
      .from(bulkJobItems)
      .where(and(eq(bulkJobItems.jobId, id), eq(bulkJobItems.status, "pending")));
    expect(pending).toEqual([]);
    expect((await jobAudit(id)).filter((e) => e.action === "bulk_job.finished")).toHaveLength(1);
  });
});

describe("skip reasons", () => {
  it("each have a sentence in both catalogues", () => {
    for (const reason of bulkSkipReasons) {
      expect(en.bulk.skipReasons, reason).toHaveProperty([reason]);
      expect(zh.bulk.skipReasons, reason).toHaveProperty([reason]);
    }
  });
});
