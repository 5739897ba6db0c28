import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDatabase, demoCallers } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("overview", () => {
  it("counts the whole fleet for an admin", async () => {
    const o = await as.admin.overview.get();
    expect(o.total).toBe(82);
    expect(Object.fromEntries(o.byStatus.map((s) => [s.status, s.n]))).toEqual({ active: 64, in_stock: 10, suspended: 3, faulty: 3, retired: 2 });
    expect(o.byModel.reduce((sum, m) => sum + m.n, 0)).toBe(82);
    expect(o.byModel.every((m) => m.name !== "?")).toBe(true);
    expect(o.byFirmware.reduce((sum, f) => sum + f.n, 0)).toBeLessThanOrEqual(82);
    expect(o).toMatchObject({ merchants: 5, stores: 8 });
  });

  it("counts only the merchant's own terminals for a merchant", async () => {
    const o = await as.otherMerchant.overview.get();
    expect(o.total).toBe(10);
    expect(o.byStatus).toEqual([{ status: "active", n: 10 }]);
    expect(o).toMatchObject({ merchants: 1, stores: 1 });
    expect(o.byModel.map((m) => m.n).sort()).toEqual([2, 2, 2, 2, 2]);
  });

  it("lists models with their terminal counts", async () => {
    const models = await as.merchant.models.list();
    expect(models).toHaveLength(5);
    expect(models.reduce((sum, m) => sum + m.terminalCount, 0)).toBe(82);
  });
});
