// The heartbeat load generator shared by the terminal simulator (scripts/simulate.ts) and the
// heartbeat benchmark (scripts/bench-heartbeat.ts): simulated terminals with plausible readings,
// keep-alive HTTP clients for POST /api/device/v1/heartbeat (node:http for the simulator, a leaner
// hand-written one for the benchmark), and two ways of pacing them.
import { setMaxListeners } from "node:events";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { NetworkType } from "@/db/schema/values";
import type { HeartbeatInput } from "@/server/schemas/device";

/** What a simulated terminal starts from: read from the console API or straight from the database. */
export interface FleetTerminal {
  id: string;
  serialNumber: string;
  merchantId: string | null;
  firmwareVersion: string | null;
  network: NetworkType | null;
  batteryPercent: number | null;
}

const ERROR_CODES = ["PRINTER_PAPER_OUT", "NETWORK_TIMEOUT", "CARD_READ_FAILED", "PIN_PAD_TAMPER"];
const NETWORKS: NetworkType[] = ["wifi", "cellular", "ethernet"];
// Card payments per local hour (Asia/Shanghai) relative to the peak: quiet at night, busy at lunch and dinner.
const HOURLY_ACTIVITY = [0.04, 0.02, 0.01, 0.01, 0.01, 0.03, 0.1, 0.35, 0.6, 0.55, 0.65, 0.9, 1, 0.8, 0.55, 0.5, 0.6, 0.8, 1, 0.95, 0.75, 0.5, 0.25, 0.1];
const PEAK_TRANSACTIONS_PER_HOUR = 30;

const uniform = (min: number, max: number) => min + Math.random() * (max - min);

function poisson(mean: number): number {
  // Knuth's method is exact but its exp(-mean) underflows for large means, where a normal is close enough.
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * (Math.random() + Math.random() + Math.random() - 1.5) * 2));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = Math.random(); p > limit; p *= Math.random()) k++;
  return k;
}

/** A terminal's device token and the readings it reports, which drift from one check-in to the next. */
export class SimulatedTerminal {
  private battery: number;
  private charging = false;
  // Each discharge ends at a different level, so some terminals dip under the 20 % low-battery mark and some do not.
  private rechargeBelow = uniform(8, 40);
  private readonly signalBase = uniform(-95, -55);
  private readonly network: NetworkType;
  private readonly busyness = uniform(0.3, 1.5);
  /** What the heartbeats report; a simulated firmware update changes it. */
  firmwareVersion: string;

  constructor(
    readonly terminal: FleetTerminal,
    readonly token: string,
  ) {
    this.battery = terminal.batteryPercent ?? uniform(40, 100);
    this.network = terminal.network ?? NETWORKS[Math.floor(Math.random() * NETWORKS.length)]!;
    this.firmwareVersion = terminal.firmwareVersion ?? "1.0.0";
  }

  /** The next heartbeat body; `intervalSeconds` is the time since the previous one. */
  report(now: Date, intervalSeconds: number): HeartbeatInput {
    if (this.charging) {
      this.battery = Math.min(100, this.battery + uniform(3, 8));
      if (this.battery >= 95) this.charging = false;
    } else {
      this.battery = Math.max(0, this.battery - uniform(0.5, 1));
      if (this.battery < this.rechargeBelow) {
        this.charging = true;
        this.rechargeBelow = uniform(8, 40);
      }
    }
    // China keeps UTC+8 all year, so the local hour needs no time-zone database.
    const localHour = (now.getUTCHours() + 8) % 24;
    const expectedTransactions = (HOURLY_ACTIVITY[localHour]! * PEAK_TRANSACTIONS_PER_HOUR * this.busyness * intervalSeconds) / 3600;
    return {
      firmwareVersion: this.firmwareVersion,
      batteryPercent: Math.round(this.battery),
      signalDbm: Math.round(Math.min(-30, this.signalBase + uniform(-4, 4))),
      network: this.network,
      errors: Math.random() < 0.01 ? [{ code: ERROR_CODES[Math.floor(Math.random() * ERROR_CODES.length)]! }] : [],
      transactionsSinceLast: poisson(expectedTransactions),
    };
  }
}

