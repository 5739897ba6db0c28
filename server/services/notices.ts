import { and, count, desc, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { firmwareReleases, noticeDeliveries, noticeReads, notices, rollouts, smsOutbox, terminals, users } from "@/db/schema";
import {
  DEFAULT_TIME_ZONE,
  NOTICE_AUDIENCE_TERMINALS_MAX,
  NOTICE_SMS_PER_PHONE_PER_DAY,
  openJobStatuses,
  type MerchantLanguage,
  type NoticeAudience,
  type NoticeChannels,
  type NoticeSeverity,
  type StoredNoticeAudience,
} from "@/db/schema/values";
import { AppError, notFound } from "../errors";
import type { AudiencePreviewInput, InboxInput, NoticeAddTerminalsInput, NoticeCreateInput, NoticeEditableListInput, NoticeListInput, NoticeUpdateInput } from "../schemas/notices";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { cancelStaleNoticeSms, queueSms } from "../sms/outbox";
import { criticalNoticeSms } from "../sms/texts";
import { rolloutAnnouncement } from "./rollout-announcement";
import { SmsConfigError, smsProviderFromEnv } from "../sms/providers";
import { inScope, type Scope } from "../scope";
import type { AuthenticatedDevice } from "./device-tokens";
import type { AuditAction } from "../schemas/audit";
import { changedFields, recordAudit, systemActor, type AuditActor, type AuditEntry } from "./audit";
import { localDay } from "./calendar-day";
import { notifyNoticesChanged } from "./fleet-events";
import { containsText, jsonList, uuidArray, uuidList } from "./sql-text";
import { terminalListConditions } from "./terminals";

/** pg_advisory_xact_lock class for a phone's notice SMS count (activation codes use 41 and 42). */
const NOTICE_SMS_LOCK_CLASS = 43;

// ---------------------------------------------------------------- audience

/** Audiences stored before terminals could be listed have no terminalIds: they list none. Every notice read from the table passes here. */
const storedAudience = (a: StoredNoticeAudience): NoticeAudience => ({ ...a, terminalIds: a.terminalIds ?? [] });
const fromStore = <T extends { audience: StoredNoticeAudience }>(row: T) => ({ ...row, audience: storedAudience(row.audience) });

const hasDeviceFilter = (a: NoticeAudience) => a.modelIds.length > 0 || a.firmwareVersions.length > 0 || a.rolloutId !== null;
const hasPlaceFilter = (a: NoticeAudience) => a.merchantIds.length > 0 || a.storeIds.length > 0 || a.regions.length > 0 || a.terminalIds.length > 0;

/** Up to NOTICE_AUDIENCE_TERMINALS_MAX ids as one array parameter, not one parameter each. */

const inService = (status: SQL) => sql`${status}::text in ${jsonList(statusesWithDeviceAccess)}`;

/**
 * The terminals in service an audience reaches (terminal_id, merchant_id): at any chosen place
 * (merchant, store or region) or listed, narrowed by every chosen model, firmware version and
 * rollout. Suspended merchants are left out of every audience.
 */
function audienceTerminalsSql(a: NoticeAudience): SQL {
  const place = hasPlaceFilter(a)
    ? sql`(${a.merchantIds.length ? sql`t.merchant_id in ${uuidList(a.merchantIds)}` : sql`false`}
        or ${a.storeIds.length ? sql`t.store_id in ${uuidList(a.storeIds)}` : sql`false`}
        or ${a.regions.length ? sql`s.region in ${jsonList(a.regions)}` : sql`false`}
        or ${a.terminalIds.length ? sql`t.id = any(${uuidArray(a.terminalIds)})` : sql`false`})`
    : sql`true`;
  return sql`select t.id as terminal_id, t.merchant_id from terminals t join merchants m on m.id = t.merchant_id and m.status = 'active'
    left join stores s on s.id = t.store_id
    where ${inService(sql`t.status`)}
      and ${place}
      and ${a.modelIds.length ? sql`t.model_id in ${uuidList(a.modelIds)}` : sql`true`}
      and ${a.firmwareVersions.length ? sql`t.firmware_version in ${jsonList(a.firmwareVersions)}` : sql`true`}
      and ${a.rolloutId ? sql`t.id in (select j.terminal_id from update_jobs j where j.rollout_id = ${a.rolloutId}::uuid and j.status::text in ${jsonList(openJobStatuses)})` : sql`true`}`;
}

/**
 * The merchants whose people read the notice: everyone's, the merchants owning the reached
 * terminals when devices are chosen, else the chosen places' merchants and those of the listed
 * terminals in service (a listed terminal out of service brings in nobody).
 */
function audienceMerchantsSql(a: NoticeAudience, reached: SQL = audienceTerminalsSql(a)): SQL {
  if (a.everyone) return sql`select m.id as merchant_id from merchants m where m.status = 'active'`;
  if (hasDeviceFilter(a)) return sql`select distinct reached.merchant_id from (${reached}) reached`;
  return sql`select m.id as merchant_id from merchants m where m.status = 'active' and (
      ${a.merchantIds.length ? sql`m.id in ${uuidList(a.merchantIds)}` : sql`false`}
      or m.id in (select s.merchant_id from stores s where ${a.storeIds.length ? sql`s.id in ${uuidList(a.storeIds)}` : sql`false`} or ${a.regions.length ? sql`s.region in ${jsonList(a.regions)}` : sql`false`})
      or ${a.terminalIds.length ? sql`m.id in (select lt.merchant_id from terminals lt where lt.id = any(${uuidArray(a.terminalIds)}) and ${inService(sql`lt.status`)})` : sql`false`})`;
}

/** The console users who read the notice: the chosen roles of those merchants, never anyone else's. */
function audienceReadersSql(a: NoticeAudience, merchants: SQL = audienceMerchantsSql(a)): SQL {
  const owners = a.roles.includes("merchant") ? sql`(u.role = 'merchant' and u.merchant_id in (select merchant_id from (${merchants}) am))` : sql`false`;
  const technicians = a.roles.includes("technician")
    ? sql`(u.role = 'technician' and exists (select 1 from technician_assignments ta where ta.technician_id = u.id and ta.merchant_id in (select merchant_id from (${merchants}) am)))`
    : sql`false`;
  return sql`select u.id as user_id, u.role from users u where not u.disabled and (${owners} or ${technicians})`;
}

export interface AudienceSize {
  terminals: number;
  merchants: number;
  merchantUsers: number;
  technicians: number;
  smsPhones: number;
}

/**
 * How many terminals, merchants, console readers and phones an audience reaches now; with
 * terminalsOf, the terminals listed on that saved notice count too.
 */
export async function previewAudience(db: Db, { terminalsOf, ...audience }: NoticeAudience & Partial<Pick<AudiencePreviewInput, "terminalsOf">>): Promise<AudienceSize> {
  if (terminalsOf) {
    const [notice] = await db.select({ audience: notices.audience }).from(notices).where(eq(notices.id, terminalsOf));
    if (!notice) throw notFound("notice");
    audience.terminalIds = [...new Set([...audience.terminalIds, ...storedAudience(notice.audience).terminalIds])];
  }
  // A saved list emptied since leaves nothing to narrow to: that reaches nobody, not the whole fleet.
  if (!audience.everyone && !hasPlaceFilter(audience) && !hasDeviceFilter(audience)) return { terminals: 0, merchants: 0, merchantUsers: 0, technicians: 0, smsPhones: 0 };
  const [row] = await queryRows<AudienceSize>(
    db,
    // Each part once: the readers and phones come from the merchants, the merchants from the terminals.
    sql`with reached as (${audienceTerminalsSql(audience)}),
        addressed as (${audienceMerchantsSql(audience, sql`select * from reached`)}),
        readers as (${audienceReadersSql(audience, sql`select merchant_id from addressed`)})
      select (select count(*)::int from reached) as terminals,
        (select count(*)::int from addressed) as merchants,
        (select count(*)::int from readers where role = 'merchant') as "merchantUsers",
        (select count(*)::int from readers where role = 'technician') as technicians,
        (select count(distinct m.registered_phone)::int from merchants m where m.id in (select merchant_id from addressed)) as "smsPhones"`,
  );
  return row!;
}

// ---------------------------------------------------------------- compose and publish

const audit = (action: AuditAction, id: string, changes: Record<string, unknown> = {}): AuditEntry => ({ action, entityType: "notice", entityId: id, changes });

export async function createNotice(db: Db, actor: AuditActor, input: NoticeCreateInput, now: Date = new Date()) {
  assertPublishTime(input.publishAt, now);
  return db.transaction(async (tx) => {
    const [notice] = await tx
      .insert(notices)
      .values({ ...input, rolloutId: input.audience.rolloutId, createdBy: actor.id })
      .returning();
    await recordAudit(tx, actor, audit("notice.created", notice!.id, { ...input }));
    return fromStore(notice!);
  });
}

function assertPublishTime(publishAt: Date | null | undefined, now: Date) {
  if (publishAt && publishAt <= now) throw new AppError("invalid", "publishTimeInPast", {}, { field: "publishAt" });
}

async function lockNotice(tx: Db, id: string) {
  const [notice] = await tx.select().from(notices).where(eq(notices.id, id)).for("update");
  if (!notice) throw notFound("notice");
  return fromStore(notice);
}

/** Drafts and scheduled notices can change; published ones only be withdrawn. */
export async function updateNotice(db: Db, actor: AuditActor, input: NoticeUpdateInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const before = await lockNotice(tx, input.id);
    if (before.status !== "draft" && before.status !== "scheduled") throw new AppError("conflict", "publishedNoticeFrozen");
    const { id, ...patch } = input;
    const after = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as typeof before;
    if (after.channels.sms && after.severity !== "critical") throw new AppError("invalid", "smsCriticalOnly", {}, { field: "channels" });
    if (after.channels.sms && !after.audience.roles.includes("merchant")) throw new AppError("invalid", "smsNeedsMerchants", {}, { field: "channels" });
    if (after.channels.inbox && after.audience.roles.length === 0) throw new AppError("invalid", "chooseReaders", {}, { field: "audience" });
    if (after.publishAt && after.expiresAt && after.expiresAt <= after.publishAt) throw new AppError("invalid", "expiryAfterPublish", {}, { field: "expiresAt" });
    // Only a new time must lie ahead: a draft whose old time passed can still be edited.
    if (patch.publishAt !== undefined && patch.publishAt?.getTime() !== before.publishAt?.getTime()) assertPublishTime(patch.publishAt, now);
    // A scheduled notice whose time is taken away goes back to draft.
    const status = before.status === "scheduled" && !after.publishAt ? "draft" : before.status;
    const changes = changedFields(before, { ...patch, status });
    if (Object.keys(changes).length === 0) return before;
    const [row] = await tx
      .update(notices)
      .set({ ...patch, ...(patch.audience && { rolloutId: patch.audience.rolloutId }), status, updatedAt: now })
      .where(eq(notices.id, id))
      .returning();
    await recordAudit(tx, actor, audit("notice.updated", id, changes));
    return fromStore(row!);
  });
}

