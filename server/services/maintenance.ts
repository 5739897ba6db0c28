import { createHash, randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { createTranslator, type AbstractIntlMessages } from "next-intl";
import type { Db } from "@/db/client";
import {
  calendarFeeds,
  maintenancePlans,
  merchants,
  notificationSettings,
  stores,
  technicianAssignments,
  terminalModels,
  terminals,
  users,
  workOrderNotes,
  workOrderPhotos,
  workOrders,
  type WorkOrderStatus,
} from "@/db/schema";
import { checklistItems, DEFAULT_TIME_ZONE, defaultChecklists, type ChecklistEntry, type WorkOrderType } from "@/db/schema/values";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { csvLine } from "../csv";
import { AppError, notFound } from "../errors";
import { localeOf, type Locale } from "../locales";
import type { PlanCreateInput, PlanUpdateInput, SaveWorkInput, WorkOrderListInput } from "../schemas/maintenance";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { inScope, scopeForUser, scopeIncludes, type Scope } from "../scope";
import type { AuditAction, AuditEntityType } from "../schemas/audit";
import { changedFields, recordAudit, systemActor, type AuditActor, type AuditEntry } from "./audit";
import { notifyTerminalsChanged } from "./fleet-events";
import { canMoveWorkOrder, completionProblems, DUE_SOON_DAYS, dueState, failedTamperCheck, isValidRrule, nextDue, type CompletionProblem } from "./maintenance-rules";
import { addDays, localDay } from "./calendar-day";
import { containsText, escapeLike } from "./sql-text";
import { assertTechnician } from "./technicians";
import { workOrderTitle, type TitleKindWording } from "./work-order-title";
import { applyTerminalStatus, terminalForChange } from "./terminal-status";

/** Who acts on work orders: an admin, or a technician within their assigned merchants. */
export interface Worker {
  actor: AuditActor;
  scope: Scope;
  userId: string;
  role: "admin" | "technician" | "merchant";
}

const today = (now: Date) => localDay(now, DEFAULT_TIME_ZONE);
const audit = (action: AuditAction, entityType: AuditEntityType, entityId: string, merchantId: string | null, changes: Record<string, unknown> = {}): AuditEntry => ({
  action,
  entityType,
  entityId,
  merchantId,
  changes,
});

// ---------------------------------------------------------------- plans

async function planTarget(tx: Db, input: PlanCreateInput): Promise<{ merchantId: string | null }> {
  if (input.scope === "terminal") {
    if (!input.terminalId) throw new AppError("invalid", "chooseTerminal", {}, { field: "terminalId" });
    const [t] = await tx.select({ merchantId: terminals.merchantId }).from(terminals).where(eq(terminals.id, input.terminalId));
    if (!t) throw new AppError("invalid", "terminalGone", {}, { field: "terminalId" });
    return { merchantId: t.merchantId };
  }
  if (input.scope === "store") {
    if (!input.storeId) throw new AppError("invalid", "chooseStore", {}, { field: "storeId" });
    const [s] = await tx.select({ merchantId: stores.merchantId }).from(stores).where(eq(stores.id, input.storeId));
    if (!s) throw new AppError("invalid", "storeGone", {}, { field: "storeId" });
    return { merchantId: s.merchantId };
  }
  if (!input.modelId) throw new AppError("invalid", "chooseModel", {}, { field: "modelId" });
  const [m] = await tx.select({ id: terminalModels.id }).from(terminalModels).where(eq(terminalModels.id, input.modelId));
  if (!m) throw new AppError("invalid", "modelGone", {}, { field: "modelId" });
  if (input.merchantId) {
    const [merchant] = await tx.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, input.merchantId));
    if (!merchant) throw new AppError("invalid", "merchantGone", {}, { field: "merchantId" });
  }
  return { merchantId: input.merchantId };
}

function assertRecurrence(rrule: string | null, firstDue: string) {
  if (rrule && !isValidRrule(rrule, firstDue)) throw new AppError("invalid", "invalidRrule", {}, { field: "rrule" });
}

export async function createPlan(db: Db, actor: AuditActor, input: PlanCreateInput, now: Date = new Date()) {
  assertRecurrence(input.rrule, input.firstDue);
  return db.transaction(async (tx) => {
    const { merchantId } = await planTarget(tx, input);
    // A fleet-wide plan spans merchants: no one technician may work on all of them.
    if (!merchantId && input.technicianId) throw new AppError("invalid", "fleetPlanNoTechnician", {}, { field: "technicianId" });
    await assertTechnician(tx, input.technicianId, merchantId);
    // A first date in the past starts from today: missed dates are not created after the fact.
    const first = nextDue(input, [input.firstDue, today(now)].sort()[1]!, true);
    if (!first) throw new AppError("invalid", "scheduleNoDueDate", {}, { field: "rrule" });
    const [plan] = await tx
      .insert(maintenancePlans)
      .values({
        ...input,
        terminalId: input.scope === "terminal" ? input.terminalId : null,
        storeId: input.scope === "store" ? input.storeId : null,
        modelId: input.scope === "model" ? input.modelId : null,
        merchantId,
        checklist: checklistItems().filter((item) => input.checklist.includes(item.key)),
        nextDue: first,
      })
      .returning();
    await recordAudit(tx, actor, audit("maintenance_plan.created", "maintenance_plan", plan!.id, merchantId, { ...input, nextDue: first }));
    return plan!;
  });
}

