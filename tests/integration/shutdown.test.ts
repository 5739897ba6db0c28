import type http from "node:http";
import net, { type AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { terminals } from "@/db/schema";
import { createAppServer, KEEP_ALIVE_TIMEOUT_SECONDS } from "@/server/app-server";
import { readiness } from "@/server/health";
import { startJobRunner } from "@/server/jobs";
import { processHeartbeat } from "@/server/services/heartbeat";
import { fleetEventStream } from "@/server/services/fleet-events";
import { isDraining, onShutdown, shutDown, untilShutdown } from "@/server/shutdown";
import { createTestDatabase } from "../helpers/db";

let handle: DbHandle;
let server: http.Server;
let port: number;
let releaseSlowRequest = () => {};
let slowRequestArrived: Promise<void>;
/** The check-ins of DEMO-0005 when the database would close: the last shutdown step, as server/db.ts registers it. */
let checkinsWhenClosing: number | undefined;

const checkinsOf = async (terminalId: string) => (await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from checkins where terminal_id = ${terminalId}`))[0]!.n;
const slowJobLease = async () => (await queryRows<{ locked_until: unknown }>(handle.db, sql`select locked_until from scheduled_jobs where name = 'test-slow'`))[0]?.locked_until;

/** A connection to write a request by hand; `closed` resolves with all it received once the server closes it. */
function rawConnection() {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
  return { socket, closed, received: () => received };
}

beforeAll(async () => {
  handle = await createTestDatabase();
  const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0005"));
  onShutdown("test database", async () => {
    checkinsWhenClosing = await checkinsOf(terminal!.id);
  });
  let arrived = () => {};
  slowRequestArrived = new Promise((resolve) => (arrived = resolve));
  // A stand-in for Next: /slow answers when the test lets it.
  server = createAppServer({
    database: async () => handle,
    handleWithNext: async (req, res) => {
      if (req.url !== "/slow") return void res.writeHead(404).end();
      arrived();
      await new Promise<void>((resolve) => (releaseSlowRequest = resolve));
      res.end("done");
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await handle?.close();
});

describe("an instance", () => {
  it("keeps idle connections open longer than a proxy in front does (nginx: 60 s)", () => {
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_SECONDS * 1000);
    expect(KEEP_ALIVE_TIMEOUT_SECONDS).toBeGreaterThan(60);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });

  it("answers the probes", async () => {
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`http://127.0.0.1:${port}/api/ready`);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", liveUpdates: "ok", jobs: "ok" } });
    expect(ready.status).toBe(200);
  });

  it("drains on shutdown: finishes requests in flight, refuses new ones, stores queued check-ins and gives back its job leases", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0005"));
    const checkinsBefore = await checkinsOf(terminal!.id);

    // A job whose run outlasts the shutdown deadline.
    const slowJob = { name: "test-slow", everySeconds: 3600, run: () => new Promise<Record<string, unknown>>(() => undefined) };
    startJobRunner(handle.db, { jobs: [slowJob], firstTickMs: 0 });
    await expect.poll(slowJobLease).not.toBeNull();

    // An open live-event stream.
    const events = fleetEventStream(handle, { kind: "all" }, untilShutdown(new AbortController().signal), async () => true).getReader();
    expect(new TextDecoder().decode((await events.read()).value)).toContain("retry:");

    // A slow request in flight, and a readiness probe whose headers are still arriving.
    const slow = rawConnection();
    slow.socket.write("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
    await slowRequestArrived;
    const probe = rawConnection();
    probe.socket.write("GET /api/ready HTTP/1.1\r\nHost: test\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));

    // A kept-alive connection that has served a request and sits idle, as a proxy's does.
    const keptAlive = rawConnection();
    keptAlive.socket.write("GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n");
    await expect.poll(() => keptAlive.received()).toMatch(/\{"status":"ok"\}$/);

    // A check-in the batcher holds when shutdown begins.
    const heartbeat = processHeartbeat(handle.db, { terminalId: terminal!.id, serialNumber: "DEMO-0005", merchantId: terminal!.merchantId }, { firmwareVersion: "9.9.9" });
    const stopping = shutDown(server, 2);

    expect(isDraining()).toBe(true);
    expect(await readiness(async () => handle)).toEqual({ status: "draining" });
    // A new connection is refused (a kept-alive one may still carry a request, answered with Connection: close).
    // The proxy's next request on its idle connection, sent as shutdown begins, is answered, not reset.
    keptAlive.socket.write("GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n");
    expect(await keptAlive.closed).toMatch(/\{"status":"ok"\}HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close[\s\S]*\{"status":"ok"\}$/i);
    await expect(new Promise((resolve, reject) => net.connect(port, "127.0.0.1").on("connect", resolve).on("error", reject))).rejects.toThrow(/ECONNREFUSED/);
    expect((await events.read()).done).toBe(true);
    probe.socket.write("\r\n");
    expect(await probe.closed).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*connection: close[\s\S]*\r\n\r\n\{"status":"draining"\}$/i);

    releaseSlowRequest();
    await stopping;
    // The request in flight was answered (and told the client not to reuse the connection), then the connection closed.
    expect(await slow.closed).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close[\s\S]*\r\n\r\ndone$/i);

    await heartbeat;
    expect(checkinsWhenClosing).toBe(checkinsBefore + 1);
    // The run still going at the deadline gave its lease back: another instance may take the job at once.
    expect(await slowJobLease()).toBeNull();
  });
});