/** A draft with a publish time waits for it; the publish-notices job publishes it then. */
export async function scheduleNotice(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const notice = await lockNotice(tx, id);
    if (notice.status !== "draft") throw new AppError("conflict", "onlyDraftScheduled");
    if (!notice.publishAt) throw new AppError("invalid", "setPublishTimeFirst", {}, { field: "publishAt" });
    assertPublishTime(notice.publishAt, now);
    await tx.update(notices).set({ status: "scheduled", updatedAt: now }).where(eq(notices.id, id));
    await recordAudit(tx, actor, audit("notice.scheduled", id, { publishAt: notice.publishAt }));
    return { id, status: "scheduled" as const };
  });
}

/** Publishes a draft or scheduled notice now. */
export async function publishNotice(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const notice = await lockNotice(tx, id);
    if (notice.status !== "draft" && notice.status !== "scheduled") throw new AppError("conflict", "noticeAlreadyPublished");
    return publishLocked(tx, actor, notice, now);
  });
}

type NoticeRow = Omit<typeof notices.$inferSelect, "audience"> & { audience: NoticeAudience };

/**
 * Addresses a locked notice to its audience as it is now: a read receipt per console reader, a
 * delivery per terminal, and an SMS per merchant phone for a critical one. The receipts fix who
 * the notice was for, so its rates stay meaningful as the fleet changes.
 */