/** A firmware update offered in a heartbeat answer (the `update` field of the device API v1 contract). */
export interface OfferedUpdate {
  jobId: string;
  version: string;
  /** The image's path, relative to the server. */
  url: string;
  sha256: string;
  sizeBytes: number;
}

/** A notice in a heartbeat answer (the `notices` field of the device API v1 contract). */
export interface DeliveredNotice {
  id: string;
  title: string;
  severity: "info" | "warning" | "critical";
}

/** A remote command in a heartbeat answer (the `commands` field of the device API v1 contract). */
export interface DeliveredCommand {
  id: string;
  type: string;
  params: Record<string, unknown>;
  issuedAt: string;
}

/** One heartbeat's result; status 0 means no HTTP answer (connection refused, reset, timeout). */
export interface Outcome {
  status: number;
  latencyMs: number;
  nextHeartbeatSeconds?: number;
  update?: OfferedUpdate | null;
  notices?: DeliveredNotice[];
  commands?: DeliveredCommand[];
  retryAfterSeconds?: number;
  /** The error code and message of a refusal, or the network error. */
  detail?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Sends one heartbeat and reports its outcome. */
export interface HeartbeatSender {
  send(url: URL, token: string, report: HeartbeatInput): Promise<Outcome>;
  close(): void;
}

/** A 200's body as the contract has it. */
function okOutcome(text: string, latencyMs: number): Outcome {
  const { nextHeartbeatSeconds, update, notices, commands } = JSON.parse(text) as {
    nextHeartbeatSeconds: number;
    update: OfferedUpdate | null;
    notices: DeliveredNotice[];
    commands?: DeliveredCommand[];
  };
  return { status: 200, latencyMs, nextHeartbeatSeconds, update, notices, commands };
}

function refusalOutcome(status: number, retryAfter: string | undefined, text: string, latencyMs: number): Outcome {
  const seconds = Number(retryAfter);
  return { status, latencyMs, retryAfterSeconds: seconds > 0 ? seconds : undefined, detail: errorDetail(text) };
}

/**
 * node:http with keep-alive sockets rather than fetch: per request it costs a fraction of the CPU,
 * and the generator shares the machine with the server it measures.
 */
export class HeartbeatClient implements HeartbeatSender {
  private readonly agents: { "http:": http.Agent; "https:": https.Agent };

  constructor(maxSockets: number) {
    this.agents = { "http:": new http.Agent({ keepAlive: true, maxSockets }), "https:": new https.Agent({ keepAlive: true, maxSockets }) };
  }

  async send(url: URL, token: string, report: HeartbeatInput): Promise<Outcome> {
    const started = performance.now();
    try {
      const response = await this.post(url, token, JSON.stringify(report), true);
      const latencyMs = performance.now() - started;
      return response.status === 200 ? okOutcome(response.text, latencyMs) : refusalOutcome(response.status, response.retryAfter, response.text, latencyMs);
    } catch (error) {
      return { status: 0, latencyMs: performance.now() - started, detail: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  }

  close() {
    this.agents["http:"].destroy();
    this.agents["https:"].destroy();
  }

  private post(url: URL, token: string, body: string, retryStaleSocket: boolean): Promise<{ status: number; retryAfter?: string; text: string }> {
    return new Promise((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(
        url,
        {
          method: "POST",
          agent: this.agents[url.protocol as "http:" | "https:"],
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"], text }));
          response.on("error", reject);
        },
      );
      request.on("timeout", () => request.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
      request.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed while it sat idle fails on first reuse: not the server's fault.
        if (retryStaleSocket && request.reusedSocket && error.code === "ECONNRESET") this.post(url, token, body, false).then(resolve, reject);
        else reject(error);
      });
      request.end(body);
    });
  }
}

const HEADER_END = Buffer.from("\r\n\r\n");

/** One keep-alive connection of the lean client, carrying one request at a time. */
class LeanConnection {
  private readonly socket: net.Socket;
  private buffered: Buffer | null = null;
  private pending: { resolve: (r: { status: number; retryAfter?: string; text: string }) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> } | null = null;
  /** Whether a request was answered on it already: a reset then means the server closed it while idle. */
  used = false;
  closed = false;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(Object.assign(new Error("socket closed"), { code: "ECONNRESET" })));
  }

