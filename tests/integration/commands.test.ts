import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, commandTypes, terminalCommands, terminals, type CommandType, type UserRole } from "@/db/schema";
import { findDeviceRoute } from "@/server/device-api/endpoints";
import { commandTypesByRole } from "@/server/schemas/commands";
import { commandLogResponse, expireCommands, issueCommand, listCommands, MAX_COMMAND_LOG_BYTES, reportCommandResult } from "@/server/services/commands";
import type { AuthenticatedDevice } from "@/server/services/device-tokens";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { processHeartbeat } from "@/server/services/heartbeat";
import { createTestDatabase, demoEmails, demoPeople, type DemoPerson } from "../helpers/db";

let handle: DbHandle;
const db = () => handle.db;
const system = { id: null, label: "test", ip: null };
type Person = DemoPerson;
let people: Awaited<ReturnType<typeof demoPeople>>;

// A clock of the test's own, so delivery, expiry and results are exact.
const T = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000);

beforeAll(async () => {
  handle = await createTestDatabase();
  people = await demoPeople(handle.db);
});
afterAll(async () => handle?.close());

async function terminalNamed(serialNumber: string) {
  const [terminal] = await db().select().from(terminals).where(eq(terminals.serialNumber, serialNumber));
  if (!terminal) throw new Error(`no terminal ${serialNumber}`);
  return terminal;
}
const deviceOf = (t: { id: string; serialNumber: string; merchantId: string | null }): AuthenticatedDevice => ({ terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId });

/** A command through the service, as a person, at the test's clock. */
async function send(person: Person, serialNumber: string, type: CommandType, now: Date = T) {
  const { viewer, scope } = people[person];
  const terminal = await terminalNamed(serialNumber);
  const params = type === "lock" ? { message: "Stolen: call 400-800-8000" } : {};
  return issueCommand(db(), { id: viewer.id, label: viewer.email, ip: null }, viewer, scope, { terminalId: terminal.id, type, params } as never, now);
}

async function commandRow(id: string) {
  const [row] = await db().select().from(terminalCommands).where(eq(terminalCommands.id, id));
  return row!;
}

async function heartbeatAt(serialNumber: string, now: Date) {
  const terminal = await terminalNamed(serialNumber);
  return processHeartbeat(db(), deviceOf(terminal), { firmwareVersion: terminal.firmwareVersion ?? "1.0.0" }, now);
}

const tokens = new Map<string, string>();
async function tokenOf(serialNumber: string) {
  if (!tokens.has(serialNumber)) tokens.set(serialNumber, (await reissueDeviceToken(db(), system, (await terminalNamed(serialNumber)).id)).deviceToken);
  return tokens.get(serialNumber)!;
}