async function publishLocked(tx: Db, actor: AuditActor, notice: NoticeRow, now: Date) {
  if (notice.expiresAt && notice.expiresAt <= now) throw new AppError("invalid", "noticeExpired", {}, { field: "expiresAt" });
  const { audience, channels } = notice;
  const merchantIds = (await queryRows<{ merchant_id: string }>(tx, audienceMerchantsSql(audience))).map((m) => m.merchant_id);
  const readers = channels.inbox
    ? await queryRows<{ user_id: string }>(tx, sql`insert into notice_reads (notice_id, user_id) select ${notice.id}::uuid, r.user_id from (${audienceReadersSql(audience)}) r returning user_id`)
    : [];
  const terminalCount = channels.terminals
    ? (
        await queryRows<{ n: number }>(
          tx,
          sql`with added as (insert into notice_deliveries (notice_id, terminal_id, merchant_id) select ${notice.id}::uuid, t.terminal_id, t.merchant_id from (${audienceTerminalsSql(audience)}) t returning 1) select count(*)::int as n from added`,
        )
      )[0]!.n
    : 0;
  const sms = channels.sms && notice.severity === "critical" ? await queueNoticeSms(tx, notice, merchantIds, now) : { queued: 0, skipped: 0 };
  await tx.update(notices).set({ status: "published", publishedAt: now, merchantIds, updatedAt: now }).where(eq(notices.id, notice.id));
  const result = { readers: readers.length, terminals: terminalCount, merchants: merchantIds.length, smsQueued: sms.queued, smsSkipped: sms.skipped };
  await recordAudit(tx, actor, audit("notice.published", notice.id, result));
  await notifyNoticesChanged(tx, merchantIds);
  return { id: notice.id, status: "published" as const, ...result };
}

