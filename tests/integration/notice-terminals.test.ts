import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { queryRows, type Db, type DbHandle } from "@/db/client";
import { auditLog, merchants, noticeDeliveries, noticeReads, notices, stores, technicianAssignments, terminals, users } from "@/db/schema";
import { NOTICE_AUDIENCE_TERMINALS_MAX, type StoredNoticeAudience } from "@/db/schema/values";
import { audienceInput, noticeCreateInput, noticeUpdateInput } from "@/server/schemas/notices";
import type { AuditActor } from "@/server/services/audit";
import { createNotice, getNotice, previewAudience, publishNotice, updateNotice } from "@/server/services/notices";
import { createTestDatabase, demoCallers, demoEmails, FIXED_NOW, merchantNamed, viewerByEmail } from "../helpers/db";
import { refusal } from "../helpers/refusal";

let handle: DbHandle;
let db: Db;
let callers: Awaited<ReturnType<typeof demoCallers>>;
let admin: AuditActor;
const T = FIXED_NOW;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.db;
  callers = await demoCallers(db);
  const viewer = await viewerByEmail(db, demoEmails.admin);
  admin = { id: viewer.id, label: viewer.email, ip: null };
});
afterAll(async () => handle?.close());

async function terminalNamed(serial: string) {
  const [row] = await db.select().from(terminals).where(eq(terminals.serialNumber, serial));
  if (!row) throw new Error(`no terminal ${serial}`);
  return row;
}

/** Active terminals of a merchant, by serial. */
async function activeTerminalsOf(merchantName: string) {
  const merchant = await merchantNamed(db, merchantName);
  return db
    .select()
    .from(terminals)
    .where(and(eq(terminals.merchantId, merchant.id), eq(terminals.status, "active")))
    .orderBy(asc(terminals.serialNumber));
}

function draft(audience: z.input<typeof audienceInput>, title = "Listed terminals") {
  return createNotice(db, admin, noticeCreateInput.parse({ title, body: "Something to know.", channels: { inbox: true, terminals: true }, audience }), T);
}

/** The enabled owners and assigned technicians of these merchants, worked out without the service's SQL. */
async function readersOf(merchantIds: string[]) {
  const all = await db.select().from(users);
  const assignments = await db.select().from(technicianAssignments);
  const readers = all.filter(
    (u) =>
      !u.disabled &&
      ((u.role === "merchant" && u.merchantId !== null && merchantIds.includes(u.merchantId)) ||
        (u.role === "technician" && assignments.some((a) => a.technicianId === u.id && merchantIds.includes(a.merchantId)))),
  );
  return { emails: readers.map((u) => u.email).sort(), owners: readers.filter((u) => u.role === "merchant").length, technicians: readers.filter((u) => u.role === "technician").length };
}

async function phonesOf(merchantIds: string[]) {
  const rows = await db.selectDistinct({ phone: merchants.registeredPhone }).from(merchants).where(inArray(merchants.id, merchantIds));
  return rows.length;
}

/** Who a published notice went to: readers by email, terminals by serial. */
async function receiptsOf(noticeId: string) {
  const reads = await db.select({ email: users.email }).from(noticeReads).innerJoin(users, eq(users.id, noticeReads.userId)).where(eq(noticeReads.noticeId, noticeId));
  const deliveries = await db
    .select({ serial: terminals.serialNumber })
    .from(noticeDeliveries)
    .innerJoin(terminals, eq(terminals.id, noticeDeliveries.terminalId))
    .where(eq(noticeDeliveries.noticeId, noticeId));
  return { readers: reads.map((r) => r.email).sort(), terminals: deliveries.map((d) => d.serial).sort() };
}

/** The terminal list as stored; every notice written since terminals could be listed has one. */
async function storedList(id: string) {
  const [row] = await db.select({ audience: notices.audience }).from(notices).where(eq(notices.id, id));
  if (!row?.audience.terminalIds) throw new Error(`notice ${id} has no stored terminalIds`);
  return row.audience.terminalIds;
}

const nobody = { terminals: 0, merchants: 0, merchantUsers: 0, technicians: 0, smsPhones: 0 };

