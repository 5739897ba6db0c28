import { TRPCError } from "@trpc/server";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, merchants, stores, terminalModels, terminals } from "@/db/schema";
import { createTestDatabase, demoCallers } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let demoCoffee: { id: string; storeId: string };
let otherBakery: { id: string; storeId: string };
let paxModelId: string;

async function merchantWithStore(name: string) {
  const [row] = await handle.db.select({ id: merchants.id, storeId: stores.id }).from(merchants).innerJoin(stores, eq(stores.merchantId, merchants.id)).where(eq(merchants.name, name)).limit(1);
  return row!;
}

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"]) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  return error as TRPCError;
}

const terminalCount = async () => (await handle.db.select({ n: count() }).from(terminals))[0]!.n;
const auditCount = async () => (await handle.db.select({ n: count() }).from(auditLog))[0]!.n;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
  demoCoffee = await merchantWithStore("Demo Coffee");
  otherBakery = await merchantWithStore("Other Bakery");
  const [model] = await handle.db.select().from(terminalModels).where(eq(terminalModels.model, "A920 Pro"));
  paxModelId = model!.id;
});
afterAll(async () => handle?.close());

describe("terminal list", () => {
  it("shows a merchant only their own terminals", async () => {
    const mine = await as.merchant.terminals.list({ pageSize: 100 });
    expect(mine.total).toBe(50);
    expect(mine.items.every((t) => t.merchantName === "Demo Coffee")).toBe(true);
    const bakery = await as.otherMerchant.terminals.list({ pageSize: 100 });
    expect(bakery.total).toBe(10);
    expect(bakery.items.map((t) => t.serialNumber)).toContain("BAKE-0001");
  });

  it("shows a technician only the assigned merchants and an admin everything", async () => {
    const tech = await as.technician.terminals.list({});
    expect(tech.total).toBe(50);
    const admin = await as.admin.terminals.list({});
    expect(admin.total).toBe(82);
  });

  it("filters, searches by serial prefix, sorts and pages", async () => {
    const inStock = await as.admin.terminals.list({ status: ["in_stock"], pageSize: 25 });
    expect(inStock.total).toBe(10);
    expect(inStock.items.every((t) => t.status === "in_stock")).toBe(true);

    const search = await as.admin.terminals.list({ q: "bake-000" });
    expect(search.items.map((t) => t.serialNumber)).toEqual(Array.from({ length: 9 }, (_, i) => `BAKE-000${i + 1}`));

    const desc = await as.admin.terminals.list({ sort: "serialNumber", dir: "desc", pageSize: 25 });
    expect(desc.items[0]!.serialNumber).toBe("MPH-0008");

    const page2 = await as.merchant.terminals.list({ pageSize: 25, page: 2 });
    expect(page2.items).toHaveLength(25);
    expect(page2.items[0]!.serialNumber).toBe("DEMO-0026");

    const byMerchantFilter = await as.admin.terminals.list({ merchantId: otherBakery.id });
    expect(byMerchantFilter.total).toBe(10);
  });

  it("treats % and _ in a search as plain characters", async () => {
    const result = await as.admin.terminals.list({ q: "%" });
    expect(result.total).toBe(0);
  });

  it("refuses bad filters with a clear error", async () => {
    expect((await fieldErrorsOf(as.admin.terminals.list({ pageSize: 7 }))).pageSize).toEqual(["Choose 25, 50 or 100 rows per page."]);
    expect((await fieldErrorsOf(as.admin.terminals.list({ pageSize: 7 }), "zh-CN")).pageSize).toEqual(["每页行数请选择 25、50 或 100。"]);
    await expectTrpcError(as.admin.terminals.list({ status: ["lost" as never] }), "BAD_REQUEST");
  });
});

