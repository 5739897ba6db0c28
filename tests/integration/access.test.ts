import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { firmwareReleases, rollouts, stores, terminalModels, terminals } from "@/db/schema";
import { appRouter } from "@/server/root";
import { createRelease } from "@/server/services/firmware";
import { createWorkOrder, rotateCalendarFeed } from "@/server/services/maintenance";
import { addWorkOrderPhoto } from "@/server/services/maintenance-photos";
import { issueCommand, uploadCommandLog } from "@/server/services/commands";
import { scopeForUser } from "@/server/scope";
import { createTestDatabase, demoCallers, demoEmails, merchantNamed, viewerByEmail } from "../helpers/db";
import { sessionCookie } from "../helpers/sessions";

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
  "activations.blocked": everyone,
  "activations.unblock": admins,
  "activations.activatable": everyone,
  "activations.refused": everyone,
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
  // A merchant owner invites their own staff's logins; the service holds them to their merchant.
  "users.invite": rosterKeepers,
  "users.update": admins,
  "users.setPassword": admins,
  "users.unlockSignIn": admins,
  "users.endSessions": admins,
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
  "maintenance.myWork": workers,
  "maintenance.calendar": everyone,
  "maintenance.get": everyone,
  "maintenance.create": admins,
  "maintenance.reportFault": everyone,
  "maintenance.update": workers,
  "maintenance.move": workers,
  "maintenance.saveWork": workers,
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
  "notices.editableList": admins,
  "notices.addTerminals": admins,
  "notices.inbox": everyone,
  "notices.unread": everyone,
  "notices.inboxNotice": everyone,
  "notices.read": everyone,
  // Everyone has an alert inbox and subscribes to the rules they see; admins and merchant owners write rules.
  "alerts.list": everyone,
  "alerts.unreadCount": everyone,
  "alerts.markRead": everyone,
  "alerts.acknowledge": everyone,
  "alerts.rules": everyone,
  "alerts.createRule": rosterKeepers,
  "alerts.updateRule": rosterKeepers,
  "alerts.deleteRule": rosterKeepers,
  "alerts.subscribe": everyone,
  "alerts.settings": everyone,
  "alerts.saveSettings": everyone,
  "account.get": everyone,
  "account.sessions": everyone,
  "account.endSession": everyone,
  "account.requestEmailChange": everyone,
  "email.outbox": admins,
  // The pages of e-mailed links, signed out: the link's token is the key (publicProcedures below).
  "accountLinks.linkInfo": everyone,
  "accountLinks.acceptInvitation": everyone,
  "accountLinks.requestPasswordReset": everyone,
  "accountLinks.resetPassword": everyone,
  "accountLinks.confirmEmailChange": everyone,
  // A merchant's logins and invitations: admins, and the merchant's owner for their own (scope).
  "accountLinks.merchantLogins": rosterKeepers,
  // Admins keep the fleet's and any merchant's webhooks, a merchant owner their merchant's; technicians none.
  "webhooks.list": rosterKeepers,
  "webhooks.create": rosterKeepers,
  "webhooks.update": rosterKeepers,
  "webhooks.delete": rosterKeepers,
  "webhooks.rotateSecret": rosterKeepers,
  "webhooks.deliveries": rosterKeepers,
  "webhooks.sendAgain": rosterKeepers,
  "webhooks.sendTest": rosterKeepers,
  // Every role sends some kinds to the terminals in its scope; the service holds each role to its kinds.
  "commands.list": everyone,
  "commands.send": everyone,
  "commands.cancel": everyone,
  // Every role sends commands in bulk to its own scope; moves and status changes stay an admin's (the service's matrix).
  "bulk.start": everyone,
  "bulk.get": everyone,
  "bulk.cancel": everyone,
  "bulk.list": everyone,
};

