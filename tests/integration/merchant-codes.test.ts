import { TRPCError } from "@trpc/server";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { auditLog, merchants, stores, terminals } from "@/db/schema";
import { AppError, renderError } from "@/server/errors";
import { createEmptyDatabase, createTestDatabase, demoCallers, merchantNamed, migrateUpTo, storeNamed } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

/** The domain refusal behind a failed call, as the form receives it (reason, parameters, field). */
async function refusalOf(call: Promise<unknown>, code: TRPCError["code"]): Promise<AppError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  expect((error as TRPCError).cause).toBeInstanceOf(AppError);
  return (error as TRPCError).cause as AppError;
}

const merchantCount = async () => (await handle.db.select({ n: count() }).from(merchants))[0]!.n;

describe("merchant and store codes", () => {
  it("gives the demo merchants and stores their fixed codes", async () => {
    expect((await merchantNamed(handle.db, "Demo Coffee")).code).toBe("DEMO-COFFEE");
    expect((await merchantNamed(handle.db, "Other Bakery")).code).toBe("OTHER-BAKERY");
    expect((await storeNamed(handle.db, "Demo Coffee Jing'an")).code).toBe("JINGAN");
    expect((await storeNamed(handle.db, "Other Bakery Chaoyang")).code).toBe("CHAOYANG");
  });

  it("gives the next free code when none is given, and keeps one given in any case upper-case", async () => {
    const first = await as.admin.merchants.create({ name: "Code Tea", registeredPhone: "+8613712340001", contactName: "", contactEmail: "", code: "" });
    const second = await as.admin.merchants.create({ name: "Code Tea Two", registeredPhone: "+8613712340002", contactName: "", contactEmail: "" });
    expect(first.code).toMatch(/^M\d{4,}$/);
    expect(Number(second.code.slice(1))).toBeGreaterThan(Number(first.code.slice(1)));
    const chosen = await as.admin.merchants.create({ name: "Code Tea Three", registeredPhone: "+8613712340003", contactName: "", contactEmail: "", code: " tea-3 " });
    expect(chosen.code).toBe("TEA-3");

    const s1 = await as.admin.merchants.createStore({ merchantId: first.id, name: "Front" });
    const s2 = await as.admin.merchants.createStore({ merchantId: first.id, name: "Back", code: "" });
    const s9 = await as.admin.merchants.createStore({ merchantId: first.id, name: "Kiosk", code: "s009" });
    const s10 = await as.admin.merchants.createStore({ merchantId: first.id, name: "Cart" });
    expect([s1.code, s2.code, s9.code, s10.code]).toEqual(["S001", "S002", "S009", "S010"]);
    // Another merchant's stores count from one again: codes are unique within a merchant.
    expect((await as.admin.merchants.createStore({ merchantId: second.id, name: "Front" })).code).toBe("S001");

    // The audit entry records the code the merchant got, not the empty one asked for.
    const [created] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, first.id), eq(auditLog.action, "merchant.created")));
    expect(created!.changes).toMatchObject({ code: first.code });
  });

  it("refuses a merchant code another merchant has, in any case, marking the field and changing nothing", async () => {
    const before = await merchantCount();
    const refused = await refusalOf(as.admin.merchants.create({ name: "Copycat", registeredPhone: "+8613712340009", contactName: "", contactEmail: "", code: "demo-coffee" }), "CONFLICT");
    expect(refused).toMatchObject({ reason: "merchantCodeTaken", field: "code", params: { code: "DEMO-COFFEE", merchant: "Demo Coffee" } });
    expect(refused.message).toBe("The merchant Demo Coffee already has the code DEMO-COFFEE; choose another one, or leave it empty for the next free code.");
    expect(renderError(refused.reason, refused.params, "zh-CN")).toBe("商户“Demo Coffee”已在使用编码 DEMO-COFFEE；请换一个，或留空以使用下一个空闲编码。");
    expect(await merchantCount()).toBe(before);

    const bakery = await merchantNamed(handle.db, "Other Bakery");
    const onEdit = await refusalOf(as.admin.merchants.update({ id: bakery.id, code: "Demo-Coffee" }), "CONFLICT");
    expect(onEdit).toMatchObject({ reason: "merchantCodeTaken", field: "code" });
    expect((await merchantNamed(handle.db, "Other Bakery")).code).toBe("OTHER-BAKERY");

    // Saving a merchant with its own code is no clash; a new free code is taken, and audited.
    await as.admin.merchants.update({ id: bakery.id, code: "other-bakery", name: "Other Bakery" });
    const renamed = await as.admin.merchants.update({ id: bakery.id, code: "bakery-2" });
    expect(renamed.code).toBe("BAKERY-2");
    const [entry] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, bakery.id), eq(auditLog.action, "merchant.updated")));
    expect(entry!.changes).toEqual({ code: { from: "OTHER-BAKERY", to: "BAKERY-2" } });
    await as.admin.merchants.update({ id: bakery.id, code: "OTHER-BAKERY" });
  });

  it("refuses a store code another store of the same merchant has, and allows it at another merchant", async () => {
    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    const xuhui = await storeNamed(handle.db, "Demo Coffee Xuhui");
    const refused = await refusalOf(as.admin.merchants.createStore({ merchantId: coffee.id, name: "Jing'an Two", code: "jingan" }), "CONFLICT");
    expect(refused).toMatchObject({ reason: "storeCodeTaken", field: "code", params: { code: "JINGAN", store: "Demo Coffee Jing'an" } });
    expect(renderError(refused.reason, refused.params, "zh-CN")).toBe("该商户的门店“Demo Coffee Jing'an”已在使用编码 JINGAN；请换一个，或留空以使用下一个空闲编码。");
    expect(await handle.db.select().from(stores).where(eq(stores.name, "Jing'an Two"))).toEqual([]);
    expect(await refusalOf(as.admin.merchants.updateStore({ id: xuhui.id, code: "JINGAN" }), "CONFLICT")).toMatchObject({ reason: "storeCodeTaken", field: "code" });
    expect((await storeNamed(handle.db, "Demo Coffee Xuhui")).code).toBe("XUHUI");

    const bakery = await merchantNamed(handle.db, "Other Bakery");
    expect((await as.admin.merchants.createStore({ merchantId: bakery.id, name: "Bakery Jing'an", code: "JINGAN" })).code).toBe("JINGAN");
  });

  it("refuses a malformed code, and an empty one on an edit, with the field's own message", async () => {
    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    const base = { name: "Bad Code", registeredPhone: "+8613712340010", contactName: "", contactEmail: "" };
    expect((await fieldErrorsOf(as.admin.merchants.create({ ...base, code: "a b" }))).code).toEqual(["Use only letters, digits and dashes, starting with a letter or a digit."]);
    expect((await fieldErrorsOf(as.admin.merchants.create({ ...base, code: "-ab" }), "zh-CN")).code).toEqual(["只能使用字母、数字和短横线，并以字母或数字开头。"]);
    expect((await fieldErrorsOf(as.admin.merchants.create({ ...base, code: "X".repeat(21) }))).code).toHaveLength(1);
    expect((await fieldErrorsOf(as.admin.merchants.update({ id: coffee.id, code: "  " }))).code).toHaveLength(1);
    expect((await merchantNamed(handle.db, "Demo Coffee")).code).toBe("DEMO-COFFEE");
  });

  it("finds merchants and stores in the list search by code", async () => {
    expect((await as.admin.merchants.list({ q: "demo-cof" })).items.map((m) => [m.name, m.code])).toEqual([["Demo Coffee", "DEMO-COFFEE"]]);
    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    expect((await as.merchant.merchants.getById({ id: coffee.id })).stores.map((s) => s.code)).toEqual(["JINGAN", "XUHUI"]);
  });
});

