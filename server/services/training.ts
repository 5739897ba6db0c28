import { randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { merchants, staffMembers, stores, terminalModels, terminals, trainingCourses, trainingRecords, users } from "@/db/schema";
import {
  DEFAULT_TIME_ZONE,
  type ChecklistResult,
  type StaffRole,
  type TerminalStatus,
  type TrainerKind,
  type TrainingState,
  type UserRole,
  type WorkOrderStatus,
  type WorkOrderType,
} from "@/db/schema/values";
import { csvLine } from "../csv";
import { AppError, notFound } from "../errors";
import type { ComplianceInput, CourseCreateInput, CourseUpdateInput, RecordListInput, SessionInput, StaffCreateInput, StaffListInput, StaffUpdateInput } from "../schemas/training";
import { inScope, scopeIncludes, type Scope } from "../scope";
import { changedFields, recordAudit, type AuditActor } from "./audit";
import { localDay } from "./calendar-day";
import { assertTechnician, assignableTechnicians } from "./technicians";
import { containsText } from "./sql-text";
import { expiryStateSql, trainingExpiry } from "./training-rules";

/** Who records training: their audit identity, what they may see, and who they are. */
export interface Recorder {
  actor: AuditActor;
  scope: Scope;
  userId: string;
  name: string;
  role: UserRole;
}

const fleetToday = (now: Date) => localDay(now, DEFAULT_TIME_ZONE);

// ---------------------------------------------------------------- staff

export async function listStaff(db: Db, scope: Scope, input: StaffListInput, now: Date = new Date()) {
  const where = and(
    inScope(staffMembers.merchantId, scope),
    input.merchantId ? eq(staffMembers.merchantId, input.merchantId) : undefined,
    input.storeId ? eq(staffMembers.storeId, input.storeId) : undefined,
    input.role ? eq(staffMembers.role, input.role) : undefined,
    input.status === "all" ? undefined : eq(staffMembers.active, input.status === "active"),
    input.q ? containsText(staffMembers.name, input.q) : undefined,
  );
  const today = fleetToday(now);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: staffMembers.id,
        name: staffMembers.name,
        role: staffMembers.role,
        phone: staffMembers.phone,
        active: staffMembers.active,
        leftOn: staffMembers.leftOn,
        storeId: staffMembers.storeId,
        storeName: stores.name,
        merchantId: staffMembers.merchantId,
        merchantName: merchants.name,
        // With a course chosen: the person's standing on it, for picking a session's attendees.
        courseState: input.courseId ? expiryStateSql(latestPassExpiry(sql`${staffMembers.id}`, sql`${input.courseId}::uuid`), today) : sql<null>`null`,
      })
      .from(staffMembers)
      .innerJoin(stores, eq(stores.id, staffMembers.storeId))
      .innerJoin(merchants, eq(merchants.id, staffMembers.merchantId))
      .where(where)
      .orderBy(asc(merchants.name), asc(stores.name), asc(staffMembers.name), asc(staffMembers.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(staffMembers).where(where),
  ]);
  // Required courses the people on this page hold a valid pass for, out of those their role needs.
  const counts = rows.length
    ? await queryRows<{ staff_id: string; required: number; current: number; expiring: number }>(
        db,
        sql`select staff_id, count(*)::int as required, (count(*) filter (where state in ${VALID_STATES}))::int as current, (count(*) filter (where state = 'expiring'))::int as expiring
          from (${requirementRows(
            today,
            inArray(
              staffMembers.id,
              rows.map((r) => r.id),
            ),
          )}) r group by staff_id`,
      )
    : [];
  const countsOf = new Map(counts.map((c) => [c.staff_id, c]));
  const items = rows.map((r) => {
    const c = countsOf.get(r.id);
    return { ...r, requiredCourses: c?.required ?? 0, currentCourses: c?.current ?? 0, expiringCourses: c?.expiring ?? 0 };
  });
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** A store the caller may see; anything else answers as if it did not exist. */
async function storeInScope(tx: Db, scope: Scope, storeId: string) {
  const [store] = await tx.select({ id: stores.id, merchantId: stores.merchantId }).from(stores).where(eq(stores.id, storeId));
  if (!store || !scopeIncludes(scope, store.merchantId)) throw new AppError("invalid", "storeGone", {}, { field: "storeId" });
  return store;
}