export async function updatePlan(db: Db, actor: AuditActor, input: PlanUpdateInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(maintenancePlans).where(eq(maintenancePlans.id, input.id)).for("update");
    if (!before) throw notFound("maintenancePlan");
    if (input.rrule !== undefined) assertRecurrence(input.rrule, before.firstDue);
    const { id, ...patch } = input;
    if (patch.technicianId !== undefined) await assertTechnician(tx, patch.technicianId, before.merchantId);
    const merged = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    // A new schedule, or a resumed plan, applies from today on: the next due date is recomputed.
    const scheduleChanged = patch.everyN !== undefined || patch.unit !== undefined || patch.rrule !== undefined || (patch.active === true && !before.active);
    const next = scheduleChanged ? nextDue(merged, today(now), true) : before.nextDue;
    if (!next) throw new AppError("invalid", "scheduleNoMoreDueDates", {}, { field: "rrule" });
    const changes = changedFields(before, { ...patch, nextDue: next });
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(maintenancePlans)
      .set({ ...patch, nextDue: next, updatedAt: now })
      .where(eq(maintenancePlans.id, id))
      .returning();
    await recordAudit(tx, actor, audit("maintenance_plan.updated", "maintenance_plan", id, before.merchantId, changes));
    return after!;
  });
}

export async function listPlans(db: Db, scope: Scope, input: { q?: string; page: number; pageSize: number }) {
  const where = and(inScope(maintenancePlans.merchantId, scope), input.q ? containsText(maintenancePlans.name, input.q) : undefined);
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: maintenancePlans.id,
        name: maintenancePlans.name,
        scope: maintenancePlans.scope,
        everyN: maintenancePlans.everyN,
        unit: maintenancePlans.unit,
        rrule: maintenancePlans.rrule,
        nextDue: maintenancePlans.nextDue,
        leadDays: maintenancePlans.leadDays,
        active: maintenancePlans.active,
        technicianId: maintenancePlans.technicianId,
        technicianName: users.name,
        target: sql<string>`coalesce((select serial_number from terminals t where t.id = ${maintenancePlans.terminalId}),
          (select name from stores s where s.id = ${maintenancePlans.storeId}),
          (select manufacturer || ' ' || model from terminal_models m where m.id = ${maintenancePlans.modelId}))`,
        merchantName: merchants.name,
      })
      .from(maintenancePlans)
      .leftJoin(users, eq(users.id, maintenancePlans.technicianId))
      .leftJoin(merchants, eq(merchants.id, maintenancePlans.merchantId))
      .where(where)
      .orderBy(asc(maintenancePlans.nextDue), asc(maintenancePlans.name))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(maintenancePlans).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** The terminals in service that a plan covers. */
async function planTerminals(tx: Db, plan: typeof maintenancePlans.$inferSelect) {
  const inService = inArray(terminals.status, [...statusesWithDeviceAccess]);
  const where =
    plan.scope === "terminal"
      ? eq(terminals.id, plan.terminalId!)
      : plan.scope === "store"
        ? eq(terminals.storeId, plan.storeId!)
        : and(eq(terminals.modelId, plan.modelId!), plan.merchantId ? eq(terminals.merchantId, plan.merchantId) : undefined);
  return tx.select({ id: terminals.id, merchantId: terminals.merchantId, storeId: terminals.storeId }).from(terminals).where(and(where, inService));
}

const MAX_DATES_PER_RUN = 12;

/**
 * The job: for every active plan whose next due date is within its lead time, creates the
 * preventive work orders of that date (one per terminal) and moves the plan to its next date,
 * catching up missed dates. Each plan is taken FOR UPDATE SKIP LOCKED and the work orders are
 * unique per plan, terminal and date, so several instances create each one once.
 */
export async function createDueWorkOrders(db: Db, now: Date = new Date()) {
  const horizon = (leadDays: number) => addDays(today(now), leadDays);
  const candidates = await db
    .select({ id: maintenancePlans.id })
    .from(maintenancePlans)
    .where(and(eq(maintenancePlans.active, true), lte(maintenancePlans.nextDue, addDays(today(now), 60))));
  let created = 0;
  for (const { id } of candidates) {
    created += await db.transaction(async (tx) => {
      const [plan] = await tx.select().from(maintenancePlans).where(eq(maintenancePlans.id, id)).for("update", { skipLocked: true });
      if (!plan?.active) return 0;
      let made = 0;
      let due: string | null = plan.nextDue;
      // The plan's technician takes the work only at merchants assigned to them.
      const assignedMerchants = plan.technicianId
        ? new Set((await tx.select({ id: technicianAssignments.merchantId }).from(technicianAssignments).where(eq(technicianAssignments.technicianId, plan.technicianId))).map((a) => a.id))
        : new Set<string>();
      // Bounded: a plan that fell far behind catches up at most this many dates per run.
      for (let round = 0; due && due <= horizon(plan.leadDays) && round < MAX_DATES_PER_RUN; round++) {
        const targets = await planTerminals(tx, plan);
        if (targets.length) {
          const rows = await tx
            .insert(workOrders)
            .values(
              targets.map((t) => {
                const technicianId = plan.technicianId && t.merchantId && assignedMerchants.has(t.merchantId) ? plan.technicianId : null;
                return {
                  type: "preventive" as const,
                  title: plan.name,
                  terminalId: t.id,
                  merchantId: t.merchantId,
                  storeId: t.storeId,
                  planId: plan.id,
                  technicianId,
                  dueDate: due!,
                  status: (technicianId ? "scheduled" : "open") as WorkOrderStatus,
                  checklist: plan.checklist,
                  createdAt: now,
                  updatedAt: now,
                };
              }),
            )
            .onConflictDoNothing()
            .returning({ id: workOrders.id, merchantId: workOrders.merchantId });
          made += rows.length;
          if (rows.length) {
            await recordAudit(tx, systemActor, ...rows.map((r) => audit("work_order.created", "work_order", r.id, r.merchantId, { planId: plan.id, dueDate: due })));
            await notifyTerminalsChanged(
              tx,
              rows.map((r) => r.merchantId),
            );
          }
        }
        due = nextDue(plan, due);
      }
      if (due !== plan.nextDue) {
        await tx
          .update(maintenancePlans)
          .set({ nextDue: due ?? plan.nextDue, active: due !== null, updatedAt: now })
          .where(eq(maintenancePlans.id, plan.id));
        await recordAudit(
          tx,
          systemActor,
          audit("maintenance_plan.advanced", "maintenance_plan", plan.id, plan.merchantId, {
            nextDue: { from: plan.nextDue, to: due },
            ...(due === null ? { active: { from: true, to: false } } : {}),
          }),
        );
      }
      return made;
    });
  }
  return { created };
}