/** A device API request through the same routing as the production server's lane and the route files. */
async function deviceRequest(serialNumber: string, method: "POST" | "PUT", path: string, body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  const found = findDeviceRoute(method, path);
  if (!("route" in found)) throw new Error(`no device route for ${method} ${path}`);
  const req = new Request(`http://localhost/api/device/v1${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenOf(serialNumber)}`, ...headers },
    body,
    // A stream body needs it (fetch's rule).
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return found.route.serve(db(), req, found.params);
}
const reportResult = (serialNumber: string, commandId: string, result: Record<string, unknown>) => deviceRequest(serialNumber, "POST", `/commands/${commandId}/result`, JSON.stringify(result));
const uploadLog = (serialNumber: string, commandId: string, body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  deviceRequest(serialNumber, "PUT", `/commands/${commandId}/logs`, body, { "content-type": "application/octet-stream", ...headers });

async function expectDeviceError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

async function trpcCode(promise: Promise<unknown>) {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe("a command's states", () => {
  it("is queued, delivered by the first heartbeat that carries it, carried until reported, then succeeded", async () => {
    const command = await send("admin", "DEMO-0005", "reboot");
    expect(command).toMatchObject({ status: "queued" });
    expect(command.expiresAt.getTime()).toBe(at(24 * 60).getTime());

    const first = await heartbeatAt("DEMO-0005", at(1));
    expect(first.commands).toEqual([{ id: command.id, type: "reboot", params: {}, issuedAt: T.toISOString() }]);
    expect(await commandRow(command.id)).toMatchObject({ status: "delivered", deliveredAt: at(1) });

    // Until the terminal reports, every heartbeat carries it; the delivery time stays the first one.
    expect((await heartbeatAt("DEMO-0005", at(2))).commands.map((c) => c.id)).toEqual([command.id]);
    expect((await commandRow(command.id)).deliveredAt).toEqual(at(1));

    const response = await reportResult("DEMO-0005", command.id, { status: "succeeded", message: "rebooted in 31 s" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    const done = await commandRow(command.id);
    expect(done).toMatchObject({ status: "succeeded", resultMessage: "rebooted in 31 s" });
    expect(done.finishedAt).not.toBeNull();
    expect((await heartbeatAt("DEMO-0005", at(3))).commands).toEqual([]);

    // The same result again (its answer was lost) is answered and changes nothing; a different one is refused.
    const again = await reportResult("DEMO-0005", command.id, { status: "succeeded", message: "another message" });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true });
    expect(await commandRow(command.id)).toEqual(done);
    await expectDeviceError(await reportResult("DEMO-0005", command.id, { status: "failed" }), 409, "conflict");
    expect(await commandRow(command.id)).toEqual(done);
  });

  it("takes failed and rejected results; a result for a queued command counts as its delivery too", async () => {
    const terminal = await terminalNamed("DEMO-0006");
    const ping = await send("admin", "DEMO-0006", "ping");
    await reportCommandResult(db(), deviceOf(terminal), ping.id, { status: "failed", message: "no route to host" }, at(5));
    expect(await commandRow(ping.id)).toMatchObject({ status: "failed", deliveredAt: at(5), finishedAt: at(5), resultMessage: "no route to host" });

    const logs = await send("technician", "DEMO-0006", "collect_logs");
    await heartbeatAt("DEMO-0006", at(6));
    await reportCommandResult(db(), deviceOf(terminal), logs.id, { status: "rejected" }, at(7));
    expect(await commandRow(logs.id)).toMatchObject({ status: "rejected", deliveredAt: at(6), finishedAt: at(7), resultMessage: null });
  });

  it("is cancelled only while no heartbeat has carried it", async () => {
    const { caller } = people.admin;
    const queued = await send("admin", "DEMO-0008", "ping");
    expect(await caller.commands.cancel({ id: queued.id })).toEqual({ id: queued.id, status: "cancelled" });
    expect(await commandRow(queued.id)).toMatchObject({ status: "cancelled" });
    expect((await heartbeatAt("DEMO-0008", at(1))).commands).toEqual([]);
    expect(await trpcCode(caller.commands.cancel({ id: queued.id }))).toBe("CONFLICT");
    // The terminal may still have had it: its result is refused, and changes nothing.
    await expectDeviceError(await reportResult("DEMO-0008", queued.id, { status: "succeeded" }), 409, "conflict");
    expect(await commandRow(queued.id)).toMatchObject({ status: "cancelled" });

    const delivered = await send("admin", "DEMO-0008", "reboot");
    await heartbeatAt("DEMO-0008", at(2));
    expect(await trpcCode(caller.commands.cancel({ id: delivered.id }))).toBe("CONFLICT");
    expect(await commandRow(delivered.id)).toMatchObject({ status: "delivered" });
  });

  it("expires when no heartbeat carried it in time, by COMMAND_EXPIRY_HOURS, and then takes no result", async () => {
    vi.stubEnv("COMMAND_EXPIRY_HOURS", "2");
    let command;
    try {
      command = await send("admin", "DEMO-0009", "ping");
    } finally {
      vi.unstubAllEnvs();
    }
    expect(command.expiresAt).toEqual(at(120));
    // Past its expiry a heartbeat no longer carries it, even before the job has run.
    expect((await heartbeatAt("DEMO-0009", at(121))).commands).toEqual([]);
    expect(await commandRow(command.id)).toMatchObject({ status: "queued", deliveredAt: null });

    expect(await expireCommands(db(), at(119))).toEqual({ expired: 0 });
    expect((await expireCommands(db(), at(120))).expired).toBeGreaterThanOrEqual(1);
    expect(await commandRow(command.id)).toMatchObject({ status: "expired", finishedAt: at(120) });
    await expectDeviceError(await reportResult("DEMO-0009", command.id, { status: "succeeded" }), 409, "conflict");
    expect(await commandRow(command.id)).toMatchObject({ status: "expired" });

    const [entry] = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "command.expired"), sql`${auditLog.changes} ->> 'commandId' = ${command.id}`));
    expect(entry).toMatchObject({ entityType: "terminal", actorLabel: "system", changes: { commandId: command.id, commandType: "ping" } });
  });

  it("does not expire a command a heartbeat delivered", async () => {
    const command = await send("admin", "DEMO-0010", "reboot", at(-48 * 60));
    await heartbeatAt("DEMO-0010", at(-47 * 60));
    await expireCommands(db(), T);
    expect(await commandRow(command.id)).toMatchObject({ status: "delivered" });
    expect((await heartbeatAt("DEMO-0010", T)).commands.map((c) => c.id)).toEqual([command.id]);
  });

  it("audits the issue, the cancel and the result, naming the command and its kind", async () => {
    const lock = await send("merchant", "DEMO-0014", "lock");
    await reportResult("DEMO-0014", lock.id, { status: "succeeded" });
    const ping = await send("admin", "DEMO-0014", "ping");
    await people.admin.caller.commands.cancel({ id: ping.id });
    const entries = await db().select().from(auditLog).where(like(auditLog.action, "command.%")).orderBy(auditLog.id);
    const of = (id: string) => entries.filter((e) => (e.changes as { commandId?: string }).commandId === id).map((e) => [e.action, e.actorLabel]);
    expect(of(lock.id)).toEqual([
      ["command.issued", demoEmails.merchant],
      ["command.succeeded", "terminal DEMO-0014"],
    ]);
    expect(entries.find((e) => e.action === "command.issued" && (e.changes as { commandId?: string }).commandId === lock.id)?.changes).toMatchObject({
      commandType: "lock",
      message: "Stolen: call 400-800-8000",
    });
    expect(of(ping.id)).toEqual([
      ["command.issued", demoEmails.admin],
      ["command.cancelled", demoEmails.admin],
    ]);
  });
});

