import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { stampClientAddress } from "@/server/client-ip";
import { deviceApiLane } from "@/server/device-api/node";
import { refuseUndecodablePath } from "@/server/request-path";
import { createTestDatabase } from "../helpers/db";

let handle: DbHandle;
let server: http.Server;

beforeAll(async () => {
  handle = await createTestDatabase();
  const lane = deviceApiLane(() => Promise.resolve(handle.db));
  // As server/main.ts; what would go to Next answers 599 here.
  server = http.createServer((req, res) => {
    if (refuseUndecodablePath(req, res)) return;
    stampClientAddress(req);
    if (!lane(req, res)) res.writeHead(599).end("next");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await handle?.close();
});

/** Sends the path exactly as written (fetch would normalise it). */
function request(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = http.request({ port, host: "127.0.0.1", path, method, headers: { "content-type": "application/json" } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

describe("the production server", () => {
  it.each([
    ["GET", "/terminals/%E0%A4%A"],
    ["GET", "/notices/%zz"],
    ["GET", "/api/trpc/%zz"],
    ["GET", "/api/calendar/%zz.ics"],
    ["GET", "/api/rollouts/%zz/export"],
    ["POST", "/api/device/v1/notices/%zz/ack"],
  ])("answers %s %s with 400 before any lane sees it", async (method, path) => {
    const response = await request(method, path);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("passes paths that decode on, whatever the query holds", async () => {
    expect((await request("GET", "/terminals/%E4%B8%AD%25zz")).status).toBe(599);
    expect((await request("GET", "/terminals?q=%zz")).status).toBe(599);
    expect((await request("POST", "/api/device/v1/nowhere")).status).toBe(404);
  });
});