describe("CSV import by merchant and store codes", () => {
  const row = (values: Partial<Record<string, string>>) => ({ serial_number: "", manufacturer: "PAX", model: "A920 Pro", merchant: "", store: "", firmware_version: "", ...values });
  let twinA: string;
  let twinB: string;
  let counterTwo: string;

  beforeAll(async () => {
    // Two merchants of one name, and a third whose NAME is the first one's code: a code wins.
    const a = await as.admin.merchants.create({ name: "Twin Tea", registeredPhone: "+8613712340021", contactName: "", contactEmail: "", code: "TWIN-A" });
    const b = await as.admin.merchants.create({ name: "Twin Tea", registeredPhone: "+8613712340022", contactName: "", contactEmail: "", code: "TWIN-B" });
    await as.admin.merchants.create({ name: "twin-a", registeredPhone: "+8613712340023", contactName: "", contactEmail: "", code: "LOOKALIKE" });
    twinA = a.id;
    twinB = b.id;
    await as.admin.merchants.createStore({ merchantId: b.id, name: "Counter", code: "C1" });
    counterTwo = (await as.admin.merchants.createStore({ merchantId: b.id, name: "Counter", code: "C2" })).id;
  });

  it("takes a code first (any case), then a name, and lists the codes of an ambiguous name", async () => {
    const rows = [
      { line: 2, values: row({ serial_number: "CODE-0001", merchant: "demo-coffee", store: "xuhui" }) },
      { line: 3, values: row({ serial_number: "CODE-0002", merchant: "Other Bakery", store: "Other Bakery Chaoyang" }) },
      { line: 4, values: row({ serial_number: "CODE-0003", merchant: "Twin Tea" }) },
      { line: 5, values: row({ serial_number: "CODE-0004", merchant: "TWIN-A" }) },
      { line: 6, values: row({ serial_number: "CODE-0005", merchant: "twin-b", store: "Counter" }) },
      { line: 7, values: row({ serial_number: "CODE-0006", merchant: "twin-b", store: "c2" }) },
      { line: 8, values: row({ serial_number: "CODE-0007", merchant: "DEMO-COFFEE", store: "CHAOYANG" }) },
      { line: 9, values: row({ serial_number: "CODE-0008", merchant: "M-NOBODY" }) },
    ];
    const result = await as.admin.terminals.import({ rows, dryRun: false });
    expect(result).toMatchObject({ total: 8, valid: 4, imported: 4 });
    const problems = Object.fromEntries(result.errors.map((e) => [e.line, e.problems.map(({ column, value, reason, params }) => ({ column, value, reason, params }))]));
    expect(problems).toEqual({
      4: [{ column: "merchant", value: "Twin Tea", reason: "importMerchantAmbiguous", params: { count: 2, codes: "TWIN-A, TWIN-B" } }],
      6: [{ column: "store", value: "Counter", reason: "importStoreAmbiguous", params: { count: 2, codes: "C1, C2", merchant: "Twin Tea" } }],
      // A store's code is looked up among its merchant's stores only.
      8: [{ column: "store", value: "CHAOYANG", reason: "importStoreUnknown", params: { merchant: "Demo Coffee" } }],
      9: [{ column: "merchant", value: "M-NOBODY", reason: "importMerchantUnknown", params: {} }],
    });
    const message = (line: number) => result.errors.find((e) => e.line === line)!.problems[0]!.message;
    expect(message(4)).toBe("Row 4, merchant “Twin Tea”: 2 merchants have this name (codes TWIN-A, TWIN-B), so the row could belong to any of them; write the code of the one you mean instead.");
    expect(message(6)).toBe("Row 6, store “Counter”: 2 stores of Twin Tea have this name (codes C1, C2); write the code of the one you mean instead.");

    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    const bakery = await merchantNamed(handle.db, "Other Bakery");
    const xuhui = await storeNamed(handle.db, "Demo Coffee Xuhui");
    const chaoyang = await storeNamed(handle.db, "Other Bakery Chaoyang");
    const imported = await handle.db
      .select({ serial: terminals.serialNumber, merchantId: terminals.merchantId, storeId: terminals.storeId })
      .from(terminals)
      .where(inArray(terminals.serialNumber, ["CODE-0001", "CODE-0002", "CODE-0004", "CODE-0006"]))
      .orderBy(terminals.serialNumber);
    expect(imported).toEqual([
      { serial: "CODE-0001", merchantId: coffee.id, storeId: xuhui.id },
      { serial: "CODE-0002", merchantId: bakery.id, storeId: chaoyang.id },
      // "TWIN-A" is a code and a name; the code wins.
      { serial: "CODE-0004", merchantId: twinA, storeId: null },
      { serial: "CODE-0006", merchantId: twinB, storeId: counterTwo },
    ]);
  });

  it("tells the reader in Chinese which codes to use", async () => {
    const result = await as.admin.terminals.import({ rows: [{ line: 2, values: row({ serial_number: "CODE-0100", merchant: "twin tea" }) }], dryRun: true });
    const { reason, params } = result.errors[0]!.problems[0]!;
    expect(renderError(reason, params, "zh-CN")).toBe("有 2 个商户叫这个名称（编码 TWIN-A, TWIN-B），无法确定此行属于哪一个；请改填您要的那个商户的编码。");
  });
});