describe("the audience schema", () => {
  it("counts listed terminals as a target: alone they make an audience, and they do not combine with everyone", () => {
    const id = randomUUID();
    expect(audienceInput.parse({ terminalIds: [id] }).terminalIds).toEqual([id]);
    expect(audienceInput.parse({ merchantIds: [id] }).terminalIds).toEqual([]);
    const narrowed = audienceInput.safeParse({ everyone: true, terminalIds: [id] });
    expect(narrowed.success).toBe(false);
    expect(narrowed.error?.issues.map((i) => i.message)).toEqual(["audienceEveryoneNarrowed"]);
    expect(audienceInput.safeParse({ terminalIds: ["not-an-id"] }).success).toBe(false);
  });

  it(`lists at most ${NOTICE_AUDIENCE_TERMINALS_MAX} terminals`, () => {
    const ids = Array.from({ length: NOTICE_AUDIENCE_TERMINALS_MAX + 1 }, () => randomUUID());
    expect(audienceInput.safeParse({ terminalIds: ids.slice(1) }).success).toBe(true);
    const over = audienceInput.safeParse({ terminalIds: ids });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]).toMatchObject({ code: "too_big", path: ["terminalIds"] });
  });
});

describe("listed terminals in an audience", () => {
  it("preview and publication reach the listed terminals and their merchants' readers, and no other terminal", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const [bakery] = await activeTerminalsOf("Other Bakery");
    const merchantIds = [demo!.merchantId!, bakery!.merchantId!];
    const readers = await readersOf(merchantIds);
    expect(readers.owners).toBeGreaterThan(1);
    expect(readers.technicians).toBeGreaterThan(0);

    const notice = await draft({ terminalIds: [demo!.id, bakery!.id] });
    expect(notice.audience.terminalIds).toEqual([demo!.id, bakery!.id]);
    expect(await previewAudience(db, notice.audience)).toEqual({ terminals: 2, merchants: 2, merchantUsers: readers.owners, technicians: readers.technicians, smsPhones: await phonesOf(merchantIds) });

    const result = await publishNotice(db, admin, notice.id, T);
    expect(result).toMatchObject({ terminals: 2, merchants: 2, readers: readers.emails.length });
    expect(await receiptsOf(notice.id)).toEqual({ readers: readers.emails, terminals: [bakery!.serialNumber, demo!.serialNumber].sort() });
  });

  it("adds the listed terminals to the chosen places", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const [store] = await db.select().from(stores).where(eq(stores.merchantId, bakery.id));
    const atStore = await db
      .select({ serial: terminals.serialNumber })
      .from(terminals)
      .where(and(eq(terminals.storeId, store!.id), inArray(terminals.status, ["active", "faulty"])));
    expect(atStore.length).toBeGreaterThan(0);
    const notice = await draft({ storeIds: [store!.id], terminalIds: [demo!.id] });
    expect(await previewAudience(db, notice.audience)).toMatchObject({ terminals: atStore.length + 1, merchants: 2 });
    await publishNotice(db, admin, notice.id, T);
    expect((await receiptsOf(notice.id)).terminals).toEqual([...atStore.map((t) => t.serial), demo!.serialNumber].sort());
  });

  it("is narrowed by model: a listed terminal of another model is not reached, nor its merchant's readers", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const otherModel = (await activeTerminalsOf("Other Bakery")).find((t) => t.modelId !== demo!.modelId);
    expect(otherModel, "Other Bakery has a terminal of another model than Demo Coffee's first").toBeDefined();
    const readers = await readersOf([demo!.merchantId!]);

    const notice = await draft({ terminalIds: [demo!.id, otherModel!.id], modelIds: [demo!.modelId] });
    expect(await previewAudience(db, notice.audience)).toEqual({ terminals: 1, merchants: 1, merchantUsers: readers.owners, technicians: readers.technicians, smsPhones: 1 });
    await publishNotice(db, admin, notice.id, T);
    expect(await receiptsOf(notice.id)).toEqual({ readers: readers.emails, terminals: [demo!.serialNumber] });
  });

  it("leaves out a listed terminal out of service, or of a suspended merchant, with their merchants' readers", async () => {
    const inStock = await terminalNamed("DEMO-0101");
    expect(inStock.status).toBe("in_stock");
    const demoActive = await activeTerminalsOf("Demo Coffee");
    const suspended = demoActive.at(-1)!;
    const live = demoActive.at(-2)!;
    const [lotusTerminal] = await activeTerminalsOf("Lotus Noodle House");
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    const bakery = await merchantNamed(db, "Other Bakery");
    const bakeryRetired = await db.insert(terminals).values({ serialNumber: "NOTICE-RETIRED-1", modelId: live.modelId, merchantId: bakery.id, status: "retired" }).returning();

    await db.update(terminals).set({ status: "suspended" }).where(eq(terminals.id, suspended.id));
    await db.update(merchants).set({ status: "suspended" }).where(eq(merchants.id, lotus.id));
    try {
      // Only terminals out of service: nobody at all, not their merchants' people.
      const outOfService = await draft({ terminalIds: [inStock.id, suspended.id, lotusTerminal!.id, bakeryRetired[0]!.id] });
      expect(await previewAudience(db, outOfService.audience)).toEqual(nobody);

      const readers = await readersOf([live.merchantId!]);
      const notice = await draft({ terminalIds: [inStock.id, suspended.id, lotusTerminal!.id, bakeryRetired[0]!.id, live.id] });
      expect(await previewAudience(db, notice.audience)).toEqual({ terminals: 1, merchants: 1, merchantUsers: readers.owners, technicians: readers.technicians, smsPhones: 1 });
      const result = await publishNotice(db, admin, notice.id, T);
      expect(result).toMatchObject({ terminals: 1, merchants: 1 });
      expect(await receiptsOf(notice.id)).toEqual({ readers: readers.emails, terminals: [live.serialNumber] });
      expect((await db.select({ merchantIds: notices.merchantIds }).from(notices).where(eq(notices.id, notice.id)))[0]!.merchantIds).toEqual([live.merchantId]);
    } finally {
      await db.update(merchants).set({ status: "active" }).where(eq(merchants.id, lotus.id));
      await db.update(terminals).set({ status: "active" }).where(eq(terminals.id, suspended.id));
    }
  });

  it("previews a saved notice's list by naming the notice, as the composer does", async () => {
    const [demo, demo2] = await activeTerminalsOf("Demo Coffee");
    const [bakery] = await activeTerminalsOf("Other Bakery");
    const notice = await draft({ terminalIds: [demo!.id, demo2!.id], modelIds: [] });
    const byNotice = await callers.admin.notices.preview({ terminalsOf: notice.id });
    expect(byNotice).toEqual(await previewAudience(db, notice.audience));
    expect(byNotice.terminals).toBe(2);
    // Ids sent along count once, with the saved ones.
    expect((await callers.admin.notices.preview({ terminalsOf: notice.id, terminalIds: [demo!.id, bakery!.id] })).terminals).toBe(3);
    expect((await refusal(callers.admin.notices.preview({ terminalsOf: randomUUID() }))).code).toBe("NOT_FOUND");
    // A list emptied since reaches nobody, not the whole fleet.
    await db
      .update(notices)
      .set({ audience: { ...notice.audience, terminalIds: [] } })
      .where(eq(notices.id, notice.id));
    expect(await callers.admin.notices.preview({ terminalsOf: notice.id })).toEqual(nobody);
  });

  it("keeps the list when the notice is saved again, as the composer saves it", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const notice = await draft({ merchantIds: [(await merchantNamed(db, "Harbor Books")).id], terminalIds: [demo!.id] });
    const loaded = await getNotice(db, notice.id);
    await updateNotice(db, admin, noticeUpdateInput.parse({ id: notice.id, title: "Renamed", audience: loaded.audience }), T);
    await updateNotice(db, admin, noticeUpdateInput.parse({ id: notice.id, body: "Only the body." }), T);
    expect(await storedList(notice.id)).toEqual([demo!.id]);
  });
});