/** Open to callers without a session; each still refuses the input the matrix sends (nothing changes). */
const publicProcedures = new Set(["accountLinks.linkInfo", "accountLinks.acceptInvitation", "accountLinks.requestPasswordReset", "accountLinks.resetPassword", "accountLinks.confirmEmailChange"]);

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

  it.each(procedures)("%s refuses anonymous callers unless it is public", async (path) => {
    expect((await call(callers.anonymous, path))?.code).toBe(publicProcedures.has(path) ? "BAD_REQUEST" : "UNAUTHORIZED");
  });

  it.each(procedures.flatMap((path) => everyone.map((role) => [path, role] as const)))("%s as %s", async (path, role) => {
    const error = await call(callers[role], path);
    if (rules[path]!.includes(role)) expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(error?.code);
    else expect(error?.code).toBe("FORBIDDEN");
  });
});

// ---------------------------------------------------------------- route handlers

// The route handlers open the app's database; here it is this file's test database.
const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

type Caller = "anonymous" | Role;
type Statuses = Record<Caller, number>;
const routeCallers: Caller[] = ["anonymous", ...everyone];
const httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** A console route for these roles, as the route gate answers: 401 signed out, 404 for other roles. */
const forRoles = (roles: Role[], ok = 200): Statuses => ({
  anonymous: 401,
  admin: roles.includes("admin") ? ok : 404,
  technician: roles.includes("technician") ? ok : 404,
  merchant: roles.includes("merchant") ? ok : 404,
});
/** The same answer whoever asks: a public route, or a device API route (a console session is no device token). */
const forAll = (status: number): Statuses => ({ anonymous: status, admin: status, technician: status, merchant: status });

interface RouteCall {
  method: string;
  path: string;
  body?: string;
  expect: Statuses;
}
interface Fixtures {
  rolloutId: string;
  releaseWithImage: string;
  draftRelease: string;
  demoCoffeeStore: string;
  bakeryStore: string;
  calendarToken: string;
  demoCoffeeWorkOrder: string;
  demoCoffeePhoto: string;
  bakeryWorkOrder: string;
  bakeryPhoto: string;
  demoCoffeeCommand: string;
  bakeryCommand: string;
  demoCoffeeTerminal: string;
}

/** A device API call, and 405 for the methods its route only exports to refuse. */
function deviceCall(method: string, path: string, expect: Statuses, body?: string): RouteCall[] {
  const refused = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => m !== method);
  return [{ method, path, body, expect }, ...refused.map((m) => ({ method: m, path, expect: forAll(405) }))];
}

/**
 * What every route handler answers each caller. A route.ts file on disk missing here, or a method it
 * exports that no call covers, fails the test: a new handler needs its access rule first.
 */