describe("migration 0023 on a database that already holds merchants and stores", () => {
  let fresh: DbHandle | undefined;
  afterAll(async () => {
    await fresh?.close();
  });

  it("numbers merchants in creation order and stores within each merchant, uniquely, and keeps numbering after", async () => {
    fresh = await createEmptyDatabase();
    const { db } = fresh;
    await migrateUpTo(fresh, "0022_work_order_saves_and_photos");
    // Created in the order C, A, B (two of one name), whatever order they were inserted in.
    const inserted = await queryRows<{ id: string; name: string }>(
      db,
      sql`insert into merchants (name, registered_phone, created_at) values
        ('A', '+8613700000001', now() - interval '2 days'),
        ('B', '+8613700000002', now() - interval '1 day'),
        ('B', '+8613700000003', now()),
        ('C', '+8613700000004', now() - interval '3 days')
        returning id, name`,
    );
    const id = (name: string) => inserted.find((m) => m.name === name)!.id;
    await db.execute(sql`insert into stores (merchant_id, name, created_at) values
      (${id("A")}, 'Second', now() - interval '1 hour'), (${id("A")}, 'First', now() - interval '2 hours'), (${id("A")}, 'First', now()),
      (${id("C")}, 'Only', now())`);

    await migrateDatabase(fresh);

    const codes = await queryRows<{ name: string; registered_phone: string; code: string }>(db, sql`select name, registered_phone, code from merchants order by code`);
    expect(codes.map((m) => [m.name, m.registered_phone, m.code])).toEqual([
      ["C", "+8613700000004", "M0001"],
      ["A", "+8613700000001", "M0002"],
      ["B", "+8613700000002", "M0003"],
      ["B", "+8613700000003", "M0004"],
    ]);
    const storeCodes = await queryRows<{ merchant: string; name: string; code: string }>(
      db,
      sql`select m.name as merchant, s.name, s.code from stores s join merchants m on m.id = s.merchant_id order by m.name, s.code`,
    );
    expect(storeCodes.map((s) => [s.merchant, s.name, s.code])).toEqual([
      ["A", "First", "S001"],
      ["A", "Second", "S002"],
      ["A", "First", "S003"],
      ["C", "Only", "S001"],
    ]);

    // New rows continue the numbering, skipping a code someone chose by hand, and the database refuses a duplicate.
    await db.execute(sql`insert into merchants (name, registered_phone, code) values ('Chosen', '+8613700000005', 'M0005')`);
    await db.execute(sql`insert into merchants (name, registered_phone) values ('Next', '+8613700000006')`);
    await db.execute(sql`insert into stores (merchant_id, name) values (${id("A")}, 'Fourth'), (${id("A")}, 'Fifth')`);
    expect((await queryRows<{ code: string }>(db, sql`select code from merchants where name = 'Next'`))[0]!.code).toBe("M0006");
    expect((await queryRows<{ code: string }>(db, sql`select code from stores where name in ('Fourth', 'Fifth') order by code`)).map((s) => s.code)).toEqual(["S004", "S005"]);
    await expect(db.execute(sql`insert into merchants (name, registered_phone, code) values ('Clash', '+8613700000007', 'M0001')`)).rejects.toThrow();
    await expect(db.execute(sql`insert into merchants (name, registered_phone, code) values ('Lower', '+8613700000008', 'm0009')`)).rejects.toThrow();
  });
});
