import { TRPCError } from "@trpc/server";
import { count, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, merchants, sessions, stores, users } from "@/db/schema";
import { disableDemoLogins } from "@/server/db";
import { callerFor, createTestDatabase, demoCallers, viewerByEmail } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let bakeryId: string;
let coffeeId: string;

const rejectsWith = async (promise: Promise<unknown>, code: TRPCError["code"]) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  return error as TRPCError;
};

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
  const rows = await handle.db.select().from(merchants);
  bakeryId = rows.find((m) => m.name === "Other Bakery")!.id;
  coffeeId = rows.find((m) => m.name === "Demo Coffee")!.id;
});
afterAll(async () => handle?.close());

describe("merchants", () => {
  it("lists only the merchants in scope", async () => {
    expect((await as.merchant.merchants.list({})).items.map((m) => m.name)).toEqual(["Demo Coffee"]);
    expect((await as.technician.merchants.list({})).items.map((m) => m.name)).toEqual(["Demo Coffee"]);
    const all = await as.admin.merchants.list({ sort: "terminalCount", dir: "desc" });
    expect(all.total).toBe(5);
    expect(all.items[0]).toMatchObject({ name: "Demo Coffee", terminalCount: 50, storeCount: 2 });
  });

  it("answers not found for another merchant, never with its data", async () => {
    await rejectsWith(as.merchant.merchants.getById({ id: bakeryId }), "NOT_FOUND");
    await rejectsWith(as.technician.merchants.getById({ id: bakeryId }), "NOT_FOUND");
    const own = await as.otherMerchant.merchants.getById({ id: bakeryId });
    expect(own.stores.map((s) => s.name)).toEqual(["Other Bakery Chaoyang"]);
  });

  it("creates a merchant with a normalised phone, and a store, with audit entries", async () => {
    const merchant = await as.admin.merchants.create({ name: "Tea Corner", registeredPhone: "139 1234 5678", contactName: "", contactEmail: "" });
    expect(merchant.registeredPhone).toBe("+8613912345678");
    const store = await as.admin.merchants.createStore({ merchantId: merchant.id, name: "Tea Corner Pudong", timeZone: "Asia/Shanghai", businessHours: { mon: { opens: "09:00", closes: "18:00" } } });
    expect(store.businessHours).toEqual({ mon: { opens: "09:00", closes: "18:00" } });
    const entries = await handle.db.select().from(auditLog).where(eq(auditLog.merchantId, merchant.id));
    expect(entries.map((e) => e.action).sort()).toEqual(["merchant.created", "store.created"]);
  });

  it("refuses a bad phone, time zone or opening hours, changing nothing", async () => {
    const before = (await handle.db.select({ n: count() }).from(stores))[0]!.n;
    const phone = await fieldErrorsOf(as.admin.merchants.create({ name: "X", registeredPhone: "12345", contactName: "", contactEmail: "" }));
    expect(phone.registeredPhone).toEqual(["Enter a valid phone number, such as 13800138000 or +8613800138000."]);
    await rejectsWith(as.admin.merchants.createStore({ merchantId: coffeeId, name: "S", timeZone: "Mars/Olympus" }), "BAD_REQUEST");
    // The closing time is marked, so the store form shows what to change.
    const hours = await fieldErrorsOf(as.admin.merchants.createStore({ merchantId: coffeeId, name: "S", businessHours: { mon: { opens: "18:00", closes: "09:00" } } }));
    expect(hours["businessHours.mon.closes"]).toEqual(["Set the closing time later than the opening time."]);
    expect((await handle.db.select({ n: count() }).from(stores))[0]!.n).toBe(before);
  });

  it("records what an update changed", async () => {
    await as.admin.merchants.update({ id: bakeryId, registeredPhone: "+86 139 0013 9001" });
    const [entry] = await handle.db.select().from(auditLog).where(eq(auditLog.action, "merchant.updated"));
    expect(entry!.changes).toEqual({ registeredPhone: { from: "+8613900139000", to: "+8613900139001" } });
  });
});

