import http from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db, type DbHandle } from "@/db/client";
import { terminals } from "@/db/schema";
import { heartbeatEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest } from "@/server/device-api/http";
import { deviceApiLane } from "@/server/device-api/node";
import { isTransientDatabaseError } from "@/server/errors";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { callerFor, createTestDatabase, demoEmails, engine, viewerByEmail } from "../helpers/db";

let handle: DbHandle;
let token: string;

beforeAll(async () => {
  handle = await createTestDatabase();
  const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0006"));
  token = (await reissueDeviceToken(handle.db, { id: null, label: "test", ip: null }, terminal!.id)).deviceToken;
});
afterAll(async () => handle?.close());

/** What the driver throws when the server ends the connection under a query, as Drizzle wraps it. */
const adminShutdown = () => new Error("Failed query: select …", { cause: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01", severity: "FATAL" }) });

/** The database, except that its next statement fails as if the connection had been killed. */
function failingOnce(db: Db): Db {
  let failed = false;
  return new Proxy(db, {
    get(target, property, receiver) {
      // `_` is how a prepared statement reaches the session (the heartbeat's check-in statement).
      if (!failed && ["select", "execute", "insert", "update", "delete", "transaction", "_"].includes(String(property))) {
        failed = true;
        throw adminShutdown();
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

const heartbeatRequest = () =>
  new Request("http://device-api.local/api/device/v1/heartbeat", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ firmwareVersion: "3.0.0" }),
  });

describe("isTransientDatabaseError", () => {
  it("knows a lost connection from a fault in the request", () => {
    expect(isTransientDatabaseError(adminShutdown())).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransientDatabaseError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientDatabaseError(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]))).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isTransientDatabaseError(Object.assign(new Error("syntax"), { code: "42601" }))).toBe(false);
    expect(isTransientDatabaseError(new TypeError("Cannot read properties of undefined"))).toBe(false);
  });
});

describe("a database connection lost under a request", () => {
  it("answers a terminal 503 unavailable with Retry-After, and the next request works", async () => {
    const failed = await handleDeviceRequest(failingOnce(handle.db), heartbeatEndpoint, heartbeatRequest());
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("5");
    expect(await failed.json()).toEqual({ error: { code: "unavailable", message: expect.any(String) } });
    expect((await handleDeviceRequest(handle.db, heartbeatEndpoint, heartbeatRequest())).status).toBe(200);
  });

  it("answers a console call SERVICE_UNAVAILABLE (HTTP 503), and the next call works", async () => {
    const viewer = await viewerByEmail(handle.db, demoEmails.admin);
    const failure = await callerFor(failingOnce(handle.db), viewer)
      .models.list()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TRPCError);
    expect((failure as TRPCError).code).toBe("SERVICE_UNAVAILABLE");
    expect((await callerFor(handle.db, viewer).models.list()).length).toBeGreaterThan(0);
  });

  // The real thing: PostgreSQL ends the connection of a statement that is waiting (here on a row lock).
  it.runIf(engine === "postgres")("answers 503 when PostgreSQL terminates the connection mid-request, and the pool recovers", async () => {
    const lane = deviceApiLane(async () => handle.db);
    const server = http.createServer((req, res) => void (lane(req, res) || res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/device/v1/heartbeat`;
    const send = () => fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ firmwareVersion: "3.0.1" }) });
    const blocker = await openDatabase({ engine: "postgres", url: (handle.target as { url: string }).url, poolSize: 1 });
    try {
      await send(); // opens the pool's connections and warms the token check
      let response: Promise<Response> | undefined;
      await blocker.db.transaction(async (tx) => {
        await tx.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0006")).for("update");
        response = send();
        const { Client } = await import("pg");
        const admin = new Client({ connectionString: (handle.target as { url: string }).url });
        await admin.connect();
        try {
          await expect.poll(async () => (await admin.query(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rowCount).toBe(1);
          await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        } finally {
          await admin.end();
        }
        const failed = await response;
        expect(failed.status).toBe(503);
        expect(failed.headers.get("retry-after")).toBe("5");
        expect(await failed.json()).toMatchObject({ error: { code: "unavailable" } });
      });
      expect((await send()).status).toBe(200);
    } finally {
      await blocker.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