describe("the heartbeat answer", () => {
  it("carries an empty list without commands, and the lock's message with a lock", async () => {
    const plain = await deviceRequest("DEMO-0015", "POST", "/heartbeat", JSON.stringify({ firmwareVersion: "1.0.0" }));
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ commands: [] });

    const lock = await send("merchant", "DEMO-0015", "lock");
    const response = await deviceRequest("DEMO-0015", "POST", "/heartbeat", JSON.stringify({ firmwareVersion: "1.0.0" }));
    const body = (await response.json()) as { commands: unknown[] };
    expect(body.commands).toEqual([{ id: lock.id, type: "lock", params: { message: "Stolen: call 400-800-8000" }, issuedAt: T.toISOString() }]);
  });

  it("carries a terminal's own commands only, oldest first", async () => {
    const first = await send("admin", "DEMO-0016", "ping", at(-2));
    const second = await send("admin", "DEMO-0016", "reboot", at(-1));
    await send("admin", "DEMO-0017", "ping");
    expect((await heartbeatAt("DEMO-0016", T)).commands.map((c) => c.id)).toEqual([first.id, second.id]);
  });
});

describe("the device endpoints' refusals", () => {
  it("answers 404 for another terminal's command and for an id that is no uuid, changing nothing", async () => {
    const command = await send("admin", "DEMO-0018", "collect_logs");
    await expectDeviceError(await reportResult("DEMO-0019", command.id, { status: "succeeded" }), 404, "not_found");
    await expectDeviceError(await uploadLog("DEMO-0019", command.id, "stolen log"), 404, "not_found");
    await expectDeviceError(await reportResult("DEMO-0018", "not-a-uuid", { status: "succeeded" }), 404, "not_found");
    expect(await commandRow(command.id)).toMatchObject({ status: "queued", logKey: null });
  });

  it("answers 400 for a result that is not one of the contract's", async () => {
    const command = await send("admin", "DEMO-0018", "ping");
    await expectDeviceError(await reportResult("DEMO-0018", command.id, { status: "delivered" }), 400, "invalid_request");
    await expectDeviceError(await reportResult("DEMO-0018", command.id, {}), 400, "invalid_request");
    expect(await commandRow(command.id)).toMatchObject({ status: "queued" });
  });

  it("answers 413 for a log over 10 MiB, declared or streamed, and keeps nothing", async () => {
    const command = await send("admin", "DEMO-0020", "collect_logs");
    await expectDeviceError(await uploadLog("DEMO-0020", command.id, "x", { "content-length": String(MAX_COMMAND_LOG_BYTES + 1) }), 413, "payload_too_large");
    // No Content-Length: the stream passes the limit on the way to the storage.
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    let sent = 0;
    const oversize = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_COMMAND_LOG_BYTES) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    await expectDeviceError(await uploadLog("DEMO-0020", command.id, oversize), 413, "payload_too_large");
    expect(await commandRow(command.id)).toMatchObject({ status: "queued", logKey: null, logBytes: null });
  });

  it("takes a log only for a collect_logs command that is still open", async () => {
    const reboot = await send("admin", "DEMO-0020", "reboot");
    await expectDeviceError(await uploadLog("DEMO-0020", reboot.id, "log"), 409, "conflict");
    const logs = await send("admin", "DEMO-0020", "collect_logs");
    await reportResult("DEMO-0020", logs.id, { status: "failed", message: "disk full" });
    await expectDeviceError(await uploadLog("DEMO-0020", logs.id, "late log"), 409, "conflict");
    expect(await commandRow(logs.id)).toMatchObject({ logKey: null });
  });

  it("stores an uploaded log that the console downloads byte for byte, within its scope only", async () => {
    const command = await send("technician", "DEMO-0021", "collect_logs");
    await heartbeatAt("DEMO-0021", at(1));
    const log = Buffer.from(randomBytes(300 * 1024).toString("base64"));
    const upload = await uploadLog("DEMO-0021", command.id, log);
    expect(upload.status).toBe(200);
    expect(await upload.json()).toEqual({ ok: true });
    expect((await reportResult("DEMO-0021", command.id, { status: "succeeded" })).status).toBe(200);
    expect(await commandRow(command.id)).toMatchObject({ status: "succeeded", logBytes: log.length });

    for (const person of ["admin", "technician", "merchant"] as const) {
      const download = await commandLogResponse(db(), people[person].scope, command.id);
      expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="DEMO-0021-\d{8}T\d{6}\.log"$/);
      expect(Buffer.from(await download.arrayBuffer()).equals(log)).toBe(true);
    }
    await expect(commandLogResponse(db(), people.otherMerchant.scope, command.id)).rejects.toMatchObject({ code: "not_found" });
    const listed = await people.merchant.caller.commands.list({ terminalId: (await terminalNamed("DEMO-0021")).id });
    expect(listed.find((c) => c.id === command.id)).toMatchObject({ logBytes: log.length, issuedBy: people.technician.viewer.name, status: "succeeded" });
  });

  it("answers 404 for the download of a command without a log", async () => {
    const command = await send("admin", "DEMO-0022", "collect_logs");
    await expect(commandLogResponse(db(), people.admin.scope, command.id)).rejects.toMatchObject({ code: "not_found", reason: "commandLogNotFound" });
  });
});