describe("users", () => {
  it("says what to do when a role and a merchant do not go together, on the merchant field", async () => {
    const base = { name: "Someone", email: "someone@example.com", password: "long-enough-pass-1" };
    expect((await fieldErrorsOf(as.admin.users.create({ ...base, role: "merchant", merchantId: null }))).merchantId).toEqual([
      "Choose the merchant this user belongs to: a merchant user sees only their own merchant.",
    ]);
    expect((await fieldErrorsOf(as.admin.users.create({ ...base, role: "technician", merchantId: bakeryId }), "zh-CN")).merchantId).toEqual([
      "只有商户角色的用户属于商户：请清除所选商户，或将角色改为商户。",
    ]);
    expect(await handle.db.select().from(users).where(eq(users.email, base.email))).toHaveLength(0);
  });

  it("creates a merchant user who can then see only that merchant", async () => {
    const user = await as.admin.users.create({ name: "Manager", email: "Manager@Bakery.example", password: "long-enough-pass-1", role: "merchant", merchantId: bakeryId });
    expect(user.email).toBe("manager@bakery.example");
    const caller = callerFor(handle.db, await viewerByEmail(handle.db, "manager@bakery.example"));
    expect((await caller.terminals.list({})).total).toBe(10);
  });

  it("refuses a merchant user without a merchant and a duplicate e-mail", async () => {
    await rejectsWith(as.admin.users.create({ name: "X", email: "x@example.com", password: "long-enough-pass-1", role: "merchant", merchantId: null }), "BAD_REQUEST");
    await rejectsWith(as.admin.users.create({ name: "X", email: "x@example.com", password: "long-enough-pass-1", role: "admin", merchantId: coffeeId }), "BAD_REQUEST");
    const duplicate = await rejectsWith(as.admin.users.create({ name: "X", email: "owner@demo.posfleet.dev", password: "long-enough-pass-1", role: "admin", merchantId: null }), "CONFLICT");
    expect(duplicate.message).toContain("owner@demo.posfleet.dev");
    await rejectsWith(as.admin.users.create({ name: "X", email: "y@example.com", password: "short", role: "admin", merchantId: null }), "BAD_REQUEST");
  });

  it("assigns a technician to merchants, which widens the technician's scope", async () => {
    const tech = await viewerByEmail(handle.db, "tech@demo.posfleet.dev");
    await as.admin.users.setAssignments({ technicianId: tech.id, merchantIds: [coffeeId, bakeryId] });
    expect((await as.technician.terminals.list({})).total).toBe(60);
    await as.admin.users.setAssignments({ technicianId: tech.id, merchantIds: [coffeeId] });
    expect((await as.technician.terminals.list({})).total).toBe(50);
    const owner = await viewerByEmail(handle.db, "owner@demo.posfleet.dev");
    await rejectsWith(as.admin.users.setAssignments({ technicianId: owner.id, merchantIds: [coffeeId] }), "BAD_REQUEST");
  });

  it("disables a user, ending their sessions, but never the admin themselves", async () => {
    const owner2 = await viewerByEmail(handle.db, "owner2@demo.posfleet.dev");
    await handle.db.insert(sessions).values({ id: "s1", token: "t1", userId: owner2.id, expiresAt: new Date(Date.now() + 3600_000) });
    await as.admin.users.update({ id: owner2.id, disabled: true });
    const [row] = await handle.db.select().from(users).where(eq(users.id, owner2.id));
    expect(row!.disabled).toBe(true);
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, owner2.id))).toHaveLength(0);
    const admin = await viewerByEmail(handle.db, "admin@demo.posfleet.dev");
    await rejectsWith(as.admin.users.update({ id: admin.id, disabled: true }), "CONFLICT");
  });
});

describe("production", () => {
  it("disables the demo logins and ends their sessions", async () => {
    const owner = await viewerByEmail(handle.db, "owner@demo.posfleet.dev");
    await handle.db.insert(sessions).values({ id: "s2", token: "t2", userId: owner.id, expiresAt: new Date(Date.now() + 3600_000) });
    await disableDemoLogins(handle.db);
    const demoUsers = await handle.db.select().from(users).where(like(users.email, "%@demo.posfleet.dev"));
    expect(demoUsers.length).toBe(4);
    expect(demoUsers.every((u) => u.disabled)).toBe(true);
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, owner.id))).toHaveLength(0);
    const others = await handle.db.select().from(users).where(eq(users.email, "manager@bakery.example"));
    expect(others[0]!.disabled).toBe(false);
  });
});