describe("notices.addTerminals", () => {
  it("adds terminals by id and by the terminal list's filter, each once, audited as a notice update", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const bakery = await merchantNamed(db, "Other Bakery");
    const [d1, d2, d3] = await activeTerminalsOf("Demo Coffee");
    const notice = await draft({ merchantIds: [harbor.id] });
    const add = (selection: Parameters<typeof callers.admin.notices.addTerminals>[0]["selection"]) => callers.admin.notices.addTerminals({ noticeId: notice.id, selection });

    expect(await add({ ids: [d1!.id, d2!.id] })).toEqual({ added: 2, total: 2 });
    expect(await add({ ids: [d2!.id, d3!.id, d3!.id] })).toEqual({ added: 1, total: 3 });

    const bakeryTerminals = await db.select({ id: terminals.id }).from(terminals).where(eq(terminals.merchantId, bakery.id));
    expect(bakeryTerminals.length).toBeGreaterThan(1);
    expect(await add({ filter: { merchantId: bakery.id } })).toEqual({ added: bakeryTerminals.length, total: 3 + bakeryTerminals.length });
    // Already listed: nothing added, nothing audited.
    expect(await add({ filter: { merchantId: bakery.id } })).toEqual({ added: 0, total: 3 + bakeryTerminals.length });

    const listed = await storedList(notice.id);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([d1!.id, d2!.id, d3!.id, ...bakeryTerminals.map((t) => t.id)].sort());
    // The rest of the audience is as it was.
    expect((await getNotice(db, notice.id)).audience).toMatchObject({ everyone: false, merchantIds: [harbor.id], storeIds: [], modelIds: [] });

    const audits = await db
      .select({ action: auditLog.action, changes: auditLog.changes })
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "notice"), eq(auditLog.entityId, notice.id), eq(auditLog.action, "notice.updated")))
      .orderBy(asc(auditLog.id));
    expect(audits.map((a) => a.changes)).toEqual([
      { terminalsAdded: 2, terminals: { from: 0, to: 2 } },
      { terminalsAdded: 1, terminals: { from: 2, to: 3 } },
      { terminalsAdded: bakeryTerminals.length, terminals: { from: 3, to: 3 + bakeryTerminals.length } },
    ]);
  });

  it("refuses a selection that matches no terminal", async () => {
    const notice = await draft({ merchantIds: [(await merchantNamed(db, "Harbor Books")).id] });
    for (const selection of [{ ids: [randomUUID()] }, { filter: { q: "NO-SUCH-SERIAL-AT-ALL" } }]) {
      expect(await refusal(callers.admin.notices.addTerminals({ noticeId: notice.id, selection }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/selection/) });
    }
    expect(await storedList(notice.id)).toEqual([]);
  });

  it("takes terminals only into a draft or scheduled notice that can list them", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const harbor = await merchantNamed(db, "Harbor Books");
    const selection = { ids: [demo!.id] };

    const scheduled = await createNotice(
      db,
      admin,
      noticeCreateInput.parse({ title: "Later", body: "Soon.", channels: { inbox: true }, audience: { merchantIds: [harbor.id] }, publishAt: new Date(Date.now() + 86_400_000) }),
    );
    await callers.admin.notices.schedule({ id: scheduled.id });
    expect(await callers.admin.notices.addTerminals({ noticeId: scheduled.id, selection })).toEqual({ added: 1, total: 1 });

    const published = await draft({ merchantIds: [harbor.id] });
    await publishNotice(db, admin, published.id, T);
    const frozen = await refusal(callers.admin.notices.addTerminals({ noticeId: published.id, selection }));
    expect(frozen).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/draft or scheduled.*published/) });
    expect(await storedList(published.id)).toEqual([]);

    const everyone = await draft({ everyone: true });
    expect(await refusal(callers.admin.notices.addTerminals({ noticeId: everyone.id, selection }))).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/everyone/) });
    // By model alone it reaches every terminal of that model; a list would shrink it to the listed ones.
    const byModel = await draft({ modelIds: [demo!.modelId] });
    expect(await refusal(callers.admin.notices.addTerminals({ noticeId: byModel.id, selection }))).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/narrow/) });
    for (const id of [everyone.id, byModel.id]) expect(await storedList(id)).toEqual([]);

    expect((await refusal(callers.admin.notices.addTerminals({ noticeId: randomUUID(), selection }))).code).toBe("NOT_FOUND");
    expect((await refusal(callers.technician.notices.addTerminals({ noticeId: published.id, selection }))).code).toBe("FORBIDDEN");
  });

  it(`refuses to list more than ${NOTICE_AUDIENCE_TERMINALS_MAX} terminals, saying the limit`, async () => {
    const [d1, d2] = await activeTerminalsOf("Demo Coffee");
    const notice = await draft({ merchantIds: [(await merchantNamed(db, "Harbor Books")).id] });
    // Ids of no terminal: the limit is on the list's length, and no rows need inserting to reach it.
    const filler = Array.from({ length: NOTICE_AUDIENCE_TERMINALS_MAX - 1 }, () => randomUUID());
    await db
      .update(notices)
      .set({ audience: { ...notice.audience, terminalIds: filler } })
      .where(eq(notices.id, notice.id));

    const over = await refusal(callers.admin.notices.addTerminals({ noticeId: notice.id, selection: { ids: [d1!.id, d2!.id] } }));
    expect(over.code).toBe("BAD_REQUEST");
    expect(over.message).toContain("10,000");
    expect(over.message).toMatch(/merchants, stores or models/);
    expect(await storedList(notice.id)).toHaveLength(NOTICE_AUDIENCE_TERMINALS_MAX - 1);

    expect(await callers.admin.notices.addTerminals({ noticeId: notice.id, selection: { ids: [d1!.id] } })).toEqual({ added: 1, total: NOTICE_AUDIENCE_TERMINALS_MAX });
    expect((await refusal(callers.admin.notices.addTerminals({ noticeId: notice.id, selection: { ids: [d2!.id] } }))).code).toBe("BAD_REQUEST");
    // Listed already: nothing to add, so nothing goes past the limit.
    expect(await callers.admin.notices.addTerminals({ noticeId: notice.id, selection: { ids: [d1!.id] } })).toEqual({ added: 0, total: NOTICE_AUDIENCE_TERMINALS_MAX });
  });
});

