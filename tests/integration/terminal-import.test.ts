import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { merchants, stores, terminals } from "@/db/schema";
import { createCaller } from "@/server/root";
import { createTestDatabase, merchantNamed, storeNamed, viewerByEmail, demoEmails } from "../helpers/db";

let handle: DbHandle;
let admin: ReturnType<typeof createCaller>;
let adminInChinese: ReturnType<typeof createCaller>;

const row = (values: Partial<Record<string, string>>) => ({ serial_number: "", manufacturer: "PAX", model: "A920 Pro", merchant: "", store: "", firmware_version: "", ...values });

beforeAll(async () => {
  handle = await createTestDatabase();
  const viewer = await viewerByEmail(handle.db, demoEmails.admin);
  admin = createCaller({ db: handle.db, viewer, ip: "192.0.2.10", locale: "en" });
  adminInChinese = createCaller({ db: handle.db, viewer, ip: "192.0.2.10", locale: "zh-CN" });
  // Two merchants share a name, and one merchant has two stores of one name: neither can be told apart by name.
  await handle.db.insert(merchants).values([
    { name: "Twin Noodles", registeredPhone: "+8613700000001" },
    { name: "Twin Noodles", registeredPhone: "+8613700000002" },
  ]);
  const [tea] = await handle.db.insert(merchants).values({ name: "Tea House", registeredPhone: "+8613700000003" }).returning();
  await handle.db.insert(stores).values([
    { merchantId: tea!.id, name: "Front Counter" },
    { merchantId: tea!.id, name: "Front Counter" },
    { merchantId: tea!.id, name: "Back Office" },
  ]);
});
afterAll(async () => handle?.close());

/** The codes the database gave the two Twin Noodles, as a row error lists them. */
const twinCodes = async () =>
  (await handle.db.select({ code: merchants.code }).from(merchants).where(eq(merchants.name, "Twin Noodles")))
    .map((m) => m.code)
    .sort()
    .join(", ");

describe("CSV import by merchant and store names", () => {
  const rows = [
    // Names match without case and extra spaces, as people type them.
    { line: 2, values: row({ serial_number: "NAME-0001", merchant: "  demo  COFFEE ", store: "demo coffee jing'an" }) },
    { line: 3, values: row({ serial_number: "NAME-0002", merchant: "Twin Noodles" }) },
    { line: 4, values: row({ serial_number: "NAME-0003", merchant: "Nobody's Cafe" }) },
    { line: 5, values: row({ serial_number: "NAME-0004", store: "Back Office" }) },
    { line: 6, values: row({ serial_number: "NAME-0005", merchant: "Tea House", store: "Front Counter" }) },
    { line: 7, values: row({ serial_number: "NAME-0006", merchant: "Tea House", store: "Back Office" }) },
    { line: 8, values: row({ serial_number: "NAME-0007", merchant: "Tea House", store: "Other Bakery Chaoyang" }) },
    { line: 9, values: row({ serial_number: "!" }) },
    { line: 10, values: row({ serial_number: "NAME-0009", model: "Z9" }) },
    { line: 11, values: row({ serial_number: "NAME-0001" }) },
  ];

  it("finds merchants and stores by name and refuses unknown and ambiguous names, quoting the value", async () => {
    const result = await admin.terminals.import({ rows, dryRun: false });
    expect(result).toMatchObject({ total: 10, valid: 2, imported: 2 });
    const problems = Object.fromEntries(result.errors.map((e) => [e.line, e.problems.map(({ column, value, reason }) => ({ column, value, reason }))]));
    expect(problems).toEqual({
      3: [{ column: "merchant", value: "Twin Noodles", reason: "importMerchantAmbiguous" }],
      4: [{ column: "merchant", value: "Nobody's Cafe", reason: "importMerchantUnknown" }],
      5: [{ column: "store", value: "Back Office", reason: "importStoreWithoutMerchant" }],
      6: [{ column: "store", value: "Front Counter", reason: "importStoreAmbiguous" }],
      8: [{ column: "store", value: "Other Bakery Chaoyang", reason: "importStoreUnknown" }],
      9: [{ column: "serial_number", value: "!", reason: expect.any(String) }],
      10: [{ column: "model", value: "PAX Z9", reason: "importModelUnknown" }],
      11: [{ column: "serial_number", value: "NAME-0001", reason: "importSerialRepeated" }],
    });
    const messages = Object.fromEntries(result.errors.map((e) => [e.line, e.problems.map((p) => p.message).join(" ")]));
    expect(messages[3]).toBe(
      `Row 3, merchant “Twin Noodles”: 2 merchants have this name (codes ${await twinCodes()}), so the row could belong to any of them; write the code of the one you mean instead.`,
    );
    expect(messages[4]).toBe("Row 4, merchant “Nobody's Cafe”: No merchant has this code or name; check it on the Merchants page.");
    expect(messages[6]).toContain("2 stores of Tea House have this name (codes ");
    expect(messages[9]).toMatch(/^Row 9, serial_number “!”: /);
    expect(messages[11]).toBe("Row 11, serial_number “NAME-0001”: This serial number is already on row 2 of the file.");

    const demoCoffee = await merchantNamed(handle.db, "Demo Coffee");
    const jingan = await storeNamed(handle.db, "Demo Coffee Jing'an");
    const backOffice = await storeNamed(handle.db, "Back Office");
    const imported = await handle.db
      .select()
      .from(terminals)
      .where(inArray(terminals.serialNumber, ["NAME-0001", "NAME-0006"]))
      .orderBy(terminals.serialNumber);
    expect(imported.map((t) => [t.serialNumber, t.merchantId, t.storeId, t.status])).toEqual([
      ["NAME-0001", demoCoffee.id, jingan.id, "in_stock"],
      ["NAME-0006", backOffice.merchantId, backOffice.id, "in_stock"],
    ]);
  });

  it("words the row errors in the reader's language", async () => {
    const result = await adminInChinese.terminals.import({ rows: rows.slice(1, 4), dryRun: true });
    const messages = result.errors.map((e) => e.problems[0]!.message);
    expect(messages).toEqual([
      `第 3 行，merchant 列“Twin Noodles”：有 2 个商户叫这个名称（编码 ${await twinCodes()}），无法确定此行属于哪一个；请改填您要的那个商户的编码。`,
      "第 4 行，merchant 列“Nobody's Cafe”：没有这个编码或名称的商户，请在“商户”页面核对。",
      "第 5 行，store 列“Back Office”：门店属于某个商户：请同时填写 merchant 列。",
    ]);
    // A dry run writes nothing.
    expect(await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "NAME-0002"))).toEqual([]);
  });

  it("refuses a file that names merchants by internal id", async () => {
    const demoCoffee = await merchantNamed(handle.db, "Demo Coffee");
    const result = await admin.terminals.import({ rows: [{ line: 2, values: row({ serial_number: "NAME-0100", merchant: demoCoffee.id }) }], dryRun: true });
    expect(result.errors[0]!.problems[0]).toMatchObject({ column: "merchant", value: demoCoffee.id, reason: "importMerchantUnknown" });
  });
});
