import { and, eq, ilike, like, or } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { merchants, stores, terminals } from "@/db/schema";
import { seedLargeFleet } from "@/db/seed";
import { COUNT_CAP } from "@/server/services/terminals";
import { createTestDatabase, demoCallers, merchantNamed } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

const serials = (page: { items: { serialNumber: string }[] }) => page.items.map((t) => t.serialNumber).sort();

/** The serials of a merchant's terminals that a search should find, worked out without the list's SQL. */
async function expectedFor(merchantName: string, q: string) {
  const merchant = await merchantNamed(handle.db, merchantName);
  const rows = await handle.db
    .select({ serial: terminals.serialNumber })
    .from(terminals)
    .innerJoin(merchants, eq(merchants.id, terminals.merchantId))
    .leftJoin(stores, eq(stores.id, terminals.storeId))
    .where(and(eq(terminals.merchantId, merchant.id), or(like(terminals.serialNumber, `%${q.toUpperCase()}%`), ilike(stores.name, `%${q}%`), ilike(merchants.name, `%${q}%`))));
  return rows.map((r) => r.serial).sort();
}

describe("terminal search", () => {
  it("matches anywhere in the serial number, in any case", async () => {
    expect(serials(await as.admin.terminals.list({ q: "0037" }))).toEqual(["DEMO-0037"]);
    const middle = await as.merchant.terminals.list({ q: "emo-003", pageSize: 100 });
    expect(serials(middle)).toEqual(Array.from({ length: 10 }, (_, i) => `DEMO-003${i}`));
    expect(middle.total).toBe(10);
  });

  it("matches the store's name", async () => {
    const xuhui = await as.merchant.terminals.list({ q: "xuhui", pageSize: 100 });
    const [store] = await handle.db.select({ id: stores.id }).from(stores).where(eq(stores.name, "Demo Coffee Xuhui"));
    const inStore = await handle.db.select({ serial: terminals.serialNumber }).from(terminals).where(eq(terminals.storeId, store!.id));
    expect(inStore.length).toBeGreaterThan(0);
    expect(serials(xuhui)).toEqual(inStore.map((r) => r.serial).sort());
    expect(xuhui.items.every((t) => t.storeName === "Demo Coffee Xuhui")).toBe(true);
  });

  it("matches the merchant's name", async () => {
    const bakery = await as.admin.terminals.list({ q: "other bak", pageSize: 100 });
    expect(bakery.total).toBe(10);
    expect(bakery.items.every((t) => t.merchantName === "Other Bakery")).toBe(true);
  });

  it("never finds another merchant's terminals, by serial, store or merchant name", async () => {
    for (const q of ["BAKE", "bake-0001", "Other Bakery", "Chaoyang"]) {
      expect((await as.merchant.terminals.list({ q })).total).toBe(0);
      expect((await as.technician.terminals.list({ q })).total).toBe(0);
    }
    for (const q of ["DEMO", "Demo Coffee", "Xuhui"]) expect((await as.otherMerchant.terminals.list({ q })).total).toBe(0);
    // The same searches find them for those who may see them.
    expect((await as.otherMerchant.terminals.list({ q: "Chaoyang" })).total).toBe(10);
    expect((await as.admin.terminals.list({ q: "Xuhui" })).total).toBeGreaterThan(0);
  });

  it("works with two characters", async () => {
    const two = await as.merchant.terminals.list({ q: "01", pageSize: 100 });
    const expected = await expectedFor("Demo Coffee", "01");
    expect(expected).toEqual(expect.arrayContaining(["DEMO-0001", "DEMO-0010", "DEMO-0101", "DEMO-0110"]));
    expect(serials(two)).toEqual(expected);
    expect(two.total).toBe(expected.length);
  });

  it("keeps the other filters and the order", async () => {
    const inStock = await as.admin.terminals.list({ q: "demo coffee", status: ["in_stock"], sort: "serialNumber", dir: "desc", pageSize: 25 });
    expect(inStock.items.map((t) => t.serialNumber)).toEqual(Array.from({ length: 10 }, (_, i) => `DEMO-0${110 - i}`));
  });

  it("past the count cap says 'more than', whether a serial prefix or the trigram index found so many", async () => {
    await seedLargeFleet(handle.db, COUNT_CAP + 500);
    // "FLEET-00" is the prefix of every generated serial (FLEET-0000001 …); "LEET-00" matches them inside.
    for (const q of ["FLEET-00", "leet-00"]) {
      const page = await as.admin.terminals.list({ q });
      expect(page, q).toMatchObject({ total: COUNT_CAP, totalIsLowerBound: true });
      expect(
        page.items.map((t) => t.serialNumber),
        q,
      ).toEqual(Array.from({ length: page.pageSize }, (_, i) => `FLEET-${String(i + 1).padStart(7, "0")}`));
    }
    // A prefix below the cap is counted exactly.
    expect(await as.admin.terminals.list({ q: "FLEET-00001" })).toMatchObject({ total: 100, totalIsLowerBound: false });
  });
});
