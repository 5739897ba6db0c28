import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { terminals, users } from "@/db/schema";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...all]/route";
import { GET as trpcGet, POST as trpcPost } from "@/app/api/trpc/[trpc]/route";
import { stampClientAddress } from "@/server/client-ip";
import { deviceApiLane } from "@/server/device-api/node";
import { runDueJobs } from "@/server/jobs";
import { createLogger } from "@/server/logger";
import { metricsHandler } from "@/server/metrics-endpoint";
import { withRequestLog } from "@/server/request-log";
import { routeLabeler } from "@/server/route-label";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { createTestDatabase, demoEmails, engine, FIXED_NOW } from "../helpers/db";
import { DEMO_PASSWORD } from "../helpers/sessions";

const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

const METRICS_TOKEN = "metrics-token-0123456789";

let handle: DbHandle;
let server: http.Server;
let base: string;
let deviceToken: string;
let written = "";

/** What the logger wrote since the last test began, one object per line. */
const logLines = () =>
  written
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Hands a request to a route handler as Next would, for the console's lane. */
async function serveRoute(handler: (req: Request) => Promise<Response>, req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  const response = await handler(new Request(`http://localhost:3000${req.url}`, { method: req.method, headers, body }));
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  res.setHeader("set-cookie", response.headers.getSetCookie());
  res.writeHead(response.status).end(Buffer.from(await response.arrayBuffer()));
}

beforeAll(async () => {
  handle = await createTestDatabase();
  testDb.handle = handle;
  const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
  deviceToken = (await reissueDeviceToken(handle.db, { id: null, label: "test", ip: null }, terminal!.id)).deviceToken;
  const logger = createLogger(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }),
    { LOG_LEVEL: "info" },
  );
  const lane = deviceApiLane(() => Promise.resolve(handle.db));
  const scrape = metricsHandler({ listener: "app", database: () => Promise.resolve(handle), env: { METRICS_TOKEN } });
  // The routes as `next build` lists them in .next/routes-manifest.json.
  const routeOf = routeLabeler(
    [
      { page: "/api/auth/[...all]", regex: "^/api/auth/(.+?)(?:/)?$" },
      { page: "/api/trpc/[trpc]", regex: "^/api/trpc/([^/]+?)(?:/)?$" },
    ],
    ["/metrics"],
  );
  // As server/main.ts, with the two route handlers standing in for Next.
  server = http.createServer(
    withRequestLog(
      (req, res) => {
        stampClientAddress(req);
        if (req.url === "/metrics") return void scrape(req, res);
        if (lane(req, res)) return;
        const auth = req.url!.startsWith("/api/auth/");
        void serveRoute(req.method === "GET" ? (auth ? authGet : trpcGet) : auth ? authPost : trpcPost, req, res);
      },
      { routeOf, logger },
    ),
  );
  // A test's database work can block the event loop for seconds (PGlite runs in this thread, running every job does),
  // past Node's 5 s keep-alive: the next scrape would reuse a socket the server is closing (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await handle?.close();
});
beforeEach(() => {
  written = "";
});

/** The log line of a request, once the server has written it (after the response has gone). */
async function lineFor(requestId: string): Promise<Record<string, unknown>> {
  await vi.waitFor(() => expect(logLines().some((line) => line.reqId === requestId)).toBe(true));
  return logLines().find((line) => line.reqId === requestId)!;
}