// ---------------------------------------------------------------- work orders

const listColumns = {
  id: workOrders.id,
  number: workOrders.number,
  type: workOrders.type,
  status: workOrders.status,
  priority: workOrders.priority,
  title: workOrders.title,
  titleKind: workOrders.titleKind,
  dueDate: workOrders.dueDate,
  scheduledFor: workOrders.scheduledFor,
  tamperAlert: workOrders.tamperAlert,
  terminalId: workOrders.terminalId,
  serialNumber: terminals.serialNumber,
  merchantName: merchants.name,
  storeName: stores.name,
  technicianId: workOrders.technicianId,
  technicianName: users.name,
  completedAt: workOrders.completedAt,
};

function listQuery(db: Db) {
  return db
    .select(listColumns)
    .from(workOrders)
    .innerJoin(terminals, eq(terminals.id, workOrders.terminalId))
    .leftJoin(merchants, eq(merchants.id, workOrders.merchantId))
    .leftJoin(stores, eq(stores.id, workOrders.storeId))
    .leftJoin(users, eq(users.id, workOrders.technicianId));
}

const openStatuses: WorkOrderStatus[] = ["open", "scheduled", "in_progress"];

function listConditions(scope: Scope, viewerId: string, input: Omit<WorkOrderListInput, "page" | "pageSize">, now: Date): SQL | undefined {
  const t = today(now);
  return and(
    inScope(workOrders.merchantId, scope),
    input.status ? eq(workOrders.status, input.status) : undefined,
    input.open || input.due ? inArray(workOrders.status, openStatuses) : undefined,
    input.type ? eq(workOrders.type, input.type) : undefined,
    input.priority ? eq(workOrders.priority, input.priority) : undefined,
    input.tamper ? eq(workOrders.tamperAlert, true) : undefined,
    input.due === "overdue" ? sql`${workOrders.dueDate} < ${t}::date` : undefined,
    input.due === "due_soon" ? and(gte(workOrders.dueDate, t), lte(workOrders.dueDate, addDays(t, DUE_SOON_DAYS))) : undefined,
    input.mine ? eq(workOrders.technicianId, viewerId) : input.technicianId ? eq(workOrders.technicianId, input.technicianId) : undefined,
    input.merchantId ? eq(workOrders.merchantId, input.merchantId) : undefined,
    input.terminalId ? eq(workOrders.terminalId, input.terminalId) : undefined,
    input.q ? sql`${workOrders.terminalId} in (select id from terminals where serial_number like ${`${escapeLike(input.q.toUpperCase())}%`})` : undefined,
  );
}

export async function listWorkOrders(db: Db, scope: Scope, viewerId: string, input: WorkOrderListInput, now: Date = new Date()) {
  const where = listConditions(scope, viewerId, input, now);
  const [rows, [total], [overdue], [dueSoon]] = await Promise.all([
    listQuery(db)
      .where(where)
      .orderBy(asc(workOrders.dueDate), desc(workOrders.priority), asc(workOrders.number))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(workOrders).where(where),
    db
      .select({ n: count() })
      .from(workOrders)
      .where(listConditions(scope, viewerId, { mine: input.mine, due: "overdue" }, now)),
    db
      .select({ n: count() })
      .from(workOrders)
      .where(listConditions(scope, viewerId, { mine: input.mine, due: "due_soon" }, now)),
  ]);
  const t = today(now);
  return {
    items: rows.map((r) => ({ ...r, dueState: dueState(r.dueDate, r.status, t) })),
    total: total?.n ?? 0,
    page: input.page,
    pageSize: input.pageSize,
    counts: { overdue: overdue?.n ?? 0, dueSoon: dueSoon?.n ?? 0 },
  };
}

/** Work orders due in a date range, for the week and month calendars. */
export async function workOrderCalendar(db: Db, scope: Scope, viewerId: string, input: { from: string; to: string; mine: boolean }, now: Date = new Date()) {
  const rows = await listQuery(db)
    .where(
      and(
        inScope(workOrders.merchantId, scope),
        gte(workOrders.dueDate, input.from),
        lte(workOrders.dueDate, input.to),
        input.mine ? eq(workOrders.technicianId, viewerId) : undefined,
        sql`${workOrders.status} <> 'cancelled'`,
      ),
    )
    .orderBy(asc(workOrders.dueDate), asc(workOrders.number))
    .limit(2000);
  const t = today(now);
  return rows.map((r) => ({ ...r, dueState: dueState(r.dueDate, r.status, t) }));
}

/** How many of a technician's open work orders My work shows; more than this is a planning problem, not a list. */
const MY_WORK_LIMIT = 200;

