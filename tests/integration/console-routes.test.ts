import fs from "node:fs";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { sessions, terminals, users } from "@/db/schema";
import * as heartbeatRoute from "@/app/api/device/v1/heartbeat/route";
import * as eventsRoute from "@/app/api/events/route";
import * as terminalsExport from "@/app/api/terminals/export/route";
import * as recordsExport from "@/app/api/training/records/export/route";
import * as trpcRoute from "@/app/api/trpc/[trpc]/route";
import * as workOrdersExport from "@/app/api/work-orders/export/route";
import { config as proxyConfig } from "@/proxy";
import { logger } from "@/server/logger";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { createTestDatabase, demoEmails } from "../helpers/db";
import { sessionCookie } from "../helpers/sessions";

// The route handlers open the app's database; here it is this file's test database.
const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));
// A procedure that fails inside, as a bug would.
vi.mock(import("@/server/services/overview"), async (importOriginal) => ({
  ...(await importOriginal()),
  fleetOverview: () => Promise.reject(new RangeError("Maximum call stack size exceeded")),
}));

let handle: DbHandle;
let admin: string;

beforeAll(async () => {
  handle = testDb.handle = await createTestDatabase();
  admin = await sessionCookie(demoEmails.admin, "192.0.2.41");
});
afterAll(async () => handle?.close());

const noParams = { params: Promise.resolve({}) };
const get = (path: string, cookie: string, init: RequestInit = {}) => new Request(`http://localhost:3000${path}`, { ...init, headers: { cookie, origin: "http://localhost:3000", ...init.headers } });

type TrpcError = { error: { json: { message: string; data: { code: string; reason: string | null; fieldErrors: Record<string, string[]> | null; invalidInput: boolean } } } };

/** Every page under app/ as a request path: route groups dropped, a dynamic segment filled in. */
function pagePaths(dir = "app"): { path: string; console: boolean }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "api" || entry.name.startsWith("_") ? [] : pagePaths(file);
    if (entry.name !== "page.tsx") return [];
    const segments = dir.split(path.sep).slice(1);
    const urlPath = `/${segments
      .filter((s) => !/^\(.*\)$/.test(s))
      .map((s) => s.replace(/^\[.*\]$/, "x"))
      .join("/")}`;
    return [{ path: urlPath, console: segments[0] === "(console)" }];
  });
}

describe("signed-out pages", () => {
  // The proxy sends a visitor without a session to /login on every path its matcher matches.
  const redirectsSignedOut = (urlPath: string) => new RegExp(`^${proxyConfig.matcher[0]}$`).test(urlPath);
  const pages = pagePaths();

  it("finds the sign-in page and the pages of e-mailed links", () => {
    expect(pages.filter((p) => !p.console).map((p) => p.path)).toEqual(expect.arrayContaining(["/login", "/forgot-password", "/reset-password/x", "/invite/x", "/confirm-email/x"]));
  });

  it.each(pages.map((p) => [p.path, p.console] as const))("%s needs a session: %s", (urlPath, inConsole) => {
    expect(redirectsSignedOut(urlPath)).toBe(inConsole);
  });
});

