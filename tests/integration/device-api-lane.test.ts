import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { terminalCommands, terminals, updateJobs } from "@/db/schema";
import { stampClientAddress } from "@/server/client-ip";
import { deviceApiLane } from "@/server/device-api/node";
import { MAX_BODY_BYTES } from "@/server/device-api/http";
import { rolloutCreateInput } from "@/server/schemas/firmware";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { issueCommand, MAX_COMMAND_LOG_BYTES } from "@/server/services/commands";
import { createRelease, setReleaseStatus, uploadReleaseImage } from "@/server/services/firmware";
import { createRollout } from "@/server/services/rollouts";
import { createTestDatabase } from "../helpers/db";
import { asFirmwareImage } from "../helpers/firmware-image";

let handle: DbHandle;
let server: http.Server;
let base: string;
let token: string;

beforeAll(async () => {
  handle = await createTestDatabase();
  const lane = deviceApiLane(() => Promise.resolve(handle.db));
  // As server/main.ts: the client address is decided first; what the lane does not serve goes to
  // Next in production, here it is marked as such.
  server = http.createServer((req, res) => {
    stampClientAddress(req);
    if (!lane(req, res)) res.writeHead(599).end("next");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
  token = (await reissueDeviceToken(handle.db, { id: null, label: "test", ip: null }, terminal!.id)).deviceToken;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await handle?.close();
});

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error;

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  // duplex: a streamed body is sent chunked, without Content-Length.
  fetch(`${base}/api/device/v1${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);

describe("the production server's device API lane", () => {
  it("serves a heartbeat through the same endpoint code", async () => {
    const response = await post("/heartbeat", JSON.stringify({ firmwareVersion: "3.1.2", batteryPercent: 64 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ nextHeartbeatSeconds: 300, update: null, notices: [] });
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
    expect(terminal).toMatchObject({ firmwareVersion: "3.1.2", batteryPercent: 64 });
  });

  it("answers errors in the contract's shape", async () => {
    const bad = await post("/heartbeat", "{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_request" } });
    const field = await post("/heartbeat", JSON.stringify({ firmwareVersion: "1", batteryPercent: 101 }));
    expect(((await field.json()) as { error: { message: string } }).error.message).toContain("batteryPercent");
    const anonymous = await post("/heartbeat", "{}", { authorization: "" });
    expect(anonymous.status).toBe(401);
  });

  it("refuses an oversize body with 413, declared or streamed", async () => {
    const big = JSON.stringify({ firmwareVersion: "1", pad: "x".repeat(MAX_BODY_BYTES) });
    const declared = await post("/heartbeat", big);
    expect(declared.status).toBe(413);
    const streamed = await post(
      "/heartbeat",
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("does not fail on a malformed Host header", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const req = http.request(
        { port, host: "127.0.0.1", path: "/api/device/v1/heartbeat", method: "POST", headers: { host: "a b", authorization: `Bearer ${token}`, "content-type": "application/json" } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ firmwareVersion: "3.1.2" }));
    });
    expect(status).toBe(200);
  });

  it("answers unknown paths and methods in the contract's shape and leaves the rest to Next", async () => {
    const unknown = await post("/nowhere", "{}");
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({ code: "not_found" });
    const wrongMethod = await fetch(`${base}/api/device/v1/heartbeat`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(await errorOf(wrongMethod)).toMatchObject({ code: "method_not_allowed" });
    expect((await fetch(`${base}/terminals`)).status).toBe(599);
    expect((await fetch(`${base}/api/device/v1x`)).status).toBe(599);
  });

  it("streams a command's log past the JSON limit into storage, refuses one over its own limit, and takes the result", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
    const command = await issueCommand(handle.db, { id: null, label: "test", ip: null }, { role: "admin" }, { kind: "all" }, { terminalId: terminal!.id, type: "collect_logs", params: {} });
    const put = (body: BodyInit, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/device/v1/commands/${command.id}/logs`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", ...headers },
        body,
        duplex: "half",
      } as RequestInit);
    const oversize = await put(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(MAX_COMMAND_LOG_BYTES + 1));
          controller.close();
        },
      }),
    );
    expect(oversize.status).toBe(413);
    expect(await errorOf(oversize)).toMatchObject({ code: "payload_too_large" });
    const log = Buffer.alloc(3 * MAX_BODY_BYTES, "log line\n");
    const stored = await put(log);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ ok: true });
    expect((await post(`/commands/${command.id}/result`, JSON.stringify({ status: "succeeded" }))).status).toBe(200);
    const [row] = await handle.db.select().from(terminalCommands).where(eq(terminalCommands.id, command.id));
    expect(row).toMatchObject({ status: "succeeded", logBytes: log.length });
  });

  it("streams firmware with Range and takes update status reports by path", async () => {
    const actor = { id: null, label: "test", ip: null };
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
    const image = asFirmwareImage(Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 253)));
    const release = await createRelease(handle.db, actor, { version: "30.0.0", modelIds: [terminal!.modelId], channel: "stable", notes: "", isRollback: false });
    await uploadReleaseImage(handle.db, actor, release.id, "p2.bin", new Blob([image]).stream());
    await setReleaseStatus(handle.db, actor, release.id, "published");
    await createRollout(handle.db, actor, rolloutCreateInput.parse({ name: "lane", releaseId: release.id, target: { serialNumbers: ["DEMO-0004"] } }));
    const [job] = await handle.db.select().from(updateJobs).where(eq(updateJobs.terminalId, terminal!.id));

    const auth = { authorization: `Bearer ${token}` };
    const part = await fetch(`${base}/api/device/v1/firmware/${release.id}`, { headers: { ...auth, range: "bytes=100000-" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100000-199999/200000`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(image.subarray(100_000));
    const whole = await fetch(`${base}/api/device/v1/firmware/${release.id}`, { headers: auth });
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(image);
    expect((await fetch(`${base}/api/device/v1/firmware/${release.id}`, { method: "POST", headers: auth })).headers.get("allow")).toBe("GET");

    expect((await post(`/updates/${job!.id}/status`, JSON.stringify({ status: "installing" }))).status).toBe(200);
    expect((await post(`/updates/${job!.id}/status`, JSON.stringify({ status: "downloading" }))).status).toBe(409);
    const wrongMethod = await fetch(`${base}/api/device/v1/updates/${job!.id}/status`, { headers: auth });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });
});