  request(head: string, body: string): Promise<{ status: number; retryAfter?: string; text: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }));
        this.socket.destroy();
      }, REQUEST_TIMEOUT_MS);
      this.pending = { resolve, reject, timer };
      this.socket.write(head + body);
    });
  }

  destroy() {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(error: Error) {
    this.closed = true;
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /** Answers carry Content-Length (the device API always sends it); anything else ends the connection. */
  private onData(chunk: Buffer) {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const end = data.indexOf(HEADER_END);
    if (end < 0) {
      this.buffered = data;
      return;
    }
    const head = data.toString("latin1", 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.fail(new Error("an answer without Content-Length"));
      this.socket.destroy();
      return;
    }
    const bodyEnd = end + 4 + Number(length[1]);
    if (data.length < bodyEnd) {
      this.buffered = data;
      return;
    }
    this.buffered = null;
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.used = true;
    if (/\r\nconnection: *close/i.test(head)) this.destroy();
    pending.resolve({ status: Number(head.slice(9, 12)), retryAfter: /\r\nretry-after: *(\S+)/i.exec(head)?.[1], text: data.toString("utf8", end + 4, bodyEnd) });
  }
}

/**
 * The benchmark's client: HTTP/1.1 written and read by hand over keep-alive sockets (plain http,
 * one request at a time per socket, answers with Content-Length): about 40 µs of CPU per request
 * where node:http's client took about 150 µs. The generator shares the machine with the server it
 * measures, so what it saves goes to the server and the database. The simulator keeps
 * HeartbeatClient (https, any answer).
 */
export class LeanHeartbeatClient implements HeartbeatSender {
  private readonly idle = new Map<string, LeanConnection[]>();

  async send(url: URL, token: string, report: HeartbeatInput): Promise<Outcome> {
    if (url.protocol !== "http:") throw new Error("LeanHeartbeatClient speaks plain http only.");
    const body = JSON.stringify(report);
    const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const connection = this.acquire(url);
      try {
        const response = await connection.request(head, body);
        const latencyMs = performance.now() - started;
        if (!connection.closed) this.idle.get(url.host)!.push(connection);
        return response.status === 200 ? okOutcome(response.text, latencyMs) : refusalOutcome(response.status, response.retryAfter, response.text, latencyMs);
      } catch (error) {
        connection.destroy();
        // A kept-alive socket the server closed while it sat idle fails on first reuse: not the server's fault.
        if (attempt === 0 && connection.used && (error as NodeJS.ErrnoException).code === "ECONNRESET") continue;
        return { status: 0, latencyMs: performance.now() - started, detail: (error as NodeJS.ErrnoException).code ?? String(error) };
      }
    }
  }

  close() {
    for (const connections of this.idle.values()) for (const connection of connections) connection.destroy();
    this.idle.clear();
  }

  private acquire(url: URL): LeanConnection {
    let connections = this.idle.get(url.host);
    if (!connections) this.idle.set(url.host, (connections = []));
    for (let connection = connections.pop(); connection; connection = connections.pop()) if (!connection.closed) return connection;
    return new LeanConnection(url.hostname, Number(url.port || 80));
  }
}

/** The code and message of a device API refusal, or the start of an answer that is not one. */
export function errorDetail(text: string): string {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return `${error.code}: ${error.message}`;
  } catch {
    return text.slice(0, 200);
  }
}

export const heartbeatUrl = (base: URL) => new URL("/api/device/v1/heartbeat", base);

/** Counts of heartbeats by result, and the latencies of the answered ones since `latencies` was last emptied. */
export class LoadStats {
  sent = 0;
  ok = 0;
  /** Failures by HTTP status, "network" for no answer. */
  readonly failures = new Map<string, number>();
  latencies: number[] = [];

  record(outcome: Outcome) {
    this.sent++;
    if (outcome.status !== 0) this.latencies.push(outcome.latencyMs);
    if (outcome.status === 200) this.ok++;
    else {
      const key = outcome.status === 0 ? "network" : String(outcome.status);
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
  }