describe("the route gate", () => {
  it("holds a role that must use a second factor to enrolling it first, as the procedures do", async () => {
    vi.stubEnv("AUTH_REQUIRE_MFA", "admin");
    try {
      const response = await terminalsExport.GET(get("/api/terminals/export", admin), noParams);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: "second_factor_required" } });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("CSV exports", () => {
  it.each([
    ["terminals", terminalsExport.GET, "/api/terminals/export?q=%00", "q"],
    ["work orders", workOrdersExport.GET, "/api/work-orders/export?technicianId=%00", "technicianId"],
    ["training records", recordsExport.GET, "/api/training/records/export?q=%00", "q"],
  ])("refuse a NUL in a %s filter with 400 before the first byte", async (_name, handler, path, field) => {
    const response = await handler(get(path, admin), noParams);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_request", message: `Some fields are not valid: ${field}.` } });
  });

  it("export chosen rows by id, only those in the caller's scope, and refuse a body that names none", async () => {
    const rows = await handle.db
      .select({ id: terminals.id, serialNumber: terminals.serialNumber })
      .from(terminals)
      .where(inArray(terminals.serialNumber, ["DEMO-0001", "DEMO-0002", "BAKE-0001"]));
    const post = (cookie: string, body: string) => terminalsExport.POST(get("/api/terminals/export", cookie, { method: "POST", body, headers: { "content-type": "application/json" } }), noParams);
    const ids = rows.map((r) => r.id);
    const asAdmin = await (await post(admin, JSON.stringify({ ids }))).text();
    expect(
      asAdmin
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual(["BAKE-0001", "DEMO-0001", "DEMO-0002"]);
    const owner = await sessionCookie(demoEmails.merchant, "192.0.2.42");
    const asOwner = await (await post(owner, JSON.stringify({ ids }))).text();
    expect(
      asOwner
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual(["DEMO-0001", "DEMO-0002"]);
    for (const body of ["", "not json", JSON.stringify({ ids: [] }), JSON.stringify({ ids: ["not-an-id"] })]) expect((await post(admin, body)).status, body).toBe(400);
    expect((await post(admin, JSON.stringify({ ids: ids.concat(Array(40_000).fill(ids[0])) }))).status).toBe(413);
  });

  it("still stream what the filters ask for", async () => {
    const response = await terminalsExport.GET(get("/api/terminals/export?q=DEMO-0001", admin), noParams);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("DEMO-0001");
  });

  it("word the system's work-order titles in the console's language", async () => {
    // The demo data's DEMO-0011 has a fault reported: a title the system wrote.
    const english = await workOrdersExport.GET(get("/api/work-orders/export?q=DEMO-0011", admin), noParams);
    expect(await english.text()).toContain(",Fault: DEMO-0011,");
    const chinese = await (await workOrdersExport.GET(get("/api/work-orders/export?q=DEMO-0011", `${admin}; NEXT_LOCALE=zh-CN`), noParams)).text();
    expect(chinese).toContain(",故障：DEMO-0011,");
    expect(chinese).not.toContain("Fault:");
  });
});

describe("text input", () => {
  it("refuses NUL on the device API too, as a 400 in the contract's shape", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0005"));
    const { deviceToken } = await reissueDeviceToken(handle.db, { id: null, label: "test", ip: null }, terminal!.id);
    const response = await heartbeatRoute.POST(
      new Request("http://localhost:3000/api/device/v1/heartbeat", {
        method: "POST",
        headers: { authorization: `Bearer ${deviceToken}`, "content-type": "application/json" },
        body: JSON.stringify({ firmwareVersion: "1.0\u0000" }),
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("/api/trpc", () => {
  const post = (path: string, body: BodyInit) => trpcRoute.POST(get(path, admin, { method: "POST", body, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit));
  const batchOf = (n: number) => `/api/trpc/${Array.from({ length: n }, () => "users.me").join(",")}?batch=1&input=${encodeURIComponent("{}")}`;

  it("refuses a body over 1 MiB with 413, declared or streamed, in tRPC's format and the reader's language", async () => {
    const big = JSON.stringify({ 0: { json: { serialNumber: "x".repeat(2 * 1024 * 1024) } } });
    const declared = await post("/api/trpc/terminals.create?batch=1", big);
    expect(declared.status).toBe(413);
    const [refusal] = (await declared.json()) as TrpcError[];
    expect(refusal!.error.json.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", reason: "requestTooLarge" });
    expect(refusal!.error.json.message).toBe("The request is too large: it may be at most 1 MB. Send less at a time.");
    const chinese = await trpcRoute.POST(get("/api/trpc/terminals.create?batch=1", `${admin}; NEXT_LOCALE=zh-CN`, { method: "POST", body: big, headers: { "content-type": "application/json" } }));
    expect(chinese.status).toBe(413);
    expect(((await chinese.json()) as TrpcError[])[0]!.error.json.message).toBe("请求内容过大：最多 1 MB，请分批发送。");
    const streamed = await post(
      "/api/trpc/terminals.create?batch=1",
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
    );
    expect(streamed.status).toBe(413);
  });

  it("lets a terminal import carry a large file", async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({
      line: i + 2,
      values: { serial_number: `IMPORT-${i}`, manufacturer: "PAX", model: "A80", merchant_id: "", store_id: "", firmware_version: "x".repeat(100) },
    }));
    const body = JSON.stringify({ 0: { json: { rows, dryRun: true } } });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const response = await post("/api/trpc/terminals.import?batch=1", body);
    expect(response.status).toBe(200);
    // Only for an admin, who may import: anyone else is held to 1 MiB before the body is read.
    const anonymous = await trpcRoute.POST(get("/api/trpc/terminals.import?batch=1", "", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(anonymous.status).toBe(413);
  });

  it("runs at most 20 calls in one batch", async () => {
    expect((await trpcRoute.GET(get(batchOf(20), admin))).status).toBe(200);
    const tooMany = await trpcRoute.GET(get(batchOf(21), admin));
    expect(tooMany.status).toBe(400);
  });

  it("tells the user a sentence for a validation failure, with the per-field messages beside it", async () => {
    const response = await trpcRoute.GET(get(`/api/trpc/terminals.getBySerial?input=${encodeURIComponent(JSON.stringify({ json: { serialNumber: "" } }))}`, admin));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as TrpcError;
    expect(error.json.message).toBe("Some fields are not valid: serialNumber.");
    expect(error.json.data.fieldErrors?.serialNumber?.length).toBe(1);
    expect(error.json.data.invalidInput).toBe(true);
  });

  it("tells the user nothing of an internal failure, and logs it on the server", async () => {
    const log = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    try {
      const response = await trpcRoute.GET(get("/api/trpc/overview.get", admin));
      expect(response.status).toBe(500);
      const { error } = (await response.json()) as TrpcError;
      expect(error.json.message).toBe("Something went wrong on our side. Please try again.");
      expect(error.json.data.invalidInput).toBe(false);
      expect(log).toHaveBeenCalledWith({ err: expect.objectContaining({ message: "Maximum call stack size exceeded" }), procedure: "overview.get" }, "tRPC procedure failed");
    } finally {
      log.mockRestore();
    }
  });
});

describe("the event stream", () => {
  afterEach(() => vi.useRealTimers());

  /** Opens /api/events with the tick's interval under the test's control, and reads it as it comes. */
  async function openStream(cookie: string) {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const abort = new AbortController();
    const response = await eventsRoute.GET(get("/api/events", cookie, { signal: abort.signal }), noParams);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const stream = { text: "", ended: false, abort: () => abort.abort() };
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stream.text += decoder.decode(value);
      }
      stream.ended = true;
    })();
    await until(() => stream.text.includes(": connected"));
    return stream;
  }

  async function until(condition: () => boolean) {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(condition()).toBe(true);
  }

  /** One tick of the stream: it checks the session (in the database) and answers. */
  const tick = () => vi.advanceTimersByTimeAsync(30_000);

  it("stays open while its viewer is signed in", async () => {
    const stream = await openStream(await sessionCookie(demoEmails.merchant, "192.0.2.42"));
    await tick();
    await until(() => stream.text.includes(": keepalive"));
    expect(stream.ended).toBe(false);
    stream.abort();
    await until(() => stream.ended);
  });

  it("ends within a tick when its viewer signs out", async () => {
    const stream = await openStream(await sessionCookie(demoEmails.merchant, "192.0.2.43"));
    const [owner] = await handle.db.select().from(users).where(eq(users.email, demoEmails.merchant));
    await handle.db.delete(sessions).where(eq(sessions.userId, owner!.id));
    await tick();
    await until(() => stream.ended);
  });

  it("ends within a tick when its viewer is disabled", async () => {
    const stream = await openStream(await sessionCookie(demoEmails.technician, "192.0.2.44"));
    await handle.db.update(users).set({ disabled: true }).where(eq(users.email, demoEmails.technician));
    await tick();
    await until(() => stream.ended);
  });
});