describe("who may send what", () => {
  const roles: Exclude<Person, "otherMerchant">[] = ["admin", "technician", "merchant"];

  it.each(roles.flatMap((role) => commandTypes.map((type) => [role, type] as const)))("%s sending %s to a terminal in scope", async (role, type) => {
    const terminal = await terminalNamed("DEMO-0023");
    const params = type === "lock" ? { message: "Locked by the owner" } : {};
    const code = await trpcCode(people[role].caller.commands.send({ terminalId: terminal.id, type, params } as never));
    expect(code).toBe(commandTypesByRole[role as UserRole].includes(type) ? "OK" : "FORBIDDEN");
  });

  it.each(commandTypes.map((type) => [type] as const))("a terminal outside the caller's scope is not found, whatever the kind (%s)", async (type) => {
    const params = type === "lock" ? { message: "Locked" } : {};
    const bakery = await terminalNamed("BAKE-0003");
    const demo = await terminalNamed("DEMO-0023");
    expect(await trpcCode(people.technician.caller.commands.send({ terminalId: bakery.id, type, params } as never))).toBe("NOT_FOUND");
    expect(await trpcCode(people.merchant.caller.commands.send({ terminalId: bakery.id, type, params } as never))).toBe("NOT_FOUND");
    expect(await trpcCode(people.otherMerchant.caller.commands.send({ terminalId: demo.id, type, params } as never))).toBe("NOT_FOUND");
  });

  it("keeps the list and the cancel to the caller's scope and kinds", async () => {
    const demo = await terminalNamed("DEMO-0024");
    const logs = await send("technician", "DEMO-0024", "collect_logs", at(-2));
    const lock = await send("merchant", "DEMO-0024", "lock", at(-1));
    expect(await trpcCode(people.otherMerchant.caller.commands.list({ terminalId: demo.id }))).toBe("NOT_FOUND");
    expect(await trpcCode(people.otherMerchant.caller.commands.cancel({ id: lock.id }))).toBe("NOT_FOUND");
    // A merchant owner cannot take back what only a technician may send, and the reverse.
    expect(await trpcCode(people.merchant.caller.commands.cancel({ id: logs.id }))).toBe("FORBIDDEN");
    expect(await trpcCode(people.technician.caller.commands.cancel({ id: lock.id }))).toBe("FORBIDDEN");
    expect(await commandRow(logs.id)).toMatchObject({ status: "queued" });
    expect(await trpcCode(people.merchant.caller.commands.cancel({ id: lock.id }))).toBe("OK");

    // Newest first, with who sent each.
    const listed = await people.technician.caller.commands.list({ terminalId: demo.id });
    expect(listed.map((c) => [c.id, c.issuedBy, c.status])).toEqual([
      [lock.id, people.merchant.viewer.name, "cancelled"],
      [logs.id, people.technician.viewer.name, "queued"],
    ]);
  });

  it("refuses a lock without a message or with one too long for the screen", async () => {
    const terminal = await terminalNamed("DEMO-0025");
    expect(await trpcCode(people.merchant.caller.commands.send({ terminalId: terminal.id, type: "lock", params: {} } as never))).toBe("BAD_REQUEST");
    expect(await trpcCode(people.merchant.caller.commands.send({ terminalId: terminal.id, type: "lock", params: { message: "x".repeat(121) } }))).toBe("BAD_REQUEST");
    expect(await db().select().from(terminalCommands).where(eq(terminalCommands.terminalId, terminal.id))).toEqual([]);
  });

  it("sends nothing to a terminal that is suspended, retired or in stock", async () => {
    const suspended = await terminalNamed("DEMO-0026");
    await db().update(terminals).set({ status: "suspended" }).where(eq(terminals.id, suspended.id));
    const retired = await terminalNamed("DEMO-0027");
    await db().update(terminals).set({ status: "retired" }).where(eq(terminals.id, retired.id));
    const inStock = await terminalNamed("DEMO-0101");
    for (const terminal of [suspended, retired, inStock]) {
      expect(await trpcCode(people.admin.caller.commands.send({ terminalId: terminal.id, type: "reboot", params: {} }))).toBe("CONFLICT");
      expect(await db().select().from(terminalCommands).where(eq(terminalCommands.terminalId, terminal.id))).toEqual([]);
    }
  });
});