describe("terminal detail", () => {
  it("answers not found for another merchant's terminal, without its data", async () => {
    const own = await as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0001" });
    expect(own.merchantName).toBe("Demo Coffee");
    const error = await expectTrpcError(as.merchant.terminals.getBySerial({ serialNumber: "BAKE-0001" }), "NOT_FOUND");
    expect(error.message).not.toContain("Other Bakery");
    await expectTrpcError(as.technician.terminals.getBySerial({ serialNumber: "BAKE-0001" }), "NOT_FOUND");
    await expectTrpcError(as.admin.terminals.getBySerial({ serialNumber: "NOPE-0001" }), "NOT_FOUND");
  });
});

describe("terminal changes", () => {
  it("creates a terminal in stock and audits it in the same transaction", async () => {
    const created = await as.admin.terminals.create({ serialNumber: "new-0001", modelId: paxModelId, merchantId: demoCoffee.id, storeId: demoCoffee.storeId, firmwareVersion: "2.4.0" });
    expect(created.serialNumber).toBe("NEW-0001");
    expect(created.status).toBe("in_stock");
    const [entry] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, created.id), eq(auditLog.action, "terminal.created")));
    expect(entry?.actorLabel).toBe("admin@demo.posfleet.dev");
    expect(entry?.ip).toBe("192.0.2.10");
    const detail = await as.merchant.terminals.getBySerial({ serialNumber: "NEW-0001" });
    expect(detail.history.map((h) => h.action)).toContain("terminal.created");
  });

  it("refuses a duplicate serial, a foreign store and bad input, changing nothing", async () => {
    const before = [await terminalCount(), await auditCount()];
    const duplicate = await expectTrpcError(as.admin.terminals.create({ serialNumber: "DEMO-0001", modelId: paxModelId, merchantId: null, storeId: null }), "CONFLICT");
    expect(duplicate.message).toContain("DEMO-0001");
    await expectTrpcError(as.admin.terminals.create({ serialNumber: "NEW-0002", modelId: paxModelId, merchantId: demoCoffee.id, storeId: otherBakery.storeId }), "BAD_REQUEST");
    await expectTrpcError(as.admin.terminals.create({ serialNumber: "x", modelId: paxModelId, merchantId: null, storeId: null }), "BAD_REQUEST");
    await expectTrpcError(as.admin.terminals.create({ serialNumber: "NEW-0003", modelId: "not-a-uuid", merchantId: null, storeId: null }), "BAD_REQUEST");
    expect([await terminalCount(), await auditCount()]).toEqual(before);
  });

  it("moves a terminal to another merchant and store", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0110"));
    await as.admin.terminals.assign({ id: terminal!.id, merchantId: otherBakery.id, storeId: otherBakery.storeId });
    await expectTrpcError(as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0110" }), "NOT_FOUND");
    const moved = await as.otherMerchant.terminals.getBySerial({ serialNumber: "DEMO-0110" });
    expect(moved.storeId).toBe(otherBakery.storeId);
    expect(moved.history.map((h) => h.action)).toEqual(["terminal.assigned"]);
  });

  it("suspends and retires by the status rules", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0002"));
    await as.admin.terminals.setStatus({ id: terminal!.id, status: "suspended", reason: "reported stolen" });
    await as.admin.terminals.setStatus({ id: terminal!.id, status: "retired" });
    const error = await expectTrpcError(as.admin.terminals.setStatus({ id: terminal!.id, status: "active" }), "CONFLICT");
    expect(error.message).toContain("retired");
    const [after] = await handle.db.select().from(terminals).where(eq(terminals.id, terminal!.id));
    expect(after!.status).toBe("retired");
    const [inStock] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0101"));
    await expectTrpcError(as.admin.terminals.setStatus({ id: inStock!.id, status: "active" }), "CONFLICT");
  });

  it("keeps the audit log append-only", async () => {
    await expect(handle.db.execute(sql`update audit_log set action = 'x'`)).rejects.toThrow();
    await expect(handle.db.execute(sql`delete from audit_log`)).rejects.toThrow();
  });
});

