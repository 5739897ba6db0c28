import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, merchants, stores, terminals } from "@/db/schema";
import { createTestDatabase, demoCallers, merchantNamed, storeNamed } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

const invalidPhone = "Enter a valid phone number, such as 13800138000 or +8613800138000.";
const storeAudits = async (storeId: string) => (await handle.db.select({ n: count() }).from(auditLog).where(eq(auditLog.entityId, storeId)))[0]!.n;

/** A work order on a terminal of the store, as the technician opens it. */
async function workOrderAt(storeName: string) {
  const store = await storeNamed(handle.db, storeName);
  const [terminal] = await handle.db.select({ id: terminals.id }).from(terminals).where(eq(terminals.storeId, store.id)).limit(1);
  const order = await as.admin.maintenance.create({ type: "inspection", terminalId: terminal!.id, title: "Visit", dueDate: "2026-11-25", technicianId: null });
  return { store, orderId: order.id };
}

describe("store phone", () => {
  it("gives every demo store a phone of its own, none of them a merchant's registered phone", async () => {
    const rows = await handle.db
      .select({ name: stores.name, phone: stores.phone, registeredPhone: merchants.registeredPhone })
      .from(stores)
      .innerJoin(merchants, eq(merchants.id, stores.merchantId))
      .where(eq(stores.name, "Demo Coffee Jing'an"));
    expect(rows).toEqual([{ name: "Demo Coffee Jing'an", phone: "+862162880101", registeredPhone: "+8613800138000" }]);
    const registered = new Set((await handle.db.select({ phone: merchants.registeredPhone }).from(merchants)).map((m) => m.phone));
    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    const demoStores = (await as.admin.merchants.getById({ id: coffee.id })).stores;
    expect(demoStores.map((s) => s.phone)).toEqual(["+862162880101", "+862164380202"]);
    for (const store of demoStores) expect(registered.has(store.phone!)).toBe(false);
  });

  it("saves a store's phone as E.164, records it in the audit log, and clears it when emptied", async () => {
    const bakery = await merchantNamed(handle.db, "Other Bakery");
    const created = await as.admin.merchants.createStore({ merchantId: bakery.id, name: "Other Bakery Kiosk", phone: " 010 6532 0999 " });
    expect(created.phone).toBe("+861065320999");
    expect((await as.admin.merchants.createStore({ merchantId: bakery.id, name: "Other Bakery Cart" })).phone).toBeNull();

    const updated = await as.admin.merchants.updateStore({ id: created.id, phone: "13912345678" });
    expect(updated.phone).toBe("+8613912345678");
    const [entry] = await handle.db
      .select({ changes: auditLog.changes })
      .from(auditLog)
      .where(and(eq(auditLog.entityId, created.id), eq(auditLog.action, "store.updated")));
    expect(entry!.changes).toEqual({ phone: { from: "+861065320999", to: "+8613912345678" } });

    expect((await as.admin.merchants.updateStore({ id: created.id, phone: "" })).phone).toBeNull();
    expect((await storeNamed(handle.db, "Other Bakery Kiosk")).phone).toBeNull();
  });

  it("refuses a phone that is no phone number, marking the field and changing nothing", async () => {
    const jingan = await storeNamed(handle.db, "Demo Coffee Jing'an");
    const auditsBefore = await storeAudits(jingan.id);
    expect(await fieldErrorsOf(as.admin.merchants.updateStore({ id: jingan.id, name: "Renamed", phone: "12345" }))).toEqual({ phone: [invalidPhone] });
    expect((await fieldErrorsOf(as.admin.merchants.updateStore({ id: jingan.id, phone: "call me" }), "zh-CN")).phone).toEqual(["请输入有效的手机号码，例如 13800138000 或 +8613800138000。"]);
    expect(await storeNamed(handle.db, "Demo Coffee Jing'an")).toMatchObject({ name: "Demo Coffee Jing'an", phone: "+862162880101" });
    expect(await storeAudits(jingan.id)).toBe(auditsBefore);

    const coffee = await merchantNamed(handle.db, "Demo Coffee");
    const storesBefore = (await handle.db.select({ n: count() }).from(stores))[0]!.n;
    expect((await fieldErrorsOf(as.admin.merchants.createStore({ merchantId: coffee.id, name: "Demo Coffee Pudong", phone: "+86 123" }))).phone).toEqual([invalidPhone]);
    expect((await handle.db.select({ n: count() }).from(stores))[0]!.n).toBe(storesBefore);
  });

  it("lets the technician call the store, or the merchant's registered phone when the store has none", async () => {
    const { store, orderId } = await workOrderAt("Demo Coffee Xuhui");
    expect((await as.technician.maintenance.get({ id: orderId })).call).toEqual({ whom: "store", phone: "+862164380202", name: "Demo Coffee Xuhui" });

    await as.admin.merchants.updateStore({ id: store.id, phone: "" });
    const order = await as.technician.maintenance.get({ id: orderId });
    expect(order.call).toEqual({ whom: "merchant", phone: "+8613800138000", name: "Li Wei" });
    // Only the number to call reaches the page.
    expect(order).not.toHaveProperty("merchantPhone");
    expect(order).not.toHaveProperty("storePhone");
  });
});
