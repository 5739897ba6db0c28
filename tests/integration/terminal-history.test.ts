import { and, eq, isNotNull, ne } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { terminals, updateJobs } from "@/db/schema";
import { requestActivation } from "@/server/services/activation";
import { recordCheckIns } from "@/server/services/heartbeat";
import { createTestDatabase, demoCallers, merchantNamed, storeNamed } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("a terminal that changes merchant", () => {
  it("shows its new merchant (and their technician) only the history since the move; admins see all of it", async () => {
    const demoCoffee = await merchantNamed(handle.db, "Demo Coffee");
    const jingan = await storeNamed(handle.db, "Demo Coffee Jing'an");
    // Another merchant's terminal with check-ins and a finished firmware update.
    const [terminal] = await handle.db
      .selectDistinct({ id: terminals.id, serialNumber: terminals.serialNumber, merchantId: terminals.merchantId })
      .from(terminals)
      .innerJoin(updateJobs, eq(updateJobs.terminalId, terminals.id))
      .where(and(ne(terminals.merchantId, demoCoffee.id), eq(terminals.status, "active"), isNotNull(updateJobs.finishedAt)))
      .orderBy(terminals.serialNumber)
      .limit(1);
    const serialNumber = terminal!.serialNumber;
    const before = await as.admin.terminals.activity({ serialNumber });
    expect(before.recent.length).toBeGreaterThan(0);
    const earlierCheckIn = new Date(Date.now() - 3_600_000);
    const checkIn = (merchantId: string | null, at: Date, transactions: number) =>
      recordCheckIns(handle.db, [{ device: { terminalId: terminal!.id, serialNumber, merchantId }, report: { firmwareVersion: "1.0.0", transactionsSinceLast: transactions }, at }]);
    await checkIn(terminal!.merchantId, earlierCheckIn, 7);

    await as.admin.terminals.assign({ id: terminal!.id, merchantId: demoCoffee.id, storeId: jingan.id });
    const [moved] = await handle.db.select().from(terminals).where(eq(terminals.id, terminal!.id));
    expect(moved!.merchantSince.getTime()).toBeGreaterThan(earlierCheckIn.getTime());
    const own = new Date(moved!.merchantSince.getTime() + 60_000);
    await checkIn(demoCoffee.id, own, 3);

    for (const viewer of [as.merchant, as.technician]) {
      const activity = await viewer.terminals.activity({ serialNumber });
      expect(activity.recent.map((c) => c.at)).toEqual([own]);
      expect(activity.hourly.map((h) => h.transactions)).toEqual([3]);
      const detail = await viewer.terminals.getBySerial({ serialNumber });
      expect(detail.updates).toEqual([]);
      expect(detail.history.map((h) => h.action)).toEqual(["terminal.assigned"]);
    }
    const admin = await as.admin.terminals.activity({ serialNumber });
    expect(admin.recent.map((c) => c.at)).toContainEqual(earlierCheckIn);
    expect(admin.hourly.reduce((sum, h) => sum + h.transactions, 0)).toBeGreaterThanOrEqual(10);
    expect((await as.admin.terminals.getBySerial({ serialNumber })).updates.length).toBeGreaterThan(0);

    // A move between the merchant's own stores keeps its history theirs.
    const xuhui = await storeNamed(handle.db, "Demo Coffee Xuhui");
    await as.admin.terminals.assign({ id: terminal!.id, merchantId: demoCoffee.id, storeId: xuhui.id });
    const [again] = await handle.db.select().from(terminals).where(eq(terminals.id, terminal!.id));
    expect(again!.merchantSince).toEqual(moved!.merchantSince);
  });
});

describe("a terminal's history as a merchant sees it", () => {
  it("names console staff by name and role, without their e-mail or address", async () => {
    const serialNumber = "DEMO-0103";
    await requestActivation(handle.db, { serialNumber, phone: "+8613800138000", ip: "198.51.100.77" }, new Date("2026-06-01T08:00:00Z"));
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
    await as.admin.terminals.update({ id: terminal!.id, firmwareVersion: "9.9.9" });

    const merchantView = await as.merchant.terminals.getBySerial({ serialNumber });
    const [update, request] = merchantView.history;
    expect(update).toMatchObject({ action: "terminal.updated", actor: { name: "Ada Admin", role: "admin", label: null } });
    // A terminal is no person: its label stays.
    expect(request).toMatchObject({ action: "activation.requested", actor: { name: null, role: null, label: `terminal ${serialNumber}` } });
    const shown = JSON.stringify(merchantView.history);
    expect(shown).not.toContain("@demo.posfleet.dev");
    expect(shown).not.toContain("192.0.2.10");
    expect(shown).not.toContain("198.51.100.77");

    // Technicians are staff: they may see a colleague's e-mail, but no addresses either.
    const technicianView = await as.technician.terminals.getBySerial({ serialNumber });
    expect(technicianView.history[0]).toMatchObject({ actor: { name: "Ada Admin", role: "admin", label: "admin@demo.posfleet.dev" } });
    expect(JSON.stringify(technicianView.history)).not.toMatch(/192\.0\.2\.10|198\.51\.100\.77/);
    // The admins' audit log keeps everything.
    const log = await as.admin.audit.list({ entityId: terminal!.id });
    expect(log.items.map((e) => e.ip)).toEqual(expect.arrayContaining(["192.0.2.10", "198.51.100.77"]));
  });
});