describe("CSV import", () => {
  const row = (values: Partial<Record<string, string>>) => ({
    serial_number: "",
    manufacturer: "PAX",
    model: "A920 Pro",
    merchant: "",
    store: "",
    firmware_version: "",
    ...values,
  });

  it("validates every row, imports the valid ones in one go and reports bad lines", async () => {
    const rows = [
      { line: 2, values: row({ serial_number: "IMP-0001", merchant: "Demo Coffee", store: "Demo Coffee Jing'an" }) },
      { line: 3, values: row({ serial_number: "IMP-0002" }) },
      { line: 4, values: row({ serial_number: "DEMO-0001" }) },
      { line: 5, values: row({ serial_number: "IMP-0003", model: "Nonexistent" }) },
      { line: 6, values: row({ serial_number: "IMP-0002" }) },
      { line: 7, values: row({ serial_number: "IMP-0004", merchant: "Demo Coffee", store: "Other Bakery Chaoyang" }) },
      { line: 8, values: row({ serial_number: "!" }) },
    ];
    const dry = await as.admin.terminals.import({ rows, dryRun: true });
    expect(dry).toMatchObject({ total: 7, valid: 2, imported: 0 });
    expect(await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "IMP-0001"))).toHaveLength(0);

    const result = await as.admin.terminals.import({ rows, dryRun: false });
    expect(result.imported).toBe(2);
    expect(result.errors.map((e) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(result.errors.find((e) => e.line === 6)!.problems[0]!.message).toContain("already on row 3");
    expect(result.errors.find((e) => e.line === 4)!.problems[0]!.message).toContain("already in the fleet");
    const imported = await as.merchant.terminals.getBySerial({ serialNumber: "IMP-0001" });
    expect(imported.history.map((h) => h.action)).toEqual(["terminal.imported"]);
  });

  it("reports a known serial deep in a large file and imports the rest", async () => {
    const before = [await terminalCount(), await auditCount()];
    const rows = Array.from({ length: 1500 }, (_, i) => ({ line: i + 2, values: row({ serial_number: `BULK-${String(i).padStart(5, "0")}` }) }));
    await handle.db.insert(terminals).values({ serialNumber: "BULK-01400", modelId: paxModelId });
    const result = await as.admin.terminals.import({ rows, dryRun: false });
    expect(result.errors.map((e) => [e.line, e.problems.map((p) => p.message)])).toEqual([
      [1402, ["Row 1402, serial_number “BULK-01400”: A terminal with this serial number is already in the fleet."]],
    ]);
    expect(result.imported).toBe(1499);
    expect(await terminalCount()).toBe(before[0]! + 1500);
    expect(await auditCount()).toBe(before[1]! + 1499);
  });

  it("imports nothing when the database fails half-way through the batch", async () => {
    // A trigger that refuses one row in the second batch of 1000 stands in for any failure mid-import.
    await handle.db.execute(sql`create function refuse_boom() returns trigger language plpgsql as $$
      begin if new.serial_number = 'BOOM-01200' then raise exception 'boom'; end if; return new; end $$`);
    await handle.db.execute(sql`create trigger refuse_boom before insert on terminals for each row execute function refuse_boom()`);
    const before = [await terminalCount(), await auditCount()];
    const rows = Array.from({ length: 1500 }, (_, i) => ({ line: i + 2, values: row({ serial_number: `BOOM-${String(i).padStart(5, "0")}` }) }));
    await expect(as.admin.terminals.import({ rows, dryRun: false })).rejects.toThrow();
    expect([await terminalCount(), await auditCount()]).toEqual(before);
    await handle.db.execute(sql`drop trigger refuse_boom on terminals`);
  });

  it("refuses an import by a non-admin and an empty file", async () => {
    await expectTrpcError(as.merchant.terminals.import({ rows: [{ line: 2, values: row({ serial_number: "IMP-0100" }) }] }), "FORBIDDEN");
    await expectTrpcError(as.admin.terminals.import({ rows: [] }), "BAD_REQUEST");
  });
});