export async function createStaff(db: Db, actor: AuditActor, scope: Scope, input: StaffCreateInput) {
  return db.transaction(async (tx) => {
    const store = await storeInScope(tx, scope, input.storeId);
    const [member] = await tx
      .insert(staffMembers)
      .values({ ...input, merchantId: store.merchantId })
      .returning();
    await recordAudit(tx, actor, { action: "staff.created", entityType: "staff_member", entityId: member!.id, merchantId: store.merchantId, changes: { ...input } });
    return member!;
  });
}

export async function updateStaff(db: Db, actor: AuditActor, scope: Scope, input: StaffUpdateInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(staffMembers).where(eq(staffMembers.id, input.id)).for("update");
    if (!before || !scopeIncludes(scope, before.merchantId)) throw notFound("staffMember");
    const { id, ...patch } = input;
    if (patch.storeId !== undefined && patch.storeId !== before.storeId) {
      const store = await storeInScope(tx, scope, patch.storeId);
      if (store.merchantId !== before.merchantId) throw new AppError("invalid", "staffMovesWithinMerchant", {}, { field: "storeId" });
    }
    // Leaving is dated; coming back clears the date.
    const leftOn = patch.active === undefined || patch.active === before.active ? before.leftOn : patch.active ? null : fleetToday(now);
    const changes = changedFields(before, { ...patch, leftOn });
    if (Object.keys(changes).length === 0) return before;
    const [after] = await tx
      .update(staffMembers)
      .set({ ...patch, leftOn, updatedAt: now })
      .where(eq(staffMembers.id, id))
      .returning();
    const action = patch.active === false && before.active ? "staff.left" : patch.active === true && !before.active ? "staff.rejoined" : "staff.updated";
    await recordAudit(tx, actor, { action, entityType: "staff_member", entityId: id, merchantId: before.merchantId, changes });
    return after!;
  });
}

// ---------------------------------------------------------------- courses

/** A built-in course's key while its words are still the built-in ones: the console translates those. */
const translatableKey = sql<string | null>`case when ${trainingCourses.reworded} then null else ${trainingCourses.key} end`;

export async function listCourses(db: Db) {
  return db
    .select({
      id: trainingCourses.id,
      key: translatableKey,
      title: trainingCourses.title,
      topics: trainingCourses.topics,
      validityMonths: trainingCourses.validityMonths,
      requiredFor: trainingCourses.requiredFor,
      active: trainingCourses.active,
    })
    .from(trainingCourses)
    .orderBy(desc(trainingCourses.active), asc(trainingCourses.title));
}

async function assertTitleFree(tx: Db, title: string, exceptId?: string) {
  const [taken] = await tx
    .select({ id: trainingCourses.id })
    .from(trainingCourses)
    .where(and(sql`lower(${trainingCourses.title}) = lower(${title})`, exceptId ? sql`${trainingCourses.id} <> ${exceptId}` : undefined));
  if (taken) throw new AppError("conflict", "courseTitleTaken", {}, { field: "title" });
}

export async function createCourse(db: Db, actor: AuditActor, input: CourseCreateInput) {
  return db.transaction(async (tx) => {
    await assertTitleFree(tx, input.title);
    const [course] = await tx.insert(trainingCourses).values(input).returning();
    await recordAudit(tx, actor, { action: "training_course.created", entityType: "training_course", entityId: course!.id, changes: { ...input } });
    return course!;
  });
}

export async function updateCourse(db: Db, actor: AuditActor, input: CourseUpdateInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(trainingCourses).where(eq(trainingCourses.id, input.id)).for("update");
    if (!before) throw notFound("course");
    const { id, ...patch } = input;
    if (patch.title !== undefined) await assertTitleFree(tx, patch.title, id);
    const changes = changedFields(before, patch);
    if (Object.keys(changes).length === 0) return before;
    // A built-in course whose words were edited shows the admin's words from then on.
    const reworded = before.reworded || Boolean(changes.title || changes.topics);
    const [after] = await tx
      .update(trainingCourses)
      .set({ ...patch, reworded, updatedAt: now })
      .where(eq(trainingCourses.id, id))
      .returning();
    await recordAudit(tx, actor, { action: "training_course.updated", entityType: "training_course", entityId: id, changes });
    return after!;
  });
}

