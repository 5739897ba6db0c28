import { and, eq, ilike, like, or } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { merchants, stores, terminalStatuses, terminals, type TerminalStatus } from "@/db/schema";
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

  it("past the cap, orders the serial prefix's matches together with those found inside serials and by name", async () => {
    // Runs after the large fleet above: "FLEET-00" starts over 10,000 serials.
    const [fleetTerminal] = await handle.db.select({ modelId: terminals.modelId, merchantId: terminals.merchantId }).from(terminals).where(eq(terminals.serialNumber, "FLEET-0000001"));
    const [depot] = await handle.db.insert(stores).values({ merchantId: fleetTerminal!.merchantId!, name: "Fleet-00 Depot" }).returning({ id: stores.id });
    const extra = (serialNumber: string, storeId?: string) => ({ serialNumber, modelId: fleetTerminal!.modelId, merchantId: fleetTerminal!.merchantId, storeId, status: "active" as const });
    // Inside a serial, sorting before every "FLEET-…"; and in a store whose name matches, sorting after them.
    await handle.db.insert(terminals).values([extra("AFLEET-0000002"), extra("AFLEET-0000001"), extra("ZZ-DEPOT-1", depot!.id)]);

    const fleet = (n: number) => `FLEET-${String(n).padStart(7, "0")}`;
    const asc = await as.admin.terminals.list({ q: "fleet-00", sort: "serialNumber", dir: "asc" });
    expect(asc).toMatchObject({ total: COUNT_CAP, totalIsLowerBound: true });
    expect(asc.items.map((t) => t.serialNumber)).toEqual(["AFLEET-0000001", "AFLEET-0000002", ...Array.from({ length: 23 }, (_, i) => fleet(i + 1))]);
    const secondPage = await as.admin.terminals.list({ q: "fleet-00", sort: "serialNumber", dir: "asc", page: 2 });
    expect(secondPage.items.map((t) => t.serialNumber)).toEqual(Array.from({ length: 25 }, (_, i) => fleet(i + 24)));
    const desc = await as.admin.terminals.list({ q: "fleet-00", sort: "serialNumber", dir: "desc" });
    expect(desc.items.map((t) => t.serialNumber)).toEqual(["ZZ-DEPOT-1", ...Array.from({ length: 24 }, (_, i) => fleet(COUNT_CAP + 500 - i))]);
    // Another sort, across statuses: the status in its declared order, then the serial.
    const byStatus = await as.admin.terminals.list({ q: "fleet-00", sort: "status", dir: "desc", pageSize: 100, page: 2 });
    const everyMatch = await handle.db
      .select({ serial: terminals.serialNumber, status: terminals.status })
      .from(terminals)
      .leftJoin(stores, eq(stores.id, terminals.storeId))
      .where(or(like(terminals.serialNumber, "%FLEET-00%"), ilike(stores.name, "%fleet-00%")));
    const rank = (t: { serial: string; status: TerminalStatus }) => [terminalStatuses.indexOf(t.status), t.serial] as const;
    const statusDesc = everyMatch.sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return rb[0] - ra[0] || (rb[1] < ra[1] ? -1 : rb[1] > ra[1] ? 1 : 0);
    });
    const secondHundred = statusDesc.slice(100, 200);
    expect(new Set(secondHundred.map((t) => t.status)).size, "the page spans statuses").toBeGreaterThan(1);
    expect(byStatus.items.map((t) => t.serialNumber)).toEqual(secondHundred.map((t) => t.serial));
  });
});
