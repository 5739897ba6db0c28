import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { terminals, users } from "@/db/schema";
import { auditActions } from "@/server/schemas/audit";
import { exportAuditCsv } from "@/server/services/audit";
import { requestActivation } from "@/server/services/activation";
import { createTestDatabase, demoCallers, demoEmails } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let adminName: string;
let demo9: { id: string };

async function csvOf(filters: Parameters<typeof exportAuditCsv>[1]) {
  let text = "";
  for await (const chunk of exportAuditCsv(handle.db, filters)) text += chunk;
  return text.trimEnd().split("\n");
}

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
  [{ name: adminName }] = (await handle.db.select({ name: users.name }).from(users).where(eq(users.email, demoEmails.admin))) as [{ name: string }];
  [demo9] = (await handle.db.select({ id: terminals.id }).from(terminals).where(eq(terminals.serialNumber, "DEMO-0009"))) as [{ id: string }];
  await as.admin.terminals.setStatus({ id: demo9.id, status: "suspended", reason: "Reported stolen" });
  await requestActivation(handle.db, { serialNumber: "DEMO-0102", phone: "+8613800138000", ip: null });
});
afterAll(async () => {
  await handle?.close();
});

describe("the audit log", () => {
  it("names who acted and what it was about, found by a serial number", async () => {
    const { items } = await as.admin.audit.list({ entityId: "DEMO-0009" });
    expect(items[0]).toMatchObject({
      action: "terminal.status_changed",
      actor: { name: adminName, label: demoEmails.admin },
      subject: { type: "terminal", id: demo9.id, label: "DEMO-0009", exists: true },
      changes: { status: { to: "suspended" }, reason: "Reported stolen" },
    });
  });

  it("filters by an action group and by any entity type, and refuses an unknown action", async () => {
    const terminalActions = await as.admin.audit.list({ action: "terminal", limit: 200 });
    expect(terminalActions.items.length).toBeGreaterThan(0);
    expect(terminalActions.items.every((e) => e.action.startsWith("terminal."))).toBe(true);
    const exact = await as.admin.audit.list({ action: "activation.requested" });
    expect(exact.items.map((e) => e.action)).toEqual(exact.items.map(() => "activation.requested"));
    expect(exact.items[0]!.subject.label).toBe("DEMO-0102");
    const merchantsOnly = await as.admin.audit.list({ entityType: "merchant" });
    expect(merchantsOnly.items.every((e) => e.entityType === "merchant")).toBe(true);
    await expect(as.admin.audit.list({ action: "nothing.such" as (typeof auditActions)[number] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(as.admin.audit.list({ entityType: "planet" as "terminal" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("is for admins only", async () => {
    for (const caller of [as.technician, as.merchant]) await expect(caller.audit.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("exports the filtered entries as CSV, names resolved and phone numbers masked", async () => {
    const lines = await csvOf({ entityId: "DEMO-0009" });
    expect(lines[0]).toBe("id,at,action,actor,actor_label,entity_type,entity_id,entity,changes,ip");
    const statusLine = lines.find((l) => l.includes("terminal.status_changed"));
    expect(statusLine).toContain(`,${adminName},${demoEmails.admin},terminal,${demo9.id},DEMO-0009,`);
    expect(statusLine).toContain("Reported stolen");
    // Only the filtered entity's entries.
    expect(lines.slice(1).every((l) => l.includes(demo9.id))).toBe(true);

    const activation = await csvOf({ action: "activation" });
    expect(activation.length).toBeGreaterThan(1);
    expect(activation.slice(1).every((l) => /,activation\./.test(l))).toBe(true);
    expect(activation.join("\n")).toContain("+86138****8000");
    expect(activation.join("\n")).not.toContain("+8613800138000");
  });
});
