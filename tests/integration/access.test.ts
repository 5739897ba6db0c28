import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { appRouter } from "@/server/root";
import { createTestDatabase, demoCallers } from "../helpers/db";

type Role = "admin" | "technician" | "merchant";
const everyone: Role[] = ["admin", "technician", "merchant"];
const admins: Role[] = ["admin"];
const workers: Role[] = ["admin", "technician"];
const rosterKeepers: Role[] = ["admin", "merchant"];

/**
 * Who may call each procedure. A procedure missing here fails the test, so nobody adds one
 * without deciding its access rule.
 */
const rules: Record<string, Role[]> = {
  "overview.get": everyone,
  "terminals.list": everyone,
  "terminals.filterOptions": everyone,
  "terminals.getBySerial": everyone,
  "terminals.activity": everyone,
  "activations.list": everyone,
  "activations.outbox": admins,
  "activations.cancel": admins,
  "terminals.create": admins,
  "terminals.update": admins,
  "terminals.assign": admins,
  "terminals.setStatus": admins,
  "terminals.import": admins,
  "terminals.issueDeviceToken": admins,
  "merchants.list": everyone,
  "merchants.choices": everyone,
  "merchants.getById": everyone,
  "merchants.storeChoices": everyone,
  "merchants.create": admins,
  "merchants.update": admins,
  "merchants.createStore": admins,
  "merchants.updateStore": admins,
  "models.list": everyone,
  "models.create": admins,
  "models.update": admins,
  "users.me": everyone,
  "users.list": admins,
  "users.create": admins,
  "users.update": admins,
  "users.setPassword": admins,
  "users.setAssignments": admins,
  "audit.list": admins,
  "firmware.list": admins,
  "firmware.get": admins,
  "firmware.create": admins,
  "firmware.update": admins,
  "firmware.setStatus": admins,
  "firmware.deleteDraft": admins,
  "rollouts.list": admins,
  "rollouts.get": admins,
  "rollouts.jobs": admins,
  "rollouts.preview": admins,
  "rollouts.create": admins,
  "rollouts.pause": admins,
  "rollouts.resume": admins,
  "rollouts.cancel": admins,
  "rollouts.approvePhase": admins,
  "maintenance.plans": workers,
  "maintenance.createPlan": admins,
  "maintenance.updatePlan": admins,
  "maintenance.technicians": admins,
  "maintenance.list": everyone,
  "maintenance.calendar": everyone,
  "maintenance.get": everyone,
  "maintenance.create": admins,
  "maintenance.reportFault": everyone,
  "maintenance.update": workers,
  "maintenance.move": workers,
  "maintenance.saveChecklist": workers,
  "maintenance.saveWorkLog": workers,
  "maintenance.addNote": workers,
  "maintenance.calendarFeed": workers,
  "maintenance.rotateCalendarFeed": workers,
  "training.staff": everyone,
  "training.createStaff": rosterKeepers,
  "training.updateStaff": rosterKeepers,
  "training.courses": everyone,
  "training.createCourse": admins,
  "training.updateCourse": admins,
  "training.trainers": everyone,
  "training.recordSession": everyone,
  "training.records": everyone,
  "training.record": everyone,
  "training.deleteRecord": rosterKeepers,
  "training.compliance": everyone,
  "training.evidence": everyone,
  "notices.list": admins,
  "notices.get": admins,
  "notices.preview": admins,
  "notices.create": admins,
  "notices.update": admins,
  "notices.schedule": admins,
  "notices.publish": admins,
  "notices.withdraw": admins,
  "notices.deleteDraft": admins,
  "notices.createForRollout": admins,
  "notices.inbox": everyone,
  "notices.unread": everyone,
  "notices.inboxNotice": everyone,
  "notices.read": everyone,
};

let handle: DbHandle;
let callers: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  callers = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

/** Calls a procedure by its dotted path with an input that no mutation accepts, so nothing changes. */
async function call(caller: unknown, path: string): Promise<TRPCError | null> {
  const fn = path.split(".").reduce((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  try {
    await fn(undefined);
    return null;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

const procedures = Object.keys(appRouter._def.procedures).sort();

describe("access matrix", () => {
  it("has a rule for every procedure and no rule for a procedure that is gone", () => {
    expect(procedures.filter((p) => !(p in rules))).toEqual([]);
    expect(Object.keys(rules).filter((p) => !procedures.includes(p))).toEqual([]);
  });

  it.each(procedures)("%s refuses anonymous callers", async (path) => {
    expect((await call(callers.anonymous, path))?.code).toBe("UNAUTHORIZED");
  });

  it.each(procedures.flatMap((path) => everyone.map((role) => [path, role] as const)))("%s as %s", async (path, role) => {
    const error = await call(callers[role], path);
    if (rules[path]!.includes(role)) expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(error?.code);
    else expect(error?.code).toBe("FORBIDDEN");
  });
});