describe("notices.editableList", () => {
  it("offers the drafts and scheduled notices, with their lists and why one cannot take terminals", async () => {
    const [demo] = await activeTerminalsOf("Demo Coffee");
    const harbor = await merchantNamed(db, "Harbor Books");
    const listing = await draft({ merchantIds: [harbor.id], terminalIds: [demo!.id] }, "Editable listing");
    const everyone = await draft({ everyone: true }, "Editable everyone");
    const byModel = await draft({ modelIds: [demo!.modelId] }, "Editable by model");
    const listOnly = await draft({ modelIds: [demo!.modelId], terminalIds: [demo!.id] }, "Editable list and model");
    const gone = await draft({ merchantIds: [harbor.id] }, "Editable published");
    await publishNotice(db, admin, gone.id, T);

    const items = await callers.admin.notices.editableList({ q: "Editable" });
    const byId = new Map(items.map((n) => [n.id, n]));
    expect(byId.has(gone.id)).toBe(false);
    expect(byId.get(listing.id)).toMatchObject({ title: "Editable listing", status: "draft", terminals: 1, refusal: null });
    expect(byId.get(everyone.id)).toMatchObject({ terminals: 0, refusal: "noticeForEveryoneTakesNoTerminals" });
    expect(byId.get(byModel.id)).toMatchObject({ terminals: 0, refusal: "noticeTerminalsWouldNarrow" });
    // Its list is a place already: more terminals only widen it.
    expect(byId.get(listOnly.id)).toMatchObject({ terminals: 1, refusal: null });
    expect(items.every((n) => n.status === "draft" || n.status === "scheduled")).toBe(true);
    expect(items.every((n) => n.title.includes("Editable"))).toBe(true);

    const all = await callers.admin.notices.editableList({});
    expect(all.some((n) => n.status === "scheduled")).toBe(true);
  });
});