/** The configured SMS provider, refused with a clear message when it cannot send notices. */
function smsNoticeProvider() {
  let provider;
  try {
    provider = smsProviderFromEnv();
  } catch (error) {
    if (error instanceof SmsConfigError) throw new AppError("invalid", "smsNotConfigured", { problem: error.message }, { field: "channels" });
    throw error;
  }
  if (provider.supports && !provider.supports("notice")) throw new AppError("invalid", "smsNoNoticeTemplate", { provider: provider.name }, { field: "channels" });
  return provider;
}

/** One SMS per registered phone, within the per-phone daily limit; sent by the SMS outbox with its retries. */
async function queueNoticeSms(tx: Db, notice: NoticeRow, merchantIds: string[], now: Date) {
  if (merchantIds.length === 0) return { queued: 0, skipped: 0 };
  const inScopeMerchants = sql`m.id in ${uuidList(merchantIds)}`;
  // Publications at the same moment count one phone's messages one after the other (phones in
  // order, so two publications never wait for each other in a cycle).
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(NOTICE_SMS_LOCK_CLASS))}, hashtext(p.phone))
    from (select distinct m.registered_phone as phone from merchants m where ${inScopeMerchants} order by 1) p`);
  const phones = await queryRows<{ phone: string; merchant_id: string; language: MerchantLanguage; sent_today: number }>(
    tx,
    sql`select distinct on (m.registered_phone) m.registered_phone as phone, m.id as merchant_id, m.language,
        (select count(*)::int from sms_outbox o where o."to" = m.registered_phone and o.notice_id is not null and o.status <> 'failed'
          and o.created_at > ${now.toISOString()}::timestamptz - interval '1 day') as sent_today
      from merchants m where ${inScopeMerchants} order by m.registered_phone, m.id`,
  );
  const provider = smsNoticeProvider();
  // Template parameters are short at SMS providers; the console has the whole notice.
  const title = notice.title.length > 30 ? `${notice.title.slice(0, 29)}…` : notice.title;
  let queued = 0;
  for (const p of phones) {
    if (p.sent_today >= NOTICE_SMS_PER_PHONE_PER_DAY) continue;
    const body = criticalNoticeSms(p.language, notice.title);
    await queueSms(tx, { to: p.phone, body, template: "notice", params: { title } }, { noticeId: notice.id, merchantId: p.merchant_id }, provider.name, now);
    queued++;
  }
  return { queued, skipped: phones.length - queued };
}

/** Publishes the scheduled notices that are due, each once however many instances run the job. */
export async function publishDueNotices(db: Db, now: Date = new Date()): Promise<{ published: number }> {
  let published = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const [due] = await tx
        .select()
        .from(notices)
        .where(and(eq(notices.status, "scheduled"), sql`${notices.publishAt} <= ${now.toISOString()}::timestamptz`))
        .orderBy(notices.publishAt)
        .limit(1)
        .for("update", { skipLocked: true });
      if (!due) return false;
      try {
        // In a savepoint, so a failed publication leaves nothing half-written.
        await tx.transaction((savepoint) => publishLocked(savepoint, systemActor, fromStore(due), now));
      } catch (error) {
        // A notice that cannot be published (it expired while it waited, SMS cannot be sent) goes
        // back to draft with the reason, rather than blocking the notices behind it.
        const reason = error instanceof Error ? error.message : String(error);
        await tx.update(notices).set({ status: "draft", updatedAt: now }).where(eq(notices.id, due.id));
        await recordAudit(tx, systemActor, audit("notice.unscheduled", due.id, { reason }));
        return true;
      }
      published++;
      return true;
    });
    if (!done) return { published };
  }
}

/** Takes a scheduled or published notice back: terminals and inboxes stop showing it, queued SMS are not sent. */
export async function withdrawNotice(db: Db, actor: AuditActor, id: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const notice = await lockNotice(tx, id);
    if (notice.status !== "published" && notice.status !== "scheduled") throw new AppError("conflict", "onlyPublishedWithdrawn");
    await tx.update(notices).set({ status: "withdrawn", withdrawnAt: now, updatedAt: now }).where(eq(notices.id, id));
    await cancelStaleNoticeSms(tx, now);
    await recordAudit(tx, actor, audit("notice.withdrawn", id, { from: notice.status }));
    // The consoles it was published to drop it.
    if (notice.status === "published") await notifyNoticesChanged(tx, notice.merchantIds);
    return { id, status: "withdrawn" as const };
  });
}

export async function deleteDraft(db: Db, actor: AuditActor, id: string) {
  return db.transaction(async (tx) => {
    const notice = await lockNotice(tx, id);
    if (notice.status !== "draft") throw new AppError("conflict", "onlyDraftNoticeDeleted");
    await tx.delete(notices).where(eq(notices.id, id));
    await recordAudit(tx, actor, audit("notice.deleted", id, { title: notice.title }));
    return { id };
  });
}

// ---------------------------------------------------------------- terminals chosen in the terminal list

/**
 * Why a notice's audience cannot take listed terminals, or null: one for everyone reaches them
 * already, and one reaching terminals by model, firmware or rollout alone would shrink to the
 * listed ones (they are a place, and those choices narrow every place).
 */
function terminalsRefusedBy(a: Omit<NoticeAudience, "terminalIds">, listed: number) {
  if (a.everyone) return "noticeForEveryoneTakesNoTerminals" as const;
  if (listed === 0 && !hasPlaceFilter({ ...a, terminalIds: [] })) return "noticeTerminalsWouldNarrow" as const;
  return null;
}

/**
 * Adds the selected terminals (by id, or all the terminal list's filter matches, in the caller's
 * scope) to a draft or scheduled notice's listed terminals, each once.
 */
export async function addNoticeTerminals(db: Db, actor: AuditActor, scope: Scope, input: NoticeAddTerminalsInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const notice = await lockNotice(tx, input.noticeId);
    if (notice.status !== "draft" && notice.status !== "scheduled") throw new AppError("conflict", "noticeTakesNoTerminals", { status: notice.status });
    const listed = notice.audience.terminalIds;
    const refused = terminalsRefusedBy(notice.audience, listed.length);
    if (refused) throw new AppError("conflict", refused);
    const selected =
      "ids" in input.selection ? and(sql`${terminals.id} = any(${uuidArray(input.selection.ids)})`, inScope(terminals.merchantId, scope)) : terminalListConditions(scope, input.selection.filter);
    const room = NOTICE_AUDIENCE_TERMINALS_MAX - listed.length;
    // One past the room tells that the selection does not fit, however many terminals it matches.
    const added = await tx
      .select({ id: terminals.id })
      .from(terminals)
      .where(and(selected, listed.length ? sql`not (${terminals.id} = any(${uuidArray(listed)}))` : undefined))
      .limit(room + 1);
    if (added.length > room) throw new AppError("invalid", "noticeTerminalsOverMax", { max: NOTICE_AUDIENCE_TERMINALS_MAX, listed: listed.length });
    if (added.length === 0) {
      // Listed already is fine; a selection of nothing is the caller's mistake.
      const [any] = await tx.select({ id: terminals.id }).from(terminals).where(selected).limit(1);
      if (!any) throw new AppError("invalid", "bulkNothingSelected");
      return { added: 0, total: listed.length };
    }
    const terminalIds = [...listed, ...added.map((t) => t.id)];
    await tx
      .update(notices)
      .set({ audience: { ...notice.audience, terminalIds }, updatedAt: now })
      .where(eq(notices.id, notice.id));
    await recordAudit(tx, actor, audit("notice.updated", notice.id, { terminalsAdded: added.length, terminals: { from: listed.length, to: terminalIds.length } }));
    return { added: added.length, total: terminalIds.length };
  });
}

/** The editable notices a dialog offers, at most this many (a title search finds older ones). */
const EDITABLE_NOTICES_SHOWN = 50;

/**
 * Drafts and scheduled notices, newest first, for a dialog adding terminals to one: each with how
 * many terminals it lists and why it cannot take more (an `errors` reason key), or null.
 */
export async function listEditableNotices(db: Db, input: NoticeEditableListInput) {
  const rows = await db
    .select({
      id: notices.id,
      title: notices.title,
      severity: notices.severity,
      status: notices.status,
      publishAt: notices.publishAt,
      updatedAt: notices.updatedAt,
      // The lists stay in the database: only their length is needed here.
      audience: sql<Omit<NoticeAudience, "terminalIds">>`${notices.audience} - 'terminalIds'`,
      terminals: sql<number>`coalesce(jsonb_array_length(${notices.audience} -> 'terminalIds'), 0)::int`,
    })
    .from(notices)
    .where(and(inArray(notices.status, ["draft", "scheduled"]), input.q ? containsText(notices.title, input.q) : undefined))
    .orderBy(desc(notices.updatedAt), desc(notices.id))
    .limit(EDITABLE_NOTICES_SHOWN);
  return rows.map(({ audience, ...notice }) => ({ ...notice, refusal: terminalsRefusedBy(audience, notice.terminals) }));
}

/**
 * The "Announce to merchants" draft for a rollout, to the merchants and terminals it updates: the
 * version and, when every store shares one, the maintenance window it installs in. In the language
 * of the merchants the rollout reaches, or the admin's (adminLanguage) when they differ or it
 * reaches none yet.
 */
export async function createRolloutNotice(db: Db, actor: AuditActor, rolloutId: string, adminLanguage: MerchantLanguage, now: Date = new Date()) {
  const [rollout] = await db
    .select({ id: rollouts.id, name: rollouts.name, startsAt: rollouts.startsAt, version: firmwareReleases.version })
    .from(rollouts)
    .innerJoin(firmwareReleases, eq(firmwareReleases.id, rollouts.releaseId))
    .where(eq(rollouts.id, rolloutId));
  if (!rollout) throw notFound("rollout");
  // Announcing twice opens the draft already written rather than a second one.
  const [existing] = await db
    .select()
    .from(notices)
    .where(and(eq(notices.rolloutId, rolloutId), eq(notices.status, "draft")))
    .limit(1);
  if (existing) return fromStore(existing);
  const windows = await queryRows<{ starts: string; ends: string }>(
    db,
    sql`select distinct s.maintenance_starts as starts, s.maintenance_ends as ends from update_jobs j join terminals t on t.id = j.terminal_id join stores s on s.id = t.store_id
      where j.rollout_id = ${rolloutId}::uuid and j.status::text in ${jsonList(openJobStatuses)} limit 2`,
  );
  const window = windows.length === 1 ? `${windows[0]!.starts}–${windows[0]!.ends}` : null;
  const languages = await queryRows<{ language: MerchantLanguage }>(
    db,
    sql`select distinct m.language from update_jobs j join terminals t on t.id = j.terminal_id join merchants m on m.id = t.merchant_id
      where j.rollout_id = ${rolloutId}::uuid limit 2`,
  );
  // "Tonight" when the rollout has started or starts within a day; otherwise from its start day.
  const when = rollout.startsAt.getTime() - now.getTime() < 86_400_000 ? { tonight: true as const } : { from: localDay(rollout.startsAt, DEFAULT_TIME_ZONE) };
  const { title, body } = rolloutAnnouncement(languages.length === 1 ? languages[0]!.language : adminLanguage, { version: rollout.version, when, window });
  return createNotice(
    db,
    actor,
    {
      title,
      body,
      severity: "info",
      audience: { everyone: false, merchantIds: [], storeIds: [], regions: [], terminalIds: [], modelIds: [], firmwareVersions: [], rolloutId, roles: ["merchant", "technician"] },
      channels: { inbox: true, terminals: true, sms: false } satisfies NoticeChannels,
      publishAt: null,
      expiresAt: new Date(Math.max(now.getTime(), rollout.startsAt.getTime()) + 7 * 86_400_000),
    },
    now,
  );
}

// ---------------------------------------------------------------- reading (admins)

export async function listNotices(db: Db, input: NoticeListInput) {
  const where = and(
    input.status ? eq(notices.status, input.status) : undefined,
    input.severity ? eq(notices.severity, input.severity) : undefined,
    input.q ? or(containsText(notices.title, input.q), containsText(notices.body, input.q)) : undefined,
  );
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: notices.id,
        title: notices.title,
        severity: notices.severity,
        status: notices.status,
        publishAt: notices.publishAt,
        publishedAt: notices.publishedAt,
        expiresAt: notices.expiresAt,
        createdAt: notices.createdAt,
        readers: sql<number>`(select count(*)::int from notice_reads r where r.notice_id = ${notices.id})`,
        read: sql<number>`(select count(*)::int from notice_reads r where r.notice_id = ${notices.id} and r.read_at is not null)`,
        terminals: sql<number>`(select count(*)::int from notice_deliveries d where d.notice_id = ${notices.id})`,
        acked: sql<number>`(select count(*)::int from notice_deliveries d where d.notice_id = ${notices.id} and d.acked_at is not null)`,
      })
      .from(notices)
      .where(where)
      .orderBy(desc(notices.createdAt), desc(notices.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(notices).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** A notice with its receipts: delivery and acknowledgement rates, and who has not read it yet. */
export async function getNotice(db: Db, id: string) {
  const [notice] = await db.select().from(notices).where(eq(notices.id, id));
  if (!notice) throw notFound("notice");
  const [[receipts], unread, sms] = await Promise.all([
    queryRows<{ readers: number; read: number; terminals: number; delivered: number; acked: number }>(
      db,
      sql`select (select count(*)::int from notice_reads where notice_id = ${id}::uuid) as readers,
        (select count(*)::int from notice_reads where notice_id = ${id}::uuid and read_at is not null) as read,
        (select count(*)::int from notice_deliveries where notice_id = ${id}::uuid) as terminals,
        (select count(*)::int from notice_deliveries where notice_id = ${id}::uuid and delivered_at is not null) as delivered,
        (select count(*)::int from notice_deliveries where notice_id = ${id}::uuid and acked_at is not null) as acked`,
    ),
    db
      .select({ userId: users.id, name: users.name, email: users.email, role: users.role })
      .from(noticeReads)
      .innerJoin(users, eq(users.id, noticeReads.userId))
      .where(and(eq(noticeReads.noticeId, id), isNull(noticeReads.readAt)))
      .orderBy(users.name)
      .limit(200),
    db.select({ status: smsOutbox.status, n: count() }).from(smsOutbox).where(eq(smsOutbox.noticeId, id)).groupBy(smsOutbox.status),
  ]);
  return { ...fromStore(notice), receipts: receipts!, notRead: unread, sms: Object.fromEntries(sms.map((s) => [s.status, s.n])) as Partial<Record<"queued" | "sent" | "failed", number>> };
}

// ---------------------------------------------------------------- inbox (merchant owners and technicians)

/**
 * A published notice addressed to this user, for one of the merchants they may still see: a
 * technician unassigned since no longer reads that merchant's notices.
 */
const addressedTo = (userId: string, scope: Scope) =>
  and(
    eq(noticeReads.userId, userId),
    eq(notices.status, "published"),
    scope.kind === "all" ? undefined : sql`exists (select 1 from jsonb_array_elements_text(${notices.merchantIds}) m where m.value in ${jsonList(scope.merchantIds)})`,
  );

/** Addressed to this user and not yet expired; nobody sees a notice addressed only to others. */
const inboxConditions = (userId: string, scope: Scope, now: Date) => and(addressedTo(userId, scope), or(isNull(notices.expiresAt), sql`${notices.expiresAt} > ${now.toISOString()}::timestamptz`));

export async function inbox(db: Db, userId: string, scope: Scope, input: InboxInput, now: Date = new Date()) {
  const where = and(inboxConditions(userId, scope, now), input.unread ? isNull(noticeReads.readAt) : undefined);
  const [items, [total]] = await Promise.all([
    db
      .select({ id: notices.id, title: notices.title, body: notices.body, severity: notices.severity, publishedAt: notices.publishedAt, expiresAt: notices.expiresAt, readAt: noticeReads.readAt })
      .from(noticeReads)
      .innerJoin(notices, eq(notices.id, noticeReads.noticeId))
      .where(where)
      .orderBy(desc(notices.publishedAt), desc(notices.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(noticeReads).innerJoin(notices, eq(notices.id, noticeReads.noticeId)).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** The unread count for the navigation, and the newest unread critical notices for the banner. */
export async function unreadSummary(db: Db, userId: string, scope: Scope, now: Date = new Date()) {
  const unread = and(inboxConditions(userId, scope, now), isNull(noticeReads.readAt));
  const [[total], critical] = await Promise.all([
    db.select({ n: count() }).from(noticeReads).innerJoin(notices, eq(notices.id, noticeReads.noticeId)).where(unread),
    db
      .select({ id: notices.id, title: notices.title, severity: notices.severity, publishedAt: notices.publishedAt })
      .from(noticeReads)
      .innerJoin(notices, eq(notices.id, noticeReads.noticeId))
      .where(and(unread, eq(notices.severity, "critical" satisfies NoticeSeverity)))
      .orderBy(desc(notices.publishedAt))
      .limit(3),
  ]);
  return { unread: total?.n ?? 0, critical };
}

/** One published notice addressed to this reader, whether read or not. */
export async function inboxNotice(db: Db, userId: string, scope: Scope, id: string) {
  const [row] = await db
    .select({ id: notices.id, title: notices.title, body: notices.body, severity: notices.severity, publishedAt: notices.publishedAt, expiresAt: notices.expiresAt, readAt: noticeReads.readAt })
    .from(noticeReads)
    .innerJoin(notices, eq(notices.id, noticeReads.noticeId))
    .where(and(eq(noticeReads.noticeId, id), addressedTo(userId, scope)));
  if (!row) throw notFound("notice");
  return row;
}

/** Records that the reader opened the notice; the first read time stays. */
export async function readNotice(db: Db, userId: string, scope: Scope, id: string, now: Date = new Date()) {
  await inboxNotice(db, userId, scope, id);
  const [row] = await db
    .update(noticeReads)
    .set({ readAt: sql`coalesce(${noticeReads.readAt}, ${now.toISOString()}::timestamptz)` })
    .where(and(eq(noticeReads.noticeId, id), eq(noticeReads.userId, userId)))
    .returning({ readAt: noticeReads.readAt });
  if (!row) throw notFound("notice");
  return { id, readAt: row.readAt };
}

// ---------------------------------------------------------------- terminals

/**
 * A terminal acknowledges a notice it was sent; repeating is fine. Another terminal's notice, or
 * one sent while the terminal belonged to another merchant, is not found.
 */
export async function acknowledgeNotice(db: Db, device: AuthenticatedDevice, noticeId: string, now: Date = new Date()) {
  const [row] = await db
    .update(noticeDeliveries)
    .set({ ackedAt: sql`coalesce(${noticeDeliveries.ackedAt}, ${now.toISOString()}::timestamptz)`, deliveredAt: sql`coalesce(${noticeDeliveries.deliveredAt}, ${now.toISOString()}::timestamptz)` })
    .where(and(eq(noticeDeliveries.noticeId, noticeId), eq(noticeDeliveries.terminalId, device.terminalId), sql`${noticeDeliveries.merchantId} is not distinct from ${device.merchantId}::uuid`))
    .returning({ noticeId: noticeDeliveries.noticeId });
  if (!row) throw notFound("notice");
  return { ok: true as const };
}

export interface TerminalNotice {
  id: string;
  title: string;
  body: string;
  severity: NoticeSeverity;
  publishedAt: string;
}

/** A heartbeat answer carries at most this many notices, the newest; the rest follow as these are acknowledged. */
export const NOTICES_PER_HEARTBEAT = 10;

/**
 * SQL for the heartbeat's statement: the notices due to the terminals in `checkIns` (a relation
 * with terminal_id, merchant_id and at) that they have not acknowledged, published, unexpired and
 * sent while the terminal belonged to its present merchant; the first delivery is stamped in the
 * same statement.
 */
export function pendingNoticesSql(checkIns: SQL): { ctes: SQL; select: SQL } {
  return {
    ctes: sql`pending_notices as (
        select * from (
          select d.terminal_id, d.notice_id, d.delivered_at, c.at, n.title, n.body, n.severity, n.published_at,
            row_number() over (partition by d.terminal_id order by n.published_at desc) as newest
          from (${checkIns}) c join notice_deliveries d on d.terminal_id = c.terminal_id and d.acked_at is null and d.merchant_id is not distinct from c.merchant_id
          join notices n on n.id = d.notice_id and n.status = 'published' and (n.expires_at is null or n.expires_at > c.at)
        ) ranked where newest <= ${NOTICES_PER_HEARTBEAT}
      ), first_deliveries as (
        update notice_deliveries d set delivered_at = p.at from pending_notices p
        where d.notice_id = p.notice_id and d.terminal_id = p.terminal_id and d.delivered_at is null
      )`,
    select: sql`(select json_agg(json_build_object('terminalId', p.terminal_id, 'id', p.notice_id, 'title', p.title, 'body', p.body, 'severity', p.severity,
        'publishedAt', to_char(p.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) order by p.published_at) from pending_notices p)`,
  };
}