// ---------------------------------------------------------------- sessions and records

/** Who may be named as a session's trainer for a merchant: its technicians and its owner. */
export async function trainerChoices(db: Db, scope: Scope, merchantId: string) {
  const [merchant] = await db.select({ id: merchants.id, contactName: merchants.contactName }).from(merchants).where(eq(merchants.id, merchantId));
  if (!merchant || !scopeIncludes(scope, merchant.id)) throw notFound("merchant");
  return { technicians: await assignableTechnicians(db, merchant.id), ownerName: merchant.contactName ?? "" };
}

async function resolveTrainer(tx: Db, recorder: Recorder, trainer: SessionInput["trainer"], merchantId: string): Promise<{ kind: TrainerKind; userId: string | null; name: string }> {
  if (recorder.role === "technician") {
    // Technicians record the sessions they gave themselves.
    if (trainer.kind !== "technician" || trainer.technicianId !== recorder.userId) throw new AppError("invalid", "trainerMustBeYourself", {}, { field: "trainer" });
    return { kind: "technician", userId: recorder.userId, name: recorder.name };
  }
  if (trainer.kind === "technician") {
    await assertTechnician(tx, trainer.technicianId, merchantId);
    const [user] = await tx.select({ name: users.name }).from(users).where(eq(users.id, trainer.technicianId!));
    return { kind: "technician", userId: trainer.technicianId!, name: user!.name };
  }
  // The owner or an outside trainer is known by the name given; who recorded it is kept separately.
  return { kind: trainer.kind, userId: null, name: trainer.name! };
}

/** One session of a course for many attendees of one merchant: a record per attendee, in one transaction. */
export async function recordSession(db: Db, recorder: Recorder, input: SessionInput, now: Date = new Date()) {
  if (input.trainedOn > fleetToday(now)) throw new AppError("invalid", "sessionDateInFuture", {}, { field: "trainedOn" });
  return db.transaction(async (tx) => {
    // Shared locks: an archive or a departure committed meanwhile cannot slip past the checks.
    const [course] = await tx.select().from(trainingCourses).where(eq(trainingCourses.id, input.courseId)).for("share");
    if (!course) throw new AppError("invalid", "courseGone", {}, { field: "courseId" });
    if (!course.active) throw new AppError("invalid", "courseArchived", {}, { field: "courseId" });
    const ids = input.attendees.map((a) => a.staffId);
    const people = await tx.select().from(staffMembers).where(inArray(staffMembers.id, ids)).for("share");
    if (people.length !== ids.length || people.some((p) => !scopeIncludes(recorder.scope, p.merchantId))) throw new AppError("invalid", "attendeeNotFound", {}, { field: "attendees" });
    const merchantIds = new Set(people.map((p) => p.merchantId));
    if (merchantIds.size > 1) throw new AppError("invalid", "attendeesOfOneMerchant", {}, { field: "attendees" });
    const gone = people.filter((p) => !p.active);
    if (gone.length) throw new AppError("invalid", "attendeesLeft", { names: gone.map((p) => p.name).join(", ") }, { field: "attendees" });
    const merchantId = people[0]!.merchantId;
    const trainer = await resolveTrainer(tx, recorder, input.trainer, merchantId);
    const sessionId = randomUUID();
    const expiresOn = trainingExpiry(input.trainedOn, course.validityMonths);
    const records = await tx
      .insert(trainingRecords)
      .values(
        input.attendees.map((a) => ({
          sessionId,
          staffId: a.staffId,
          merchantId,
          courseId: course.id,
          trainedOn: input.trainedOn,
          expiresOn: a.result === "passed" ? expiresOn : null,
          result: a.result,
          score: a.score,
          trainerKind: trainer.kind,
          trainerUserId: trainer.userId,
          trainerName: trainer.name,
          notes: input.notes,
          recordedBy: recorder.userId,
        })),
      )
      .returning({ id: trainingRecords.id, number: trainingRecords.number, staffId: trainingRecords.staffId });
    const nameOf = new Map(people.map((p) => [p.id, p.name]));
    await recordAudit(tx, recorder.actor, {
      action: "training.session_recorded",
      entityType: "training_session",
      entityId: sessionId,
      merchantId,
      changes: {
        course: course.title,
        trainedOn: input.trainedOn,
        trainer: trainer.name,
        trainerKind: trainer.kind,
        attendees: input.attendees.map((a) => ({ staff: nameOf.get(a.staffId), result: a.result, score: a.score })),
        records: records.map((r) => `TR-${r.number}`),
      },
    });
    return { sessionId, expiresOn, records };
  });
}