/**
 * A technician's open work as their day sees it: today's (due or scheduled today, in the fleet's
 * time zone) first, then overdue, then upcoming, most urgent first within each.
 */
export async function myWork(db: Db, scope: Scope, viewerId: string, now: Date = new Date()) {
  const t = today(now);
  const rows = await db
    .select({ ...listColumns, storeAddress: stores.address })
    .from(workOrders)
    .innerJoin(terminals, eq(terminals.id, workOrders.terminalId))
    .leftJoin(merchants, eq(merchants.id, workOrders.merchantId))
    .leftJoin(stores, eq(stores.id, workOrders.storeId))
    .leftJoin(users, eq(users.id, workOrders.technicianId))
    .where(and(inScope(workOrders.merchantId, scope), eq(workOrders.technicianId, viewerId), inArray(workOrders.status, openStatuses)))
    .orderBy(desc(workOrders.priority), asc(workOrders.dueDate), asc(workOrders.scheduledFor), asc(workOrders.number))
    .limit(MY_WORK_LIMIT + 1);
  const items = rows.slice(0, MY_WORK_LIMIT).map((r) => ({ ...r, dueState: dueState(r.dueDate, r.status, t) }));
  const isToday = (w: (typeof items)[number]) => w.dueDate === t || (w.scheduledFor !== null && localDay(w.scheduledFor, DEFAULT_TIME_ZONE) === t);
  const byDue = (a: (typeof items)[number], b: (typeof items)[number]) => a.dueDate.localeCompare(b.dueDate);
  return {
    today: items.filter(isToday),
    overdue: items.filter((w) => !isToday(w) && w.dueDate < t).sort(byDue),
    upcoming: items.filter((w) => !isToday(w) && w.dueDate > t).sort(byDue),
    more: rows.length > MY_WORK_LIMIT,
  };
}

export async function getWorkOrder(db: Db, scope: Scope, id: string, now: Date = new Date()) {
  const [order] = await db
    .select({
      ...listColumns,
      description: workOrders.description,
      symptoms: workOrders.symptoms,
      checklist: workOrders.checklist,
      parts: workOrders.parts,
      minutesSpent: workOrders.minutesSpent,
      resolution: workOrders.resolution,
      signoffName: workOrders.signoffName,
      reportedBy: workOrders.reportedBy,
      parentId: workOrders.parentId,
      parentNumber: sql<number | null>`(select p.number from work_orders p where p.id = ${workOrders.parentId})`,
      planId: workOrders.planId,
      merchantId: workOrders.merchantId,
      startedAt: workOrders.startedAt,
      createdAt: workOrders.createdAt,
      storeAddress: stores.address,
      storePhone: stores.phone,
      merchantPhone: merchants.registeredPhone,
      merchantContact: merchants.contactName,
      terminalStatus: terminals.status,
      modelName: sql<string>`(select manufacturer || ' ' || model from terminal_models m where m.id = ${terminals.modelId})`,
    })
    .from(workOrders)
    .innerJoin(terminals, eq(terminals.id, workOrders.terminalId))
    .leftJoin(merchants, eq(merchants.id, workOrders.merchantId))
    .leftJoin(stores, eq(stores.id, workOrders.storeId))
    .leftJoin(users, eq(users.id, workOrders.technicianId))
    .where(and(eq(workOrders.id, id), inScope(workOrders.merchantId, scope)));
  if (!order) throw notFound("workOrder");
  // The page gets only the number to call, not every number the work order could reach.
  const { storePhone, merchantPhone, merchantContact, ...rest } = order;
  const call = whomToCall({ ...rest, storePhone, merchantPhone, merchantContact });
  const [notes, followUps, photos] = await Promise.all([
    db.select().from(workOrderNotes).where(eq(workOrderNotes.workOrderId, id)).orderBy(asc(workOrderNotes.createdAt)),
    db.select({ id: workOrders.id, number: workOrders.number, status: workOrders.status }).from(workOrders).where(eq(workOrders.parentId, id)),
    db
      .select({ id: workOrderPhotos.id, sizeBytes: workOrderPhotos.sizeBytes, uploadedByLabel: workOrderPhotos.uploadedByLabel, createdAt: workOrderPhotos.createdAt })
      .from(workOrderPhotos)
      .where(eq(workOrderPhotos.workOrderId, id))
      .orderBy(asc(workOrderPhotos.createdAt)),
  ]);
  return { ...rest, call, dueState: dueState(order.dueDate, order.status, today(now)), notes, followUps, photos };
}

/** Whom the technician calls on the way: the store's own phone, else the merchant's registered one (every merchant has it). */
function whomToCall(order: { storePhone: string | null; storeName: string | null; merchantPhone: string | null; merchantContact: string | null; merchantName: string | null }) {
  if (order.storePhone) return { whom: "store" as const, phone: order.storePhone, name: order.storeName ?? order.storePhone };
  if (order.merchantPhone) return { whom: "merchant" as const, phone: order.merchantPhone, name: order.merchantContact ?? order.merchantName ?? order.merchantPhone };
  return null;
}

/** The work order, locked for a change, if the caller's scope includes it. */
export async function lockWorkOrder(tx: Db, scope: Scope, id: string) {
  const [order] = await tx.select().from(workOrders).where(eq(workOrders.id, id)).for("update");
  if (!order || !scopeIncludes(scope, order.merchantId)) throw notFound("workOrder");
  return order;
}

export const assertNotClosed = (order: { status: WorkOrderStatus }) => {
  if (order.status === "done" || order.status === "cancelled") throw new AppError("conflict", "workOrderClosed", { status: order.status });
};