describe("a locked terminal", () => {
  it("is locked when a lock succeeds and unlocked when an unlock succeeds, as the console reads it", async () => {
    const serialNumber = "DEMO-0028";
    const terminal = await terminalNamed(serialNumber);
    const lockedAt = async () => (await terminalNamed(serialNumber)).lockedAt;
    const failedLock = await send("merchant", serialNumber, "lock");
    await reportCommandResult(db(), deviceOf(terminal), failedLock.id, { status: "failed" }, at(1));
    expect(await lockedAt()).toBeNull();

    const lock = await send("merchant", serialNumber, "lock");
    await reportCommandResult(db(), deviceOf(terminal), lock.id, { status: "succeeded" }, at(2));
    expect(await lockedAt()).toEqual(at(2));
    const page = await people.merchant.caller.terminals.getBySerial({ serialNumber });
    expect(page.lockedAt).toEqual(at(2));
    const list = await people.merchant.caller.terminals.list({ q: serialNumber });
    expect(list.items.find((t) => t.serialNumber === serialNumber)?.lockedAt).toEqual(at(2));

    const unlock = await send("merchant", serialNumber, "unlock");
    await reportCommandResult(db(), deviceOf(terminal), unlock.id, { status: "succeeded" }, at(3));
    expect(await lockedAt()).toBeNull();
  });
});

describe("a terminal that changed merchant", () => {
  it("is not given the commands issued under its earlier merchant, and its new merchant does not see them", async () => {
    const terminal = await terminalNamed("DEMO-0029");
    const command = await send("merchant", "DEMO-0029", "lock");
    const bakery = await terminalNamed("BAKE-0001");
    await db().update(terminals).set({ merchantId: bakery.merchantId, storeId: bakery.storeId }).where(eq(terminals.id, terminal.id));
    const moved = await processHeartbeat(db(), { ...deviceOf(terminal), merchantId: bakery.merchantId }, { firmwareVersion: "1.0.0" }, at(1));
    expect(moved.commands).toEqual([]);
    expect((await listCommands(db(), people.otherMerchant.scope, terminal.id)).map((c) => c.id)).not.toContain(command.id);
  });
});