describe("an audience stored before terminals could be listed", () => {
  async function legacyNotice(title: string) {
    const demo = await merchantNamed(db, "Demo Coffee");
    const audience: StoredNoticeAudience = {
      everyone: false,
      merchantIds: [demo.id],
      storeIds: [],
      regions: [],
      modelIds: [],
      firmwareVersions: [],
      rolloutId: null,
      roles: ["merchant", "technician"],
    };
    const [row] = await db
      .insert(notices)
      .values({ title, body: "Written long ago.", audience, channels: { inbox: true, terminals: true, sms: false } })
      .returning();
    const [stored] = await queryRows<{ listed: boolean }>(db, sql`select audience ? 'terminalIds' as listed from notices where id = ${row!.id}::uuid`);
    expect(stored!.listed).toBe(false);
    return { id: row!.id, merchantId: demo.id };
  }

  it("reads as listing none, previews and publishes to its places", async () => {
    const { id, merchantId } = await legacyNotice("From before");
    const loaded = await getNotice(db, id);
    expect(loaded.audience.terminalIds).toEqual([]);
    const expected = await previewAudience(db, audienceInput.parse({ merchantIds: [merchantId] }));
    expect(expected.terminals).toBeGreaterThan(0);
    expect(await previewAudience(db, loaded.audience)).toEqual(expected);
    expect(await callers.admin.notices.preview({ terminalsOf: id, merchantIds: [merchantId] })).toEqual(expected);

    // Saving one field changes that field only: the missing list is no change of audience.
    await updateNotice(db, admin, noticeUpdateInput.parse({ id, title: "From before, renamed" }), T);
    const [update] = await db
      .select({ changes: auditLog.changes })
      .from(auditLog)
      .where(and(eq(auditLog.entityId, id), eq(auditLog.action, "notice.updated")));
    expect(Object.keys(update!.changes)).toEqual(["title"]);

    const result = await publishNotice(db, admin, id, T);
    expect(result).toMatchObject({ terminals: expected.terminals, merchants: 1, readers: expected.merchantUsers + expected.technicians });
  });

  it("takes terminals", async () => {
    const { id } = await legacyNotice("From before, with terminals");
    const [bakery] = await activeTerminalsOf("Other Bakery");
    expect(await callers.admin.notices.addTerminals({ noticeId: id, selection: { ids: [bakery!.id] } })).toEqual({ added: 1, total: 1 });
    expect(await storedList(id)).toEqual([bakery!.id]);
  });
});