/** What is missing travels as codes beside the sentence; the console lists it in the reader's language. */
const incomplete = (problems: CompletionProblem[]) => new AppError("invalid", "workOrderIncomplete", {}, { details: { problems } });

/** An admin opens a work order by hand (installation, inspection, repair or preventive). */
export async function createWorkOrder(
  db: Db,
  actor: AuditActor,
  input: { type: WorkOrderType; terminalId: string; title: string; description: string; priority: "low" | "normal" | "high" | "urgent"; dueDate: string; technicianId: string | null },
) {
  return db.transaction(async (tx) => {
    const [terminal] = await tx.select().from(terminals).where(eq(terminals.id, input.terminalId));
    if (!terminal) throw new AppError("invalid", "terminalGone", {}, { field: "terminalId" });
    await assertTechnician(tx, input.technicianId, terminal.merchantId);
    const [order] = await tx
      .insert(workOrders)
      .values({ ...input, merchantId: terminal.merchantId, storeId: terminal.storeId, status: input.technicianId ? "scheduled" : "open", checklist: defaultChecklists[input.type] })
      .returning();
    await recordAudit(
      tx,
      actor,
      audit("work_order.created", "work_order", order!.id, terminal.merchantId, { type: input.type, terminal: terminal.serialNumber, dueDate: input.dueDate, technicianId: input.technicianId }),
    );
    await notifyTerminalsChanged(tx, [terminal.merchantId]);
    return order!;
  });
}

/** A merchant (or anyone who sees the terminal) reports a fault: it opens a repair work order due in two days. */
export async function reportFault(db: Db, actor: AuditActor, scope: Scope, input: { terminalId: string; symptoms: string[]; description: string; addToOpenRepair?: boolean }, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [terminal] = await tx
      .select()
      .from(terminals)
      .where(and(eq(terminals.id, input.terminalId), inScope(terminals.merchantId, scope)))
      // Two reports at once must not both find no open repair and open two.
      .for("update");
    if (!terminal) throw notFound("terminal");
    const openRepair = await openRepairOf(tx, terminal.id);
    if (openRepair) {
      if (!input.addToOpenRepair) throw new AppError("conflict", "faultRepairOpen", { number: openRepair.number });
      return addToOpenRepair(tx, actor, openRepair, terminal, input, now);
    }
    const technicianId = await soleTechnician(tx, terminal.merchantId);
    const [order] = await tx
      .insert(workOrders)
      .values({
        type: "repair",
        // Shown in the reader's language from its kind (console, CSV, calendar feed); the English title is the record's own.
        title: `Fault: ${terminal.serialNumber}`,
        titleKind: "fault",
        description: input.description,
        symptoms: input.symptoms,
        priority: input.symptoms.includes("card_insert_no_response") || input.symptoms.includes("transaction_error") ? "high" : "normal",
        terminalId: terminal.id,
        merchantId: terminal.merchantId,
        storeId: terminal.storeId,
        technicianId,
        status: technicianId ? "scheduled" : "open",
        dueDate: addDays(today(now), 2),
        checklist: defaultChecklists.repair,
        reportedBy: actor.label,
      })
      .returning();
    await recordAudit(tx, actor, audit("work_order.fault_reported", "work_order", order!.id, terminal.merchantId, { terminal: terminal.serialNumber, symptoms: input.symptoms }));
    await notifyTerminalsChanged(tx, [terminal.merchantId]);
    return order!;
  });
}

/** The terminal's open repair (the oldest, should there be two), locked: a second fault report joins it instead of opening another. */
async function openRepairOf(tx: Db, terminalId: string) {
  const [order] = await tx
    .select()
    .from(workOrders)
    .where(and(eq(workOrders.terminalId, terminalId), eq(workOrders.type, "repair"), inArray(workOrders.status, openStatuses)))
    .orderBy(asc(workOrders.createdAt))
    .limit(1)
    .for("update");
  return order;
}

/** The report's symptoms join the repair's, and what the reporter wrote goes to its log. */
async function addToOpenRepair(
  tx: Db,
  actor: AuditActor,
  order: typeof workOrders.$inferSelect,
  terminal: typeof terminals.$inferSelect,
  input: { symptoms: string[]; description: string },
  now: Date,
) {
  const symptoms = [...new Set([...order.symptoms, ...input.symptoms])];
  const [after] = await tx.update(workOrders).set({ symptoms, updatedAt: now }).where(eq(workOrders.id, order.id)).returning();
  if (input.description) await tx.insert(workOrderNotes).values({ workOrderId: order.id, authorId: actor.id, authorLabel: actor.label, body: input.description, createdAt: now });
  await recordAudit(tx, actor, audit("work_order.fault_added", "work_order", order.id, terminal.merchantId, { terminal: terminal.serialNumber, symptoms: input.symptoms }));
  await notifyTerminalsChanged(tx, [terminal.merchantId]);
  return after!;
}