/** The latest expiry among a person's passes of a course (null: never passed). */
function latestPassExpiry(staffId: SQL, courseId: SQL): SQL {
  return sql`(select max(lp.expires_on) from training_records lp where lp.staff_id = ${staffId} and lp.course_id = ${courseId} and lp.result = 'passed')`;
}

/** A record's state on a day: a fail, a pass replaced by a later one, or by its expiry. */
function recordStateSql(today: string): SQL<TrainingState> {
  return sql<TrainingState>`case when "training_records"."result" = 'failed' then 'failed'
    when ${latestPassExpiry(sql`"training_records"."staff_id"`, sql`"training_records"."course_id"`)} > "training_records"."expires_on" then 'renewed'
    else ${expiryStateSql(sql`"training_records"."expires_on"`, today)} end`;
}

function recordConditions(scope: Scope, input: Omit<RecordListInput, "page" | "pageSize">, today: string) {
  // Renewal lists name only people still on the staff, for courses still taught that their role requires.
  const toRenew = input.state === "expiring" || input.state === "expired";
  return and(
    inScope(trainingRecords.merchantId, scope),
    input.merchantId ? eq(trainingRecords.merchantId, input.merchantId) : undefined,
    input.storeId ? eq(staffMembers.storeId, input.storeId) : undefined,
    input.staffId ? eq(trainingRecords.staffId, input.staffId) : undefined,
    input.courseId ? eq(trainingRecords.courseId, input.courseId) : undefined,
    input.q ? or(containsText(staffMembers.name, input.q), containsText(trainingCourses.title, input.q), sql`'TR-' || ${trainingRecords.number} = upper(${input.q})`) : undefined,
    input.state ? sql`${recordStateSql(today)} = ${input.state}` : undefined,
    toRenew ? and(eq(staffMembers.active, true), eq(trainingCourses.active, true), sql`${staffMembers.role} = any(${trainingCourses.requiredFor})`) : undefined,
  );
}

function recordQuery(db: Db, today: string) {
  return db
    .select({
      id: trainingRecords.id,
      number: trainingRecords.number,
      sessionId: trainingRecords.sessionId,
      staffId: trainingRecords.staffId,
      staffName: staffMembers.name,
      staffRole: staffMembers.role,
      staffActive: staffMembers.active,
      storeId: staffMembers.storeId,
      storeName: stores.name,
      merchantId: trainingRecords.merchantId,
      merchantName: merchants.name,
      courseId: trainingRecords.courseId,
      courseKey: translatableKey,
      courseTitle: trainingCourses.title,
      trainedOn: trainingRecords.trainedOn,
      expiresOn: trainingRecords.expiresOn,
      result: trainingRecords.result,
      score: trainingRecords.score,
      trainerKind: trainingRecords.trainerKind,
      trainerName: trainingRecords.trainerName,
      notes: trainingRecords.notes,
      state: recordStateSql(today),
    })
    .from(trainingRecords)
    .innerJoin(staffMembers, eq(staffMembers.id, trainingRecords.staffId))
    .innerJoin(stores, eq(stores.id, staffMembers.storeId))
    .innerJoin(merchants, eq(merchants.id, trainingRecords.merchantId))
    .innerJoin(trainingCourses, eq(trainingCourses.id, trainingRecords.courseId));
}