const routeRules: Record<string, (f: Fixtures) => RouteCall[]> = {
  // Sign-in itself: public.
  "app/api/auth/[...all]/route.ts": () => [
    { method: "GET", path: "/api/auth/get-session", expect: forAll(200) },
    { method: "POST", path: "/api/auth/sign-in/email", body: "{}", expect: forAll(400) },
  ],
  // Public by design: the feed's secret token is the only key, a session adds nothing.
  "app/api/calendar/[token]/route.ts": (f) => [
    { method: "GET", path: `/api/calendar/${f.calendarToken}.ics`, expect: forAll(200) },
    { method: "GET", path: `/api/calendar/${"x".repeat(32)}.ics`, expect: forAll(404) },
    { method: "GET", path: "/api/calendar/not-a-token", expect: forAll(404) },
  ],
  "app/api/audit/export/route.ts": () => [
    { method: "GET", path: "/api/audit/export?entityType=terminal", expect: forRoles(admins) },
    { method: "GET", path: "/api/audit/export?action=nothing.such", expect: forRoles(admins, 400) },
  ],
  "app/api/device/v1/[...path]/route.ts": () => ["GET", "POST", "PUT", "PATCH", "DELETE"].map((method) => ({ method, path: "/api/device/v1/nowhere", expect: forAll(404) })),
  // The activation endpoints take no token; these bodies fail validation before anything happens.
  "app/api/device/v1/activation/request/route.ts": () => deviceCall("POST", "/api/device/v1/activation/request", forAll(400), "{}"),
  "app/api/device/v1/activation/verify/route.ts": () => deviceCall("POST", "/api/device/v1/activation/verify", forAll(400), "{}"),
  "app/api/device/v1/firmware/[releaseId]/route.ts": (f) => deviceCall("GET", `/api/device/v1/firmware/${f.releaseWithImage}`, forAll(401)),
  "app/api/device/v1/heartbeat/route.ts": () => deviceCall("POST", "/api/device/v1/heartbeat", forAll(401), JSON.stringify({ firmwareVersion: "1.0.0" })),
  "app/api/device/v1/notices/[noticeId]/ack/route.ts": () => deviceCall("POST", `/api/device/v1/notices/${randomUUID()}/ack`, forAll(401), "{}"),
  "app/api/device/v1/commands/[commandId]/result/route.ts": () => deviceCall("POST", `/api/device/v1/commands/${randomUUID()}/result`, forAll(401), JSON.stringify({ status: "succeeded" })),
  "app/api/device/v1/commands/[commandId]/logs/route.ts": () => deviceCall("PUT", `/api/device/v1/commands/${randomUUID()}/logs`, forAll(401), "a log line"),
  // A command's log is seen by whoever sees the command's terminal, and by no one else.
  "app/api/commands/[id]/logs/route.ts": (f) => [
    { method: "GET", path: `/api/commands/${f.demoCoffeeCommand}/logs`, expect: forRoles(everyone) },
    { method: "GET", path: `/api/commands/${f.bakeryCommand}/logs`, expect: forRoles(admins) },
    { method: "GET", path: "/api/commands/not-an-id/logs", expect: forRoles(everyone, 404) },
  ],
  "app/api/device/v1/updates/[jobId]/status/route.ts": () => deviceCall("POST", `/api/device/v1/updates/${randomUUID()}/status`, forAll(401), JSON.stringify({ status: "downloading" })),
  "app/api/events/route.ts": () => [{ method: "GET", path: "/api/events", expect: forRoles(everyone) }],
  "app/api/firmware/releases/[id]/image/route.ts": (f) => [
    { method: "GET", path: `/api/firmware/releases/${f.releaseWithImage}/image`, expect: forRoles(admins) },
    { method: "GET", path: "/api/firmware/releases/not-an-id/image", expect: forRoles(admins, 404) },
    { method: "PUT", path: `/api/firmware/releases/${f.draftRelease}/image`, body: `\u007fELF${"-".repeat(2000)}`, expect: forRoles(admins) },
  ],
  "app/api/rollouts/[id]/export/route.ts": (f) => [
    { method: "GET", path: `/api/rollouts/${f.rolloutId}/export`, expect: forRoles(admins) },
    { method: "GET", path: `/api/rollouts/${f.rolloutId}/export?q=%00`, expect: forRoles(admins, 400) },
  ],
  "app/api/terminals/export/route.ts": (f) => [
    { method: "GET", path: "/api/terminals/export", expect: forRoles(everyone) },
    { method: "POST", path: "/api/terminals/export", body: JSON.stringify({ ids: [f.demoCoffeeTerminal] }), expect: forRoles(everyone) },
  ],
  "app/api/training/evidence/[storeId]/route.ts": (f) => [
    { method: "GET", path: `/api/training/evidence/${f.demoCoffeeStore}`, expect: forRoles(everyone) },
    // Outside the technician's and the merchant's scope: as if it did not exist.
    { method: "GET", path: `/api/training/evidence/${f.bakeryStore}`, expect: forRoles(admins) },
    { method: "GET", path: "/api/training/evidence/not-an-id", expect: forRoles(everyone, 404) },
  ],
  "app/api/training/records/export/route.ts": () => [{ method: "GET", path: "/api/training/records/export", expect: forRoles(everyone) }],
  // The procedures decide (the matrix above covers each); tRPC answers a role's refusal with 403.
  "app/api/trpc/[trpc]/route.ts": () => [
    { method: "GET", path: "/api/trpc/users.me", expect: forRoles(everyone) },
    { method: "GET", path: `/api/trpc/users.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, expect: { anonymous: 401, admin: 200, technician: 403, merchant: 403 } },
    { method: "POST", path: "/api/trpc/terminals.create", body: JSON.stringify({ json: {} }), expect: { anonymous: 401, admin: 400, technician: 403, merchant: 403 } },
  ],
  "app/api/work-orders/export/route.ts": () => [{ method: "GET", path: "/api/work-orders/export", expect: forRoles(everyone) }],
  // Workers add photos to work orders in their scope; these bytes are no image, so an allowed caller gets 400.
  "app/api/work-orders/[id]/photos/route.ts": (f) => [
    { method: "POST", path: `/api/work-orders/${f.demoCoffeeWorkOrder}/photos`, body: "not an image", expect: forRoles(workers, 400) },
    { method: "POST", path: `/api/work-orders/${f.bakeryWorkOrder}/photos`, body: "not an image", expect: { ...forRoles(workers, 400), technician: 404 } },
  ],
  // A photo is seen by whoever sees its work order, and by no one else.
  "app/api/work-orders/[id]/photos/[photoId]/route.ts": (f) => [
    { method: "GET", path: `/api/work-orders/${f.demoCoffeeWorkOrder}/photos/${f.demoCoffeePhoto}`, expect: forRoles(everyone) },
    { method: "GET", path: `/api/work-orders/${f.bakeryWorkOrder}/photos/${f.bakeryPhoto}`, expect: forRoles(admins) },
    // Another work order's photo under this one's address.
    { method: "GET", path: `/api/work-orders/${f.demoCoffeeWorkOrder}/photos/${f.bakeryPhoto}`, expect: forRoles(everyone, 404) },
  ],
};

/** Every route.ts under app/api, as its path from the project root. */
function routeFiles(dir = "app/api"): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(file);
    return entry.name === "route.ts" ? [file.split(path.sep).join("/")] : [];
  });
}

/** The dynamic segments of a request path, as Next passes them: [id] a string, [...all] a list. */
function paramsOf(file: string, urlPath: string): Record<string, string | string[]> {
  const pattern = file
    .replace(/^app/, "")
    .replace(/\/route\.ts$/, "")
    .split("/");
  const segments = urlPath.split("?")[0]!.split("/");
  const params: Record<string, string | string[]> = {};
  pattern.forEach((part, i) => {
    const name = /^\[(\.\.\.)?(\w+)\]$/.exec(part);
    if (name) params[name[2]!] = name[1] ? segments.slice(i).map(decodeURIComponent) : decodeURIComponent(segments[i]!);
  });
  return params;
}

type RouteModule = Record<string, (req: Request, segments: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>>;

describe("route handler access", () => {
  const files = routeFiles();
  const cookies: Partial<Record<Caller, string>> = {};
  let fixtures: Fixtures;

  beforeAll(async () => {
    testDb.handle = handle;
    const ips: Record<Role, string> = { admin: "192.0.2.21", technician: "192.0.2.22", merchant: "192.0.2.23" };
    for (const role of everyone) cookies[role] = await sessionCookie(demoEmails[role], ips[role]);
    const [rollout] = await handle.db.select({ id: rollouts.id }).from(rollouts).limit(1);
    const [release] = await handle.db.select({ id: firmwareReleases.id }).from(firmwareReleases).where(isNotNull(firmwareReleases.storageKey)).limit(1);
    const [model] = await handle.db.select({ id: terminalModels.id }).from(terminalModels).limit(1);
    const draft = await createRelease(handle.db, { id: null, label: "test", ip: null }, { version: "99.0.0", modelIds: [model!.id], channel: "stable", notes: "", isRollback: false });
    const storeOf = async (merchant: string) =>
      (
        await handle.db
          .select({ id: stores.id })
          .from(stores)
          .where(eq(stores.merchantId, (await merchantNamed(handle.db, merchant)).id))
          .limit(1)
      )[0]!.id;
    const technician = await viewerByEmail(handle.db, demoEmails.technician);
    const adminViewer = await viewerByEmail(handle.db, demoEmails.admin);
    const adminWorker = { actor: { id: adminViewer.id, label: adminViewer.email, ip: null }, scope: await scopeForUser(handle.db, adminViewer), userId: adminViewer.id, role: "admin" as const };
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    const workOrderWithPhoto = async (serialNumber: string) => {
      const [terminal] = await handle.db.select({ id: terminals.id }).from(terminals).where(eq(terminals.serialNumber, serialNumber));
      const order = await createWorkOrder(handle.db, adminWorker.actor, {
        type: "inspection",
        terminalId: terminal!.id,
        title: "Seals",
        description: "",
        priority: "normal",
        dueDate: "2026-12-01",
        technicianId: null,
      });
      return { order: order.id, photo: (await addWorkOrderPhoto(handle.db, adminWorker, order.id, jpeg)).id };
    };
    const commandWithLog = async (serialNumber: string) => {
      const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
      const command = await issueCommand(handle.db, adminWorker.actor, adminViewer, adminWorker.scope, { terminalId: terminal!.id, type: "collect_logs", params: {} });
      await uploadCommandLog(handle.db, { terminalId: terminal!.id, serialNumber, merchantId: terminal!.merchantId }, command.id, new Blob(["boot ok\n"]).stream());
      return command.id;
    };
    const demoCoffeeWork = await workOrderWithPhoto("DEMO-0021");
    const bakeryWork = await workOrderWithPhoto("BAKE-0002");
    fixtures = {
      rolloutId: rollout!.id,
      releaseWithImage: release!.id,
      draftRelease: draft.id,
      demoCoffeeStore: await storeOf("Demo Coffee"),
      bakeryStore: await storeOf("Other Bakery"),
      calendarToken: (await rotateCalendarFeed(handle.db, { id: technician.id, label: technician.email, ip: null }, technician.id)).token,
      demoCoffeeWorkOrder: demoCoffeeWork.order,
      demoCoffeePhoto: demoCoffeeWork.photo,
      bakeryWorkOrder: bakeryWork.order,
      bakeryPhoto: bakeryWork.photo,
      demoCoffeeCommand: await commandWithLog("DEMO-0021"),
      bakeryCommand: await commandWithLog("BAKE-0002"),
      demoCoffeeTerminal: (await handle.db.select({ id: terminals.id }).from(terminals).where(eq(terminals.serialNumber, "DEMO-0021")))[0]!.id,
    };
  });

  it("has a rule for every route handler file and no rule for a file that is gone", () => {
    expect(files.filter((f) => !(f in routeRules))).toEqual([]);
    expect(Object.keys(routeRules).filter((f) => !files.includes(f))).toEqual([]);
  });

  it.each(files)("%s answers each caller as its rule says", async (file) => {
    const rule = routeRules[file];
    if (!rule) return;
    const handlers = (await import(path.resolve(file))) as RouteModule;
    const calls = rule(fixtures);
    expect(
      Object.keys(handlers)
        .filter((name) => httpMethods.includes(name))
        .sort(),
      "every exported method has a call",
    ).toEqual([...new Set(calls.map((c) => c.method))].sort());
    for (const call of calls) {
      for (const caller of routeCallers) {
        const headers: Record<string, string> = { origin: "http://localhost:3000", "content-type": "application/json", "x-real-ip": "192.0.2.30" };
        if (caller !== "anonymous") headers.cookie = cookies[caller]!;
        const req = new Request(`http://localhost:3000${call.path}`, { method: call.method, headers, body: call.body });
        const response = await handlers[call.method]!(req, { params: Promise.resolve(paramsOf(file, call.path)) });
        // Streams (the event stream, CSV downloads) are not read to the end.
        await response.body?.cancel();
        expect(response.status, `${call.method} ${call.path} as ${caller}`).toBe(call.expect[caller]);
      }
    }
  });
});
