import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedTerminal, type DeliveredCommand, type Outcome } from "@/scripts/lib/heartbeat-load";
import { CommandRunner, commandFails } from "@/scripts/lib/remote-commands";

// The simulator's side of the remote-command contract (shared/DESIGN.md), against a stand-in server
// that records what the terminal sends and answers with `answerStatus`.
interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}
let received: Received[] = [];
let answerStatus = 200;
let server: http.Server;
let base: URL;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ method: request.method!, path: request.url!, contentType: request.headers["content-type"], authorization: request.headers.authorization, body: Buffer.concat(chunks) });
      const body = answerStatus === 200 ? '{"ok":true}' : '{"error":{"code":"conflict","message":"The command has expired."}}';
      response.writeHead(answerStatus, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const terminal = () => new SimulatedTerminal({ id: "t-1", serialNumber: "SIM-0001", merchantId: null, firmwareVersion: "1.0.0", network: "wifi", batteryPercent: 80 }, "pfd_token");
const command = (id: string, type: string, params: Record<string, unknown> = {}): DeliveredCommand => ({ id, type, params, issuedAt: new Date().toISOString() });
const answer = (commands: DeliveredCommand[]): Outcome => ({ status: 200, latencyMs: 1, nextHeartbeatSeconds: 3, update: null, notices: [], commands });
const results = () => received.filter((r) => r.path.endsWith("/result")).map((r) => ({ path: r.path, ...(JSON.parse(r.body.toString()) as { status: string; message?: string }) }));

function runner(failRate = 0) {
  const stop = new AbortController();
  const lines: string[] = [];
  return { stop, lines, commands: new CommandRunner({ base, failRate, seed: 1, signal: stop.signal, log: (line) => lines.push(line) }) };
}

async function until(condition: () => boolean) {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the simulator's remote commands", () => {
  it("performs each command once, however often the heartbeats carry it, and reboots last without heartbeats", async () => {
    received = [];
    answerStatus = 200;
    const { stop, commands } = runner();
    const sim = terminal();
    const delivered = [
      command("c-lock", "lock", { message: "Stolen: call 400-800-1234" }),
      command("c-ping", "ping"),
      command("c-logs", "collect_logs"),
      command("c-unlock", "unlock"),
      command("c-reboot", "reboot"),
    ];
    commands.onOutcome(sim, answer(delivered));
    commands.onOutcome(sim, answer(delivered));
    await until(() => results().length === 5);
    commands.onOutcome(sim, answer(delivered));

    expect(results()).toEqual(["c-lock", "c-ping", "c-logs", "c-unlock", "c-reboot"].map((id) => ({ path: `/api/device/v1/commands/${id}/result`, status: "succeeded" })));
    expect(received.every((r) => r.authorization === "Bearer pfd_token")).toBe(true);
    // The log goes up before its result, as octet-stream, a few hundred KiB.
    const upload = received.findIndex((r) => r.path === "/api/device/v1/commands/c-logs/logs");
    expect(received[upload]!.method).toBe("PUT");
    expect(received[upload]!.contentType).toBe("application/octet-stream");
    expect(received[upload]!.body.length).toBeGreaterThanOrEqual(200 * 1024);
    expect(received[upload]!.body.length).toBeLessThan(700 * 1024);
    expect(received[upload]!.body.toString()).toContain("[SIM-0001]");
    expect(received.findIndex((r) => r.path.endsWith("/c-logs/result"))).toBeGreaterThan(upload);
    // Rebooting: the heartbeats wait.
    await until(() => commands.ready(sim) !== undefined);
    expect(commands.summary()).toBe("5 (lock×1, ping×1, collect_logs×1, unlock×1, reboot×1) done, 0 failed, 0 locked");

    stop.abort();
    await commands.settled();
    expect(commands.ready(sim)).toBeUndefined();
    expect(results()).toHaveLength(5);
  });

  it("keeps a terminal locked until an unlock, and rejects a lock without a message", async () => {
    received = [];
    answerStatus = 200;
    const { stop, commands } = runner();
    const sim = terminal();
    commands.onOutcome(sim, answer([command("l-1", "lock", { message: "Locked" })]));
    await until(() => results().length === 1);
    expect(commands.summary()).toContain("1 locked");
    commands.onOutcome(sim, answer([command("l-2", "lock", {}), command("l-3", "selfdestruct")]));
    await until(() => results().length === 3);
    expect(results().slice(1)).toEqual([
      { path: "/api/device/v1/commands/l-2/result", status: "rejected", message: "A lock needs a message for the screen." },
      { path: "/api/device/v1/commands/l-3/result", status: "rejected", message: "This terminal does not know the command selfdestruct." },
    ]);
    commands.onOutcome(sim, answer([command("l-4", "unlock")]));
    await until(() => results().length === 4);
    expect(commands.summary()).toBe("2 (lock×1, unlock×1) done, 2 (lock×1, selfdestruct×1) failed, 0 locked");
    stop.abort();
    await commands.settled();
  });

  it("reports the --command-fail-rate share failed, without performing them", async () => {
    received = [];
    answerStatus = 200;
    const { stop, commands } = runner(1);
    const sim = terminal();
    commands.onOutcome(sim, answer([command("f-logs", "collect_logs"), command("f-reboot", "reboot")]));
    await until(() => results().length === 2);
    expect(results().map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(results()[0]!.message).toMatch(/--command-fail-rate/);
    expect(received.some((r) => r.path.endsWith("/logs"))).toBe(false);
    // A failed reboot does not take the terminal away.
    expect(commands.ready(sim)).toBeUndefined();
    expect(commands.summary()).toBe("0 done, 2 (collect_logs×1, reboot×1) failed, 0 locked");
    stop.abort();
    await commands.settled();
  });

  it("drops a result the server refuses (an expired command) and does not send it again", async () => {
    received = [];
    answerStatus = 409;
    const { stop, commands, lines } = runner();
    const sim = terminal();
    commands.onOutcome(sim, answer([command("x-ping", "ping")]));
    await until(() => results().length === 1);
    await until(() => commands.summary().includes("dropped"));
    commands.onOutcome(sim, answer([command("x-ping", "ping")]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(results()).toHaveLength(1);
    expect(commands.summary()).toBe("0 done, 0 failed, 0 locked, 1 dropped");
    expect(lines.join("\n")).toContain("409 (conflict: The command has expired.)");
    stop.abort();
    await commands.settled();
  });

  it("chooses the failing commands by seed and id, at about the rate asked", () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const failing = ids.filter((id) => commandFails(7, id, 0.25));
    expect(failing.length / ids.length).toBeGreaterThan(0.2);
    expect(failing.length / ids.length).toBeLessThan(0.3);
    expect(ids.filter((id) => commandFails(7, id, 0.25))).toEqual(failing);
    expect(ids.filter((id) => commandFails(8, id, 0.25))).not.toEqual(failing);
    expect(ids.some((id) => commandFails(7, id, 0))).toBe(false);
    expect(ids.every((id) => commandFails(7, id, 1))).toBe(true);
  });
});