export async function listRecords(db: Db, scope: Scope, input: RecordListInput, now: Date = new Date()) {
  const today = fleetToday(now);
  const where = recordConditions(scope, input, today);
  // Renewal lists put the soonest expiry first; otherwise the latest session comes first.
  const order = input.state === "expiring" || input.state === "expired" ? [asc(trainingRecords.expiresOn), asc(staffMembers.name)] : [desc(trainingRecords.trainedOn), desc(trainingRecords.number)];
  const [items, [total]] = await Promise.all([
    recordQuery(db, today)
      .where(where)
      .orderBy(...order)
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db
      .select({ n: count() })
      .from(trainingRecords)
      .innerJoin(staffMembers, eq(staffMembers.id, trainingRecords.staffId))
      .innerJoin(trainingCourses, eq(trainingCourses.id, trainingRecords.courseId))
      .where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

const recordCsvColumns = ["certificate", "staff", "role", "store", "merchant", "course", "trained_on", "expires_on", "result", "score", "trainer", "trainer_kind", "state"] as const;

export async function* exportRecordsCsv(db: Db, scope: Scope, input: Omit<RecordListInput, "page" | "pageSize">, now: Date = new Date()): AsyncGenerator<string> {
  const today = fleetToday(now);
  yield csvLine([...recordCsvColumns]);
  let after = 0;
  for (;;) {
    const rows = await recordQuery(db, today)
      .where(and(recordConditions(scope, input, today), sql`${trainingRecords.number} > ${after}`))
      .orderBy(asc(trainingRecords.number))
      .limit(1000);
    if (rows.length === 0) return;
    yield rows
      .map((r) => csvLine([`TR-${r.number}`, r.staffName, r.staffRole, r.storeName, r.merchantName, r.courseTitle, r.trainedOn, r.expiresOn, r.result, r.score, r.trainerName, r.trainerKind, r.state]))
      .join("");
    after = rows[rows.length - 1]!.number;
  }
}

/** One record with its course's topics, for the certificate. */
export async function getRecord(db: Db, scope: Scope, id: string, now: Date = new Date()) {
  const [record] = await recordQuery(db, fleetToday(now)).where(and(eq(trainingRecords.id, id), inScope(trainingRecords.merchantId, scope)));
  if (!record) throw notFound("trainingRecord");
  const [course] = await db.select({ topics: trainingCourses.topics, validityMonths: trainingCourses.validityMonths }).from(trainingCourses).where(eq(trainingCourses.id, record.courseId));
  return { ...record, topics: course!.topics, validityMonths: course!.validityMonths };
}

/** A record entered by mistake; the audit log keeps what it said. */
export async function deleteRecord(db: Db, actor: AuditActor, scope: Scope, id: string) {
  return db.transaction(async (tx) => {
    const [record] = await tx.select().from(trainingRecords).where(eq(trainingRecords.id, id)).for("update");
    if (!record || !scopeIncludes(scope, record.merchantId)) throw notFound("trainingRecord");
    await tx.delete(trainingRecords).where(eq(trainingRecords.id, id));
    await recordAudit(tx, actor, { action: "training_record.deleted", entityType: "training_record", entityId: id, merchantId: record.merchantId, changes: { ...record } });
    return { id };
  });
}

// ---------------------------------------------------------------- compliance

/** The states in which a pass still counts: current, or current but expiring soon. */
const VALID_STATES = sql`('current', 'expiring')`;

/**
 * Every active staff member's standing on each active course their role requires: the latest
 * pass and its state. The one definition of "current on a required course".
 */
function requirementRows(today: string, where: SQL): SQL {
  return sql`select ${staffMembers.id} as staff_id, ${staffMembers.storeId} as store_id, ${trainingCourses.id} as course_id, ${translatableKey} as course_key, ${trainingCourses.title} as course_title,
      last_pass.trained_on::text as trained_on, last_pass.expires_on::text as expires_on, last_pass.id as record_id,
      ${expiryStateSql(sql`last_pass.expires_on`, today)} as state
    from ${staffMembers}
    join ${trainingCourses} on ${trainingCourses.active} and ${staffMembers.role} = any(${trainingCourses.requiredFor})
    left join lateral (
      select lp.id, lp.trained_on, lp.expires_on from training_records lp
      where lp.staff_id = ${staffMembers.id} and lp.course_id = ${trainingCourses.id} and lp.result = 'passed'
      order by lp.expires_on desc, lp.trained_on desc, lp.number desc limit 1
    ) last_pass on true
    where ${staffMembers.active} and ${where}`;
}

/** Per active staff member: current on every required course (ok), and whether one expires soon. */
function staffStandingCte(today: string, where: SQL): SQL {
  return sql`requirements as (${requirementRows(today, where)}),
    standing as (
      select ${staffMembers.id} as staff_id, ${staffMembers.storeId} as store_id,
        coalesce(bool_and(requirements.state in ${VALID_STATES}), true) as ok,
        coalesce(bool_or(requirements.state = 'expiring'), false) as soon
      from ${staffMembers} left join requirements on requirements.staff_id = ${staffMembers.id}
      where ${staffMembers.active} and ${where}
      group by ${staffMembers.id}, ${staffMembers.storeId}
    )`;
}

export interface StoreCompliance {
  id: string;
  name: string;
  region: string;
  merchantId: string;
  merchantName: string;
  staff: number;
  compliant: number;
  expiring: number;
  /** compliant / staff; null for a store without active staff. */
  share: number | null;
}

/** Per store: the share of active staff current on every course their role requires. */
export async function storeCompliance(db: Db, scope: Scope, input: ComplianceInput, now: Date = new Date()) {
  const today = fleetToday(now);
  const storeWhere = and(
    inScope(stores.merchantId, scope),
    input.merchantId ? eq(stores.merchantId, input.merchantId) : undefined,
    input.q ? or(containsText(stores.name, input.q), containsText(merchants.name, input.q), containsText(stores.region, input.q)) : undefined,
  )!;
  // The summary counts the staff of the stores the table lists (its search included).
  const staffWhere = and(
    inScope(staffMembers.merchantId, scope),
    input.merchantId ? eq(staffMembers.merchantId, input.merchantId) : undefined,
    input.q ? sql`${staffMembers.storeId} in (select ${stores.id} from ${stores} join ${merchants} on ${merchants.id} = ${stores.merchantId} where ${storeWhere})` : undefined,
  )!;
  const share = sql`case when coalesce(per_store.staff, 0) = 0 then null else per_store.compliant::float / per_store.staff end`;
  const order = input.sort === "share" ? sql`${share} asc nulls last, ${merchants.name}, ${stores.name}` : sql`${merchants.name}, ${stores.name}`;
  const [items, [total], [summary]] = await Promise.all([
    queryRows<{ id: string; name: string; region: string; merchant_id: string; merchant_name: string; staff: number; compliant: number; expiring: number; share: number | null }>(
      db,
      sql`with ${staffStandingCte(today, staffWhere)},
        per_store as (select store_id, count(*)::int as staff, (count(*) filter (where ok))::int as compliant, (count(*) filter (where ok and soon))::int as expiring from standing group by store_id)
        select ${stores.id} as id, ${stores.name} as name, ${stores.region} as region, ${merchants.id} as merchant_id, ${merchants.name} as merchant_name,
          coalesce(per_store.staff, 0) as staff, coalesce(per_store.compliant, 0) as compliant, coalesce(per_store.expiring, 0) as expiring, ${share} as share
        from ${stores} join ${merchants} on ${merchants.id} = ${stores.merchantId} left join per_store on per_store.store_id = ${stores.id}
        where ${storeWhere}
        order by ${order}
        limit ${input.pageSize} offset ${(input.page - 1) * input.pageSize}`,
    ),
    db.select({ n: count() }).from(stores).innerJoin(merchants, eq(merchants.id, stores.merchantId)).where(storeWhere),
    queryRows<{ staff: number; compliant: number; expiring: number; expired: number; missing: number }>(
      db,
      sql`with ${staffStandingCte(today, staffWhere)}
        select (select count(*)::int from standing) as staff, (select count(*)::int from standing where ok) as compliant,
          (select count(*)::int from requirements where state = 'expiring') as expiring,
          (select count(*)::int from requirements where state = 'expired') as expired,
          (select count(*)::int from requirements where state = 'missing') as missing`,
    ),
  ]);
  return {
    items: items.map((r): StoreCompliance => ({
      id: r.id,
      name: r.name,
      region: r.region,
      merchantId: r.merchant_id,
      merchantName: r.merchant_name,
      staff: r.staff,
      compliant: r.compliant,
      expiring: r.expiring,
      share: r.share === null ? null : Number(r.share),
    })),
    total: total?.n ?? 0,
    page: input.page,
    pageSize: input.pageSize,
    // Across the stores listed (every page): people, and required courses expiring, expired or never taken.
    summary: summary!,
  };
}

// ---------------------------------------------------------------- PCI DSS 9.5.1 evidence

export interface EvidenceDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  status: TerminalStatus;
  firmwareVersion: string | null;
  lastInspection: { workOrderId: string; number: number; on: Date; result: ChecklistResult; photoId: string | null } | null;
  nextInspection: { workOrderId: string; number: number; dueDate: string; overdue: boolean } | null;
}

export interface EvidenceStaff {
  id: string;
  name: string;
  role: StaffRole;
  current: boolean;
  courses: {
    courseId: string;
    courseKey: string | null;
    courseTitle: string;
    trainedOn: string | null;
    expiresOn: string | null;
    recordId: string | null;
    state: "missing" | "expired" | "expiring" | "current";
  }[];
}

/**
 * The evidence PCI DSS 9.5.1 asks a merchant to keep for a store: its POI devices with their
 * location, each device's last tamper inspection and any overdue one, and staff training currency.
 */
export async function storeEvidence(db: Db, scope: Scope, storeId: string, now: Date = new Date()) {
  const today = fleetToday(now);
  const [store] = await db
    .select({ id: stores.id, name: stores.name, address: stores.address, region: stores.region, merchantId: merchants.id, merchantName: merchants.name })
    .from(stores)
    .innerJoin(merchants, eq(merchants.id, stores.merchantId))
    .where(eq(stores.id, storeId));
  if (!store || !scopeIncludes(scope, store.merchantId)) throw notFound("store");
  // Work on this merchant's behalf only: a terminal that changed hands keeps its earlier owner's history private.
  const ownWork = sql`w.merchant_id = ${store.merchantId}::uuid`;
  const scheduledInspection = sql`w.type in ('inspection', 'preventive') and w.status in ('open', 'scheduled', 'in_progress') and w.checklist @> '[{"tamper": true}]'::jsonb`;
  const [deviceRows, overdue, staff, requirements] = await Promise.all([
    queryRows<{
      id: string;
      serial_number: string;
      manufacturer: string;
      model: string;
      status: TerminalStatus;
      firmware_version: string | null;
      last_id: string | null;
      last_number: number | null;
      last_on: Date | string | null;
      last_result: ChecklistResult | null;
      last_photo_id: string | null;
      next_id: string | null;
      next_number: number | null;
      next_due: string | null;
    }>(
      db,
      sql`select ${terminals.id} as id, ${terminals.serialNumber} as serial_number, ${terminalModels.manufacturer} as manufacturer, ${terminalModels.model} as model,
          ${terminals.status} as status, ${terminals.firmwareVersion} as firmware_version,
          last.id as last_id, last.number::int as last_number, last.completed_at as last_on, last.result as last_result,
          (select p.id from work_order_photos p where p.work_order_id = last.id order by p.created_at desc limit 1) as last_photo_id,
          next.id as next_id, next.number::int as next_number, next.due_date::text as next_due
        from ${terminals} join ${terminalModels} on ${terminalModels.id} = ${terminals.modelId}
        left join lateral (
          select w.id, w.number, w.completed_at, line->>'result' as result
          from work_orders w cross join lateral jsonb_array_elements(w.checklist) line
          where w.terminal_id = ${terminals.id} and ${ownWork} and w.status = 'done' and line @> '{"tamper": true}'::jsonb and line->>'result' in ('pass', 'fail')
          order by w.completed_at desc, w.number desc limit 1
        ) last on true
        left join lateral (
          select w.id, w.number, w.due_date from work_orders w
          where w.terminal_id = ${terminals.id} and ${ownWork} and ${scheduledInspection}
          order by w.due_date, w.number limit 1
        ) next on true
        where ${terminals.storeId} = ${storeId} and ${terminals.status} <> 'retired'
        order by ${terminals.serialNumber}`,
    ),
    queryRows<{ id: string; number: number; type: WorkOrderType; status: WorkOrderStatus; dueDate: string; serialNumber: string; technicianName: string | null }>(
      db,
      sql`select w.id, w.number::int as number, w.type, w.status, w.due_date::text as "dueDate", t.serial_number as "serialNumber", u.name as "technicianName"
        from work_orders w join terminals t on t.id = w.terminal_id left join users u on u.id = w.technician_id
        where t.store_id = ${storeId}::uuid and t.status <> 'retired' and ${ownWork} and ${scheduledInspection} and w.due_date < ${today}::date
        order by w.due_date, w.number`,
    ),
    // Each active person and whether they are current on every course their role requires.
    queryRows<{ id: string; name: string; role: StaffRole; current: boolean }>(
      db,
      sql`with ${staffStandingCte(today, sql`${staffMembers.storeId} = ${storeId}`)}
        select person.id, person.name, person.role, standing.ok as current
        from standing join staff_members person on person.id = standing.staff_id
        order by person.name, person.id`,
    ),
    queryRows<{
      staff_id: string;
      course_id: string;
      course_key: string | null;
      course_title: string;
      trained_on: string | null;
      expires_on: string | null;
      record_id: string | null;
      state: EvidenceStaff["courses"][number]["state"];
    }>(db, sql`${requirementRows(today, sql`${staffMembers.storeId} = ${storeId}`)} order by course_title`),
  ]);
  const devices = deviceRows.map((d): EvidenceDevice => ({
    id: d.id,
    serialNumber: d.serial_number,
    manufacturer: d.manufacturer,
    model: d.model,
    status: d.status,
    firmwareVersion: d.firmware_version,
    lastInspection: d.last_id ? { workOrderId: d.last_id, number: d.last_number!, on: new Date(d.last_on!), result: d.last_result!, photoId: d.last_photo_id } : null,
    nextInspection: d.next_id ? { workOrderId: d.next_id, number: d.next_number!, dueDate: d.next_due!, overdue: d.next_due! < today } : null,
  }));
  const staffStanding = staff.map((person): EvidenceStaff => {
    const courses = requirements
      .filter((r) => r.staff_id === person.id)
      .map((r) => ({ courseId: r.course_id, courseKey: r.course_key, courseTitle: r.course_title, trainedOn: r.trained_on, expiresOn: r.expires_on, recordId: r.record_id, state: r.state }));
    return { ...person, courses };
  });
  const compliant = staffStanding.filter((s) => s.current).length;
  return {
    store,
    today,
    generatedAt: now,
    devices,
    overdueInspections: overdue,
    staff: staffStanding,
    summary: {
      devices: devices.length,
      failedTamperChecks: devices.filter((d) => d.lastInspection?.result === "fail").length,
      neverInspected: devices.filter((d) => !d.lastInspection).length,
      overdueInspections: overdue.length,
      staff: staffStanding.length,
      compliant,
      share: staffStanding.length ? compliant / staffStanding.length : null,
    },
  };
}

export type StoreEvidence = Awaited<ReturnType<typeof storeEvidence>>;

/** The evidence as one CSV: a device row per POI device, then a training row per person and required course. */
export async function* evidenceCsv(evidence: StoreEvidence): AsyncGenerator<string> {
  const location = [evidence.store.name, evidence.store.address, evidence.store.region].filter(Boolean).join(", ");
  yield csvLine([
    "section",
    "serial_number",
    "manufacturer",
    "model",
    "location",
    "status",
    "last_inspection_on",
    "tamper_check",
    "next_inspection_due",
    "inspection_overdue",
    "staff",
    "role",
    "course",
    "trained_on",
    "expires_on",
    "training_state",
  ]);
  for (const d of evidence.devices) {
    yield csvLine([
      "device",
      d.serialNumber,
      d.manufacturer,
      d.model,
      location,
      d.status,
      d.lastInspection ? localDay(d.lastInspection.on, DEFAULT_TIME_ZONE) : "",
      d.lastInspection?.result ?? "never",
      d.nextInspection?.dueDate ?? "",
      d.nextInspection?.overdue ? "yes" : "no",
      "",
      "",
      "",
      "",
      "",
      "",
    ]);
  }
  for (const person of evidence.staff) {
    for (const c of person.courses) yield csvLine(["training", "", "", "", location, "", "", "", "", "", person.name, person.role, c.courseTitle, c.trainedOn ?? "", c.expiresOn ?? "", c.state]);
  }
}