export async function updateWorkOrder(
  db: Db,
  worker: Worker,
  input: { id: string; technicianId?: string | null; priority?: "low" | "normal" | "high" | "urgent"; dueDate?: string; scheduledFor?: Date | null; title?: string },
) {
  return db.transaction(async (tx) => {
    const before = await lockWorkOrder(tx, worker.scope, input.id);
    assertNotClosed(before);
    const { id, ...patch } = input;
    // Assigning, prioritising and dating work is planning: admins only. Technicians may schedule their visit.
    if (worker.role !== "admin" && Object.keys(patch).some((k) => k !== "scheduledFor" && patch[k as keyof typeof patch] !== undefined)) {
      throw new AppError("forbidden", "onlyAdminsPlanWorkOrders");
    }
    if (patch.technicianId !== undefined) await assertTechnician(tx, patch.technicianId, before.merchantId);
    const status = before.status === "open" && (patch.technicianId || patch.scheduledFor) ? "scheduled" : before.status;
    const changes = changedFields(before, { ...patch, status });
    if (Object.keys(changes).length === 0) return before;
    // A title someone typed replaces the generated one in every language.
    const titleKind = changes.title ? null : before.titleKind;
    const [after] = await tx
      .update(workOrders)
      .set({ ...patch, status, titleKind, updatedAt: new Date() })
      .where(eq(workOrders.id, id))
      .returning();
    await recordAudit(tx, worker.actor, audit("work_order.updated", "work_order", id, before.merchantId, changes));
    await notifyTerminalsChanged(tx, [before.merchantId]);
    return after!;
  });
}

export async function moveWorkOrder(db: Db, worker: Worker, id: string, status: WorkOrderStatus, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const before = await lockWorkOrder(tx, worker.scope, id);
    if (before.status === status) return before;
    if (!canMoveWorkOrder(before.status, status)) throw new AppError("conflict", "workOrderTransition", { from: before.status, to: status });
    if (status === "done") {
      const problems = completionProblems(before);
      if (problems.length) throw incomplete(problems);
    }
    const [after] = await tx
      .update(workOrders)
      .set({ status, updatedAt: now, ...(status === "in_progress" && !before.startedAt ? { startedAt: now } : {}), ...(status === "done" ? { completedAt: now } : {}) })
      .where(eq(workOrders.id, id))
      .returning();
    await recordAudit(
      tx,
      worker.actor,
      audit(status === "done" ? "work_order.completed" : "work_order.status_changed", "work_order", id, before.merchantId, { status: { from: before.status, to: status } }),
    );
    await notifyTerminalsChanged(tx, [before.merchantId]);
    return after!;
  });
}

/** A tamper line answered N/A must say why: an auditor reads an unexplained N/A as an inspection skipped. */
function assertTamperNaExplained(checklist: ChecklistEntry[], changed: Set<string>) {
  const unexplained = checklist.find((item) => changed.has(item.key) && item.tamper && item.result === "na" && !item.note?.trim());
  if (unexplained) throw new AppError("invalid", "tamperNaNeedsReason", {}, { field: `checklist.${unexplained.key}.note` });
}

/**
 * The technician's one save: checklist results, the work log, a new log entry, and completion
 * when asked. Recording anything starts the work. A tamper inspection recorded as failed suspends
 * the terminal at once (its device token stops working), raises an alert for admins and opens an
 * urgent inspection. A save whose `saveId` was the last one applied is a resend after a lost
 * answer: it is answered with the work order as it stands and changes nothing.
 */
export async function saveWork(db: Db, worker: Worker, input: SaveWorkInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const before = await lockWorkOrder(tx, worker.scope, input.id);
    if (before.lastSaveId === input.saveId) {
      const [followUp] = await tx
        .select({ id: workOrders.id })
        .from(workOrders)
        .where(and(eq(workOrders.parentId, before.id), eq(workOrders.tamperAlert, true)))
        .limit(1);
      return { status: before.status, tamper: followUp ? { followUpId: followUp.id } : null, replayed: true };
    }
    assertNotClosed(before);
    const byKey = new Map(input.checklist.map((i) => [i.key, i]));
    const unknown = input.checklist.find((i) => !before.checklist.some((c) => c.key === i.key));
    if (unknown) throw new AppError("invalid", "checklistNoItem", { key: unknown.key }, { field: "checklist" });
    const checklist: ChecklistEntry[] = before.checklist.map((item) => {
      const saved = byKey.get(item.key);
      if (!saved) return item;
      return { key: item.key, ...(item.tamper ? { tamper: true } : {}), ...(saved.result ? { result: saved.result } : {}), ...(saved.note ? { note: saved.note } : {}) };
    });
    assertTamperNaExplained(checklist, new Set(byKey.keys()));
    const log = { parts: input.parts, minutesSpent: input.minutesSpent, resolution: input.resolution || null, signoffName: input.signoffName || null };
    if (input.complete) {
      const problems = completionProblems({ checklist, ...log });
      if (problems.length) throw incomplete(problems);
    }
    const logChanges = changedFields(before, log);
    // Recording anything starts the work; a save that records nothing leaves it as it was.
    const recorded = input.checklist.length > 0 || Object.keys(logChanges).length > 0 || input.note !== null;
    const status: WorkOrderStatus = input.complete ? "done" : recorded && (before.status === "open" || before.status === "scheduled") ? "in_progress" : before.status;
    await tx
      .update(workOrders)
      .set({
        checklist,
        ...log,
        status,
        lastSaveId: input.saveId,
        updatedAt: now,
        ...(before.startedAt || status === before.status ? {} : { startedAt: now }),
        ...(status === "done" ? { completedAt: now } : {}),
      })
      .where(eq(workOrders.id, input.id));
    const entries: AuditEntry[] = [];
    if (input.checklist.length) {
      entries.push(audit("work_order.checklist_saved", "work_order", input.id, before.merchantId, { checklist: checklist.map((c) => `${c.key}: ${c.result ?? "—"}${c.note ? ` (${c.note})` : ""}`) }));
    }
    if (Object.keys(logChanges).length) entries.push(audit("work_order.log_saved", "work_order", input.id, before.merchantId, logChanges));
    if (input.note) {
      // The entry's id is the client's: a resend of a save whose answer was lost writes it once.
      const [note] = await tx
        .insert(workOrderNotes)
        .values({ id: input.note.id, workOrderId: input.id, authorId: worker.userId, authorLabel: worker.actor.label, body: input.note.body, createdAt: now })
        .onConflictDoNothing()
        .returning({ id: workOrderNotes.id });
      if (note) entries.push(audit("work_order.note_added", "work_order", input.id, before.merchantId, { note: input.note.body }));
    }
    if (status !== before.status) {
      entries.push(audit(status === "done" ? "work_order.completed" : "work_order.status_changed", "work_order", input.id, before.merchantId, { status: { from: before.status, to: status } }));
    }
    if (entries.length) await recordAudit(tx, worker.actor, ...entries);
    let tamper: { followUpId: string } | null = null;
    if (failedTamperCheck(checklist) && !failedTamperCheck(before.checklist)) tamper = await onFailedTamperCheck(tx, worker.actor, before, now);
    await notifyTerminalsChanged(tx, [before.merchantId]);
    return { status, tamper, replayed: false };
  });
}

