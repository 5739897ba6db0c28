import { TRPCError } from "@trpc/server";
import { and, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, terminals, workOrderNotes, workOrders } from "@/db/schema";
import { createTestDatabase, demoCallers } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

const terminalBySerial = async (serial: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serial)))[0]!;
const openRepairs = async (terminalId: string) =>
  handle.db
    .select()
    .from(workOrders)
    .where(and(eq(workOrders.terminalId, terminalId), eq(workOrders.type, "repair"), inArray(workOrders.status, ["open", "scheduled", "in_progress"])));
const orderCount = async () => (await handle.db.select({ n: count() }).from(workOrders))[0]!.n;

describe("a fault report on a terminal with an open repair", () => {
  it("is refused with the repair's number, and changes nothing", async () => {
    // The seed's DEMO-0011 has a repair in progress.
    const terminal = await terminalBySerial("DEMO-0011");
    const [repair] = await openRepairs(terminal.id);
    const before = await orderCount();
    const error = await as.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["printer_fault"], description: "Receipts are blank too." }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("CONFLICT");
    expect((error as TRPCError).message).toContain(`WO-${repair!.number}`);
    expect(await orderCount()).toBe(before);
    expect((await handle.db.select().from(workOrders).where(eq(workOrders.id, repair!.id)))[0]!.symptoms).toEqual(["card_insert_no_response"]);
  });

  it("adds the report to the open repair when the reporter agrees: symptoms, a note and an audit entry", async () => {
    const terminal = await terminalBySerial("DEMO-0011");
    const [repair] = await openRepairs(terminal.id);
    const before = await orderCount();
    const order = await as.merchant.maintenance.reportFault({
      terminalId: terminal.id,
      symptoms: ["printer_fault", "card_insert_no_response"],
      description: "Receipts are blank too.",
      addToOpenRepair: true,
    });
    expect(order.id).toBe(repair!.id);
    expect(await orderCount()).toBe(before);
    expect(order.symptoms).toEqual(["card_insert_no_response", "printer_fault"]);
    const notes = await handle.db.select().from(workOrderNotes).where(eq(workOrderNotes.workOrderId, repair!.id));
    expect(notes.map((n) => [n.body, n.authorLabel])).toEqual([["Receipts are blank too.", "owner@demo.posfleet.dev"]]);
    const trail = await handle.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.entityId, repair!.id), eq(auditLog.action, "work_order.fault_added")));
    expect(trail).toHaveLength(1);
    expect(await openRepairs(terminal.id)).toHaveLength(1);
  });

  it("opens a repair as before when there is none, even if the reporter offered to add to one", async () => {
    const terminal = await terminalBySerial("DEMO-0033");
    expect(await openRepairs(terminal.id)).toHaveLength(0);
    const order = await as.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["screen_or_keys"], description: "", addToOpenRepair: true });
    expect(order).toMatchObject({ type: "repair", terminalId: terminal.id });
    // A second report now meets that one; once it is done, a new fault opens a new repair.
    await expect(as.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["other"], description: "Beeps." })).rejects.toThrow(`WO-${order.number}`);
    await handle.db.update(workOrders).set({ status: "done", completedAt: new Date() }).where(eq(workOrders.id, order.id));
    const next = await as.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["other"], description: "Beeps." });
    expect(next.id).not.toBe(order.id);
  });

  it("keeps another merchant out, whatever it asks for", async () => {
    const terminal = await terminalBySerial("DEMO-0011");
    const [repair] = await openRepairs(terminal.id);
    await expect(as.otherMerchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["other"], description: "x", addToOpenRepair: true })).rejects.toThrow(/not found/i);
    const notes = await handle.db.select().from(workOrderNotes).where(eq(workOrderNotes.workOrderId, repair!.id));
    expect(notes.every((n) => n.authorLabel !== "owner2@demo.posfleet.dev")).toBe(true);
  });
});