  get errors(): number {
    return this.sent - this.ok;
  }

  failureSummary(): string {
    return this.failures.size === 0 ? "none" : [...this.failures].map(([key, n]) => `${key}×${n}`).join(", ");
  }
}

/** The p-th percentile (0–100) of ascending values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface PacedOptions {
  url: URL;
  /** Fixed seconds between heartbeats; undefined follows the server's nextHeartbeatSeconds, as real terminals do. */
  intervalSeconds: number | undefined;
  /** First heartbeats are spread at random over this many seconds, so the load is smooth from the start. */
  spreadSeconds: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Resolves when the terminal can check in again, if it is away (rebooting into new firmware). */
  ready?: (terminal: SimulatedTerminal) => Promise<void> | undefined;
  /** Sees every heartbeat's outcome, e.g. to start the update it offers. */
  onOutcome?: (terminal: SimulatedTerminal, outcome: Outcome) => void;
}

const MAX_BACKOFF_SECONDS = 60;

/**
 * Every terminal checks in on its own clock, as a fleet does: on 200 it waits the interval, on 429
 * and 503 the Retry-After, on 401 it stops (its token is gone), and after a network error it backs off
 * exponentially. Resolves when `signal` aborts and the requests in flight have finished.
 */
export async function runPaced(fleet: SimulatedTerminal[], client: HeartbeatSender, stats: LoadStats, options: PacedOptions): Promise<void> {
  const { url, signal, log } = options;
  // Every waiting terminal listens for the abort: thousands of listeners are expected, not a leak.
  setMaxListeners(0, signal);
  const pause = (seconds: number) => sleep(seconds * 1000, true, { signal }).catch(() => false);

  async function live(terminal: SimulatedTerminal) {
    let interval = options.intervalSeconds ?? options.spreadSeconds;
    let failuresInRow = 0;
    let delay = Math.random() * options.spreadSeconds;
    while (await pause(delay)) {
      await options.ready?.(terminal);
      if (signal.aborted) return;
      const outcome = await client.send(url, terminal.token, terminal.report(new Date(), interval));
      stats.record(outcome);
      options.onOutcome?.(terminal, outcome);
      failuresInRow = outcome.status === 0 ? failuresInRow + 1 : 0;
      if (outcome.status === 200) {
        interval = options.intervalSeconds ?? outcome.nextHeartbeatSeconds ?? interval;
        delay = interval;
      } else if (outcome.status === 429 || outcome.status === 503) {
        // 503: the server is draining or its database is briefly away; it says when to come back.
        delay = outcome.retryAfterSeconds ?? interval;
      } else if (outcome.status === 401) {
        log(`${terminal.terminal.serialNumber}: 401 (${outcome.detail}); this terminal stops.`);
        return;
      } else if (outcome.status === 0) {
        delay = Math.min(MAX_BACKOFF_SECONDS, 2 ** failuresInRow) * uniform(0.5, 1);
      } else {
        // Any other refusal (400, 5xx) is logged and retried at the next regular check-in.
        log(`${terminal.terminal.serialNumber}: ${outcome.status} (${outcome.detail}).`);
        delay = interval;
      }
    }
  }

  await Promise.all(fleet.map(live));
}

/**
 * Closed loop for the benchmark: `concurrency` requests always in flight, each new one for the
 * next terminal in turn (so every token stays far below its rate limit) and the next server in
 * turn. Returns the elapsed milliseconds, from the start until the last answer.
 */
export async function runClosedLoop(
  fleet: SimulatedTerminal[],
  urls: URL[],
  client: HeartbeatSender,
  stats: LoadStats,
  options: { concurrency: number; durationMs: number; nominalIntervalSeconds: number },
): Promise<number> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  let next = 0;
  async function worker() {
    while (performance.now() < deadline) {
      const i = next++;
      const terminal = fleet[i % fleet.length]!;
      stats.record(await client.send(urls[i % urls.length]!, terminal.token, terminal.report(new Date(), options.nominalIntervalSeconds)));
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return performance.now() - started;
}