/** The merchant's technician when exactly one is assigned to it: new work for the merchant goes straight to them. */
async function soleTechnician(tx: Db, merchantId: string | null): Promise<string | null> {
  if (!merchantId) return null;
  const assigned = await tx.select({ id: technicianAssignments.technicianId }).from(technicianAssignments).where(eq(technicianAssignments.merchantId, merchantId)).limit(2);
  return assigned.length === 1 ? assigned[0]!.id : null;
}

async function onFailedTamperCheck(tx: Db, actor: AuditActor, order: typeof workOrders.$inferSelect, now: Date): Promise<{ followUpId: string } | null> {
  const terminal = await terminalForChange(tx, order.terminalId);
  // Work recorded for the merchant the terminal belonged to then does not reach its new owner's terminal.
  if (terminal.merchantId !== order.merchantId) return null;
  if (terminal.status === "active" || terminal.status === "faulty") {
    await applyTerminalStatus(tx, actor, terminal, "suspended", { workOrder: `WO-${order.number}` }, "terminal.tamper_suspended");
  }
  // One open alert per terminal: the follow-up inspection itself, or another failed check, adds none.
  const [open] = await tx
    .select({ id: workOrders.id })
    .from(workOrders)
    .where(and(eq(workOrders.terminalId, terminal.id), eq(workOrders.tamperAlert, true), inArray(workOrders.status, openStatuses)))
    .limit(1);
  if (open) return { followUpId: open.id };
  const technicianId = await soleTechnician(tx, order.merchantId);
  const [followUp] = await tx
    .insert(workOrders)
    .values({
      type: "inspection",
      priority: "urgent",
      title: `Tamper check failed: ${terminal.serialNumber}`,
      titleKind: "tamper_follow_up",
      // No stored description: the console words what to do from the title kind and the parent's number, in the reader's language.
      description: "",
      terminalId: terminal.id,
      merchantId: order.merchantId,
      storeId: order.storeId,
      parentId: order.id,
      technicianId,
      status: technicianId ? "scheduled" : "open",
      dueDate: today(now),
      checklist: defaultChecklists.inspection,
      tamperAlert: true,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: workOrders.id });
  await recordAudit(tx, actor, audit("work_order.tamper_alert", "work_order", followUp!.id, order.merchantId, { terminal: terminal.serialNumber, after: `WO-${order.number}`, technicianId }));
  return { followUpId: followUp!.id };
}

/** Cancels a terminal's open work orders (it moved to another merchant), audited for the merchant they belonged to. */
export async function cancelOpenWorkOrders(tx: Db, actor: AuditActor, terminalId: string) {
  const cancelled = await tx
    .update(workOrders)
    .set({ status: "cancelled", updatedAt: new Date() })
    .where(and(eq(workOrders.terminalId, terminalId), inArray(workOrders.status, openStatuses)))
    .returning({ id: workOrders.id, merchantId: workOrders.merchantId });
  await recordAudit(tx, actor, ...cancelled.map((w) => audit("work_order.status_changed", "work_order", w.id, w.merchantId, { status: { to: "cancelled" }, reason: "terminal moved" })));
}

/** A terminal's maintenance history, newest first: only work done for merchants the caller may see (a terminal may have moved). */
export async function terminalWorkOrders(db: Db, scope: Scope, terminalId: string) {
  return db
    .select({
      id: workOrders.id,
      number: workOrders.number,
      type: workOrders.type,
      status: workOrders.status,
      title: workOrders.title,
      titleKind: workOrders.titleKind,
      dueDate: workOrders.dueDate,
      completedAt: workOrders.completedAt,
      technicianName: users.name,
      resolution: workOrders.resolution,
    })
    .from(workOrders)
    .leftJoin(users, eq(users.id, workOrders.technicianId))
    .where(and(eq(workOrders.terminalId, terminalId), inScope(workOrders.merchantId, scope)))
    .orderBy(desc(workOrders.createdAt))
    .limit(50);
}

/** Open tamper alerts for the overview (admins see all; others their scope). */
export async function openTamperAlerts(db: Db, scope: Scope) {
  const [row] = await db
    .select({ n: count() })
    .from(workOrders)
    .where(and(eq(workOrders.tamperAlert, true), inArray(workOrders.status, openStatuses), inScope(workOrders.merchantId, scope)));
  return row?.n ?? 0;
}

const titleCatalogues: Record<Locale, AbstractIntlMessages> = { en: { titles: en.workOrder.titles }, "zh-CN": { titles: zh.workOrder.titles } };