const heartbeat = (headers: Record<string, string> = {}) =>
  fetch(`${base}/api/device/v1/heartbeat`, {
    method: "POST",
    headers: { authorization: `Bearer ${deviceToken}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ firmwareVersion: "3.1.2", batteryPercent: 64 }),
  });

const scrape = async (token: string | null = METRICS_TOKEN) => fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** A series' value in a scrape, or undefined when the scrape does not have it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("request log", () => {
  it("writes one JSON line per device API request with its id, terminal, route, status and duration, never the token", async () => {
    const response = await heartbeat({ "x-request-id": "lb-7f3a.42" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("lb-7f3a.42");
    const line = await lineFor("lb-7f3a.42");
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      lane: "device",
      method: "POST",
      route: "/api/device/v1/heartbeat",
      status: 200,
      terminal: { serialNumber: "DEMO-0004" },
      ip: "127.0.0.1",
    });
    expect(typeof line.durationMs).toBe("number");
    expect(logLines().filter((l) => l.reqId === "lb-7f3a.42")).toHaveLength(1);
    expect(written).not.toContain(deviceToken);
  });

  it("makes a new id when the caller's is not a plain token, and labels ids out of routes", async () => {
    const response = await fetch(`${base}/api/device/v1/updates/6a0b8a5e-0000-4000-8000-000000000000/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${deviceToken}`, "content-type": "application/json", "x-request-id": 'forged "msg":"ok"' },
      body: JSON.stringify({ status: "downloading" }),
    });
    const id = response.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lineFor(id)).toMatchObject({ route: "/api/device/v1/updates/:jobId/status", status: 404 });
  });

  it("logs a console request with the signed-in user, and never the password or the session cookie", async () => {
    const signIn = await fetch(`${base}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-request-id": "sign-in-1" },
      body: JSON.stringify({ email: demoEmails.admin, password: DEMO_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    expect(await lineFor("sign-in-1")).toMatchObject({ lane: "console", route: "/api/auth/[...all]", status: 200 });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const query = await fetch(`${base}/api/trpc/terminals.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, { headers: { cookie, "x-request-id": "list-1" } });
    expect(query.status).toBe(200);
    const [admin] = await handle.db.select().from(users).where(eq(users.email, demoEmails.admin));
    expect(await lineFor("list-1")).toMatchObject({ lane: "console", route: "/api/trpc/[trpc]", method: "GET", status: 200, userId: admin!.id });
    expect(written).not.toContain(DEMO_PASSWORD);
    expect(written).not.toContain(cookie.split("=")[1]!);
    // Each call of a tRPC request counts by procedure.
    expect(sample(await (await scrape()).text(), 'posfleet_trpc_calls_total{procedure="terminals.list",outcome="ok"}')).toBe(1);
  });
});

describe("metrics", () => {
  it("refuses a scrape without the token, or with another", async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("metrics-token-wrong-guess")).status).toBe(401);
    expect((await scrape()).status).toBe(200);
  });

  it("counts heartbeats, device requests by route and batch sizes", async () => {
    const before = await (await scrape()).text();
    const requestSeries = 'posfleet_http_requests_total{lane="device",method="POST",route="/api/device/v1/heartbeat",status="200"}';
    expect((await heartbeat()).status).toBe(200);
    await vi.waitFor(async () => expect(sample(await (await scrape()).text(), requestSeries)).toBe((sample(before, requestSeries) ?? 0) + 1));
    const after = await (await scrape()).text();
    expect(sample(after, "posfleet_heartbeats_total")).toBe((sample(before, "posfleet_heartbeats_total") ?? 0) + 1);
    expect(sample(after, 'posfleet_batch_size_count{batcher="check-ins"}')).toBeGreaterThan(sample(before, 'posfleet_batch_size_count{batcher="check-ins"}') ?? 0);
    expect(after).toContain('posfleet_batcher_queue_depth{batcher="check-ins"} 0');
    // Database gauges, read at scrape time.
    expect(sample(after, "posfleet_sms_outbox_queued")).toBeGreaterThanOrEqual(0);
    expect(after).toMatch(/^posfleet_update_jobs_open\{status="pending"\} \d+$/m);
    // PostgreSQL's pool has at least the connection that answered; PGlite has no pool.
    if (engine === "postgres") expect(sample(after, 'posfleet_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    else expect(after).not.toContain("posfleet_db_pool_connections{");
  });

  it("counts job runs and shows how late a job is", async () => {
    const series = 'posfleet_job_runs_total{job="prune-sign-in-failures",outcome="ok"}';
    const before = sample(await (await scrape()).text(), series) ?? 0;
    expect(await runDueJobs(handle.db, FIXED_NOW)).toContain("prune-sign-in-failures");
    const after = await (await scrape()).text();
    expect(sample(after, series)).toBe(before + 1);
    expect(sample(after, 'posfleet_job_duration_seconds_count{job="prune-sign-in-failures"}')).toBeGreaterThanOrEqual(1);
    // Its next run is an hour after the seed's clock, long past by the database's clock.
    expect(sample(after, 'posfleet_job_lag_seconds{job="prune-sign-in-failures"}')).toBeGreaterThan(0);
  });
});