/** The system's titles in one language, from the messages the console words them with. */
function titleKindWording(locale: Locale): TitleKindWording {
  const t = createTranslator({ locale, messages: titleCatalogues[locale], namespace: "titles" }) as unknown as TitleKindWording;
  return (kind, params) => t(kind, params);
}

const csvColumns = ["number", "type", "status", "priority", "title", "serial_number", "merchant", "store", "technician", "due_date", "completed_at"] as const;

/** The filtered list as CSV, a thousand rows at a time in number order; titles in the caller's language. */
export async function* exportWorkOrdersCsv(
  db: Db,
  scope: Scope,
  viewerId: string,
  input: Omit<WorkOrderListInput, "page" | "pageSize">,
  locale: Locale,
  now: Date = new Date(),
): AsyncGenerator<string> {
  const wording = titleKindWording(locale);
  yield csvLine([...csvColumns]);
  let after = 0;
  for (;;) {
    const rows = await listQuery(db)
      .where(and(listConditions(scope, viewerId, input, now), sql`${workOrders.number} > ${after}`))
      .orderBy(asc(workOrders.number))
      .limit(1000);
    if (rows.length === 0) return;
    yield rows
      .map((r) =>
        csvLine([`WO-${r.number}`, r.type, r.status, r.priority, workOrderTitle(r, r.serialNumber, wording), r.serialNumber, r.merchantName, r.storeName, r.technicianName, r.dueDate, r.completedAt]),
      )
      .join("");
    after = rows[rows.length - 1]!.number;
  }
}

// ---------------------------------------------------------------- calendar feed

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A new secret feed URL token for a user; the old one stops working. */
export async function rotateCalendarFeed(db: Db, actor: AuditActor, userId: string) {
  const token = randomBytes(24).toString("base64url");
  await db.transaction(async (tx) => {
    await tx
      .insert(calendarFeeds)
      .values({ userId, tokenHash: hashToken(token) })
      .onConflictDoUpdate({ target: calendarFeeds.userId, set: { tokenHash: hashToken(token), createdAt: new Date() } });
    await recordAudit(tx, actor, audit("calendar_feed.rotated", "user", userId, null));
  });
  return { token };
}

export async function hasCalendarFeed(db: Db, userId: string) {
  const [row] = await db.select({ createdAt: calendarFeeds.createdAt }).from(calendarFeeds).where(eq(calendarFeeds.userId, userId));
  return { since: row?.createdAt ?? null };
}

const icsText = (text: string) =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
const icsDay = (day: string) => day.replaceAll("-", "");

/**
 * The iCalendar feed behind a token: the user's open work orders as all-day events; null for an unknown token.
 * Titles are in the user's language, chosen as for their alert e-mails: their own setting, else their merchant's, else English.
 */
export async function calendarFeedIcs(db: Db, token: string, baseUrl: string, now: Date = new Date()): Promise<string | null> {
  const [feed] = await db
    .select({
      userId: calendarFeeds.userId,
      role: users.role,
      merchantId: users.merchantId,
      disabled: users.disabled,
      locale: sql<string | null>`coalesce(${notificationSettings.locale}, ${merchants.language})`,
    })
    .from(calendarFeeds)
    .innerJoin(users, eq(users.id, calendarFeeds.userId))
    .leftJoin(notificationSettings, eq(notificationSettings.userId, users.id))
    .leftJoin(merchants, eq(merchants.id, users.merchantId))
    .where(eq(calendarFeeds.tokenHash, hashToken(token)));
  // A disabled account's feed stops with its sign-in; a technician's follows their assignments.
  if (!feed || feed.disabled || feed.role === "merchant") return null;
  const scope = await scopeForUser(db, { id: feed.userId, role: feed.role, merchantId: feed.merchantId });
  const orders = await db
    .select({
      id: workOrders.id,
      number: workOrders.number,
      title: workOrders.title,
      titleKind: workOrders.titleKind,
      dueDate: workOrders.dueDate,
      serialNumber: terminals.serialNumber,
      store: stores.name,
      address: stores.address,
      updatedAt: workOrders.updatedAt,
    })
    .from(workOrders)
    .innerJoin(terminals, eq(terminals.id, workOrders.terminalId))
    .leftJoin(stores, eq(stores.id, workOrders.storeId))
    .where(and(eq(workOrders.technicianId, feed.userId), inArray(workOrders.status, openStatuses), inScope(workOrders.merchantId, scope)))
    .orderBy(asc(workOrders.dueDate))
    .limit(500);
  const stamp = (at: Date) =>
    at
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
  const wording = titleKindWording(localeOf(feed.locale));
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//POS Fleet//Work orders//EN", "CALSCALE:GREGORIAN", "X-WR-CALNAME:POS Fleet work orders"];
  for (const o of orders) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${o.id}@posfleet`,
      `DTSTAMP:${stamp(now)}`,
      `LAST-MODIFIED:${stamp(o.updatedAt)}`,
      `DTSTART;VALUE=DATE:${icsDay(o.dueDate)}`,
      `DTEND;VALUE=DATE:${icsDay(addDays(o.dueDate, 1))}`,
      `SUMMARY:${icsText(`WO-${o.number} ${workOrderTitle(o, o.serialNumber, wording)} (${o.serialNumber})`)}`,
      ...(o.store ? [`LOCATION:${icsText([o.store, o.address].filter(Boolean).join(", "))}`] : []),
      `URL:${baseUrl}/work-orders/${o.id}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}

/** RFC 5545 §3.1: content lines longer than 75 octets continue on lines that start with a space, never inside a character. */
function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let size = 0;
  for (const char of line) {
    const bytes = Buffer.byteLength(char);
    if (size + bytes > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = "";
      size = 0;
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join("\r\n ");
}
