// The cluster test's machinery: app instances from the production build, nginx from deploy/, a
// fresh PostgreSQL database, and the terminal simulator's code driving terminals through nginx.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FirmwareUpdater } from "@/scripts/lib/firmware-update";
import { HeartbeatClient, heartbeatUrl, LoadStats, runPaced, type SimulatedTerminal } from "@/scripts/lib/heartbeat-load";
import { NoticeAcknowledger } from "@/scripts/lib/notice-acks";

export const root = path.resolve(import.meta.dirname, "../..");
/** Signs sessions in every instance alike (sessions live in the database, any instance reads them). */
export const AUTH_SECRET = "cluster-test-secret-0123456789abcdef0123456789";
export const DEMO_PASSWORD = "demo-password-1";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a waitFor check to stop waiting at once. */
export class GiveUp extends Error {}

/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` with
 * `what`. A check that throws is tried again (the database may be away), unless it throws GiveUp.
 */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}.`);
    await sleep(everyMs);
  }
}

export interface Instance {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

/**
 * Starts `server/main.ts` from the production build, in its own process group (tsx runs node as a
 * child), with output appended to <logDir>/<name>.log.
 */
export function startInstance(name: string, port: number, env: NodeJS.ProcessEnv, logDir: string): Instance {
  const log = fs.openSync(path.join(logDir, `${name}.log`), "a");
  const child = spawn(path.join(root, "node_modules/.bin/tsx"), ["server/main.ts"], {
    cwd: root,
    env: { ...env, PORT: String(port), LISTEN_HOST: "127.0.0.1" },
    stdio: ["ignore", log, log],
    detached: true,
  });
  fs.closeSync(log);
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  return { name, port, url: `http://127.0.0.1:${port}`, child, exited: exit, hasExited: () => exited };
}

/** Signals a whole process group; a group that is gone already is fine. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** GET a path; the status, or 0 when nothing answered. */
export async function statusOf(url: string, init?: RequestInit): Promise<number> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Waits until the instance's readiness probe answers 200; fails at once if the instance exits. */
export async function waitReady(instance: Instance, timeoutMs = 150_000): Promise<void> {
  let last = 0;
  await waitFor(`${instance.name} (${instance.url}) to answer GET /api/ready with 200`, timeoutMs, async () => {
    if (instance.hasExited()) throw new GiveUp(`${instance.name} (${instance.url}) exited while starting; see its log.`);
    last = await statusOf(`${instance.url}/api/ready`);
    return last === 200 ? true : undefined;
  }).catch((error: Error) => {
    throw error instanceof GiveUp ? error : new Error(`${error.message} Last answer: ${last || "none"}.`);
  });
}

/**
 * The shipped deploy/nginx.conf with only its site-specific values replaced: the listen address,
 * the upstream's servers, and the pid, log and temporary paths (into `prefix`). Every replacement
 * must find its line, so an edit to the shipped file that this test no longer understands fails it.
 */
export function nginxConfigFor(shipped: string, options: { listenPort: number; upstreamPorts: number[]; prefix: string }): string {
  const replace = (config: string, pattern: RegExp, replacement: (match: string, ...groups: string[]) => string, expected: number) => {
    const found = config.match(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`))?.length ?? 0;
    if (found !== expected) throw new Error(`deploy/nginx.conf: expected ${expected} line(s) matching ${pattern}, found ${found}.`);
    return config.replace(pattern, replacement);
  };
  const { listenPort, upstreamPorts, prefix } = options;
  let config = shipped;
  // The workers' user applies only when nginx starts as root (CI); otherwise nginx runs as the caller.
  config = replace(config, /^user .*;\n/m, (line) => (process.getuid?.() === 0 ? line : ""), 1);
  config = replace(config, /^pid .*;$/m, () => `pid ${prefix}/nginx.pid;`, 1);
  config = replace(config, /^error_log .*;$/m, () => `error_log ${prefix}/error.log warn;`, 1);
  config = replace(config, /^([ \t]*)access_log \S+ (\S+);$/m, (_m, indent, format) => `${indent}access_log ${prefix}/access.log ${format};`, 1);
  config = replace(config, /^([ \t]*)listen 80;$/m, (_m, indent) => `${indent}listen 127.0.0.1:${listenPort};`, 1);
  // The shipped upstream's first server line, parameters and all, becomes one line per instance of ours.
  const serverLines = /^([ \t]*)server 127\.0\.0\.1:\d+((?: [^;]*)?);\n/gm;
  const shippedServers = shipped.match(serverLines)?.length ?? 0;
  if (shippedServers < 1) throw new Error("deploy/nginx.conf: its upstream has no `server 127.0.0.1:PORT …;` line.");
  let first = true;
  config = config.replace(serverLines, (_m, indent: string, params: string) => {
    if (!first) return "";
    first = false;
    return upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${params};\n`).join("");
  });
  // Temporary files in the prefix rather than the distribution's /var/lib/nginx, so any user can run it.
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `  ${kind}_temp_path ${prefix}/${kind}_temp;`).join("\n");
  config = replace(config, /^http \{$/m, (line) => `${line}\n${temp}`, 1);
  return config;
}

export interface Nginx {
  url: string;
  child: ChildProcess;
  prefix: string;
}

export function nginxBinary(): string | undefined {
  for (const candidate of [process.env.NGINX_BIN, "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

/** Starts nginx in the foreground from deploy/nginx.conf, after `nginx -t` accepts the generated file. */
export async function startNginx(binary: string, prefix: string, listenPort: number, upstreamPorts: number[]): Promise<Nginx> {
  // Workers that run as another user (nginx started as root) must reach their temporary folders.
  fs.mkdirSync(prefix, { recursive: true, mode: 0o755 });
  fs.chmodSync(path.dirname(prefix), 0o755);
  const config = nginxConfigFor(fs.readFileSync(path.join(root, "deploy/nginx.conf"), "utf8"), { listenPort, upstreamPorts, prefix });
  const confPath = path.join(prefix, "nginx.conf");
  fs.writeFileSync(confPath, config);
  const args = ["-p", prefix, "-c", confPath, "-e", path.join(prefix, "error.log")];
  const test = spawnSync(binary, [...args, "-t"], { encoding: "utf8" });
  if (test.status !== 0) throw new Error(`nginx -t refused the configuration generated from deploy/nginx.conf:\n${test.stderr}`);
  const child = spawn(binary, [...args, "-g", "daemon off;"], { stdio: "ignore", detached: true });
  const url = `http://127.0.0.1:${listenPort}`;
  await waitFor(`nginx to listen on ${url}`, 10_000, async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${prefix}/error.log`);
    return new Promise<boolean | undefined>((resolve) => {
      const socket = net.connect(listenPort, "127.0.0.1", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(undefined));
    });
  });
  return { url, child, prefix };
}

/** Signs in by e-mail and password as a browser does; the status and the session cookie. */
export async function signIn(base: string, email: string, origin = base): Promise<{ status: number; cookie: string; body: string }> {
  const response = await fetch(`${base}/api/auth/sign-in/email`, {
    method: "POST",
    // A browser sends the cookies it holds; better-auth checks the origin of a request that has cookies.
    headers: { "content-type": "application/json", origin, cookie: "pos_fleet_locale=en" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: response.status, cookie, body: await response.text() };
}

/** Reads a server-sent-events stream into `text` as it arrives. */
export function openEventStream(url: string, cookie: string) {
  const abort = new AbortController();
  const state = { status: 0, text: "", ended: false };
  const done = (async () => {
    const response = await fetch(url, { headers: { cookie, accept: "text/event-stream" }, signal: abort.signal });
    state.status = response.status;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) state.text += decoder.decode(chunk, { stream: true });
    state.ended = true;
  })().catch(() => {
    state.ended = true;
  });
  return { state, close: async () => (abort.abort(), done) };
}

export interface Counts {
  sent: number;
  ok: number;
  failures: Record<string, number>;
  updates: ReturnType<FirmwareUpdater["counts"]>;
}

/**
 * The terminal simulator (scripts/simulate.ts) as a library: the same heartbeat loop, firmware
 * updater and notice acknowledger, so the test can read its counts between steps.
 */
export function startSimulator(base: URL, fleet: SimulatedTerminal[], intervalSeconds: number) {
  const log: string[] = [];
  const stop = new AbortController();
  const client = new HeartbeatClient(64);
  const stats = new LoadStats();
  const line = (text: string) => void log.push(`${new Date().toISOString().slice(11, 19)}  ${text}`);
  const updates = new FirmwareUpdater({ base, failRate: 0, seed: 1, signal: stop.signal, log: line });
  const notices = new NoticeAcknowledger({ base, log: line });
  const running = runPaced(fleet, client, stats, {
    url: heartbeatUrl(base),
    intervalSeconds,
    spreadSeconds: intervalSeconds,
    signal: stop.signal,
    log: line,
    ready: updates.ready,
    onOutcome: (terminal, outcome) => {
      updates.onOutcome(terminal, outcome);
      notices.onOutcome(terminal, outcome);
    },
  });
  return {
    log,
    counts: (): Counts => ({ sent: stats.sent, ok: stats.ok, failures: Object.fromEntries(stats.failures), updates: updates.counts() }),
    summary: () => `sent ${stats.sent}, ok ${stats.ok}, errors ${stats.failureSummary()}; updates: ${updates.summary()}; notices: ${notices.summary()}`,
    async stop() {
      stop.abort();
      await running;
      await updates.settled();
      client.close();
    },
  };
}

/** What happened between two readings of the simulator's counts. */
export function countsSince(before: Counts, after: Counts) {
  const failures: Record<string, number> = {};
  for (const [key, n] of Object.entries(after.failures)) if (n - (before.failures[key] ?? 0) > 0) failures[key] = n - (before.failures[key] ?? 0);
  return {
    sent: after.sent - before.sent,
    ok: after.ok - before.ok,
    failures,
    updatesFailed: after.updates.failed - before.updates.failed,
    updatesDropped: after.updates.dropped - before.updates.dropped,
    requestsInterrupted: after.updates.interrupted - before.updates.interrupted,
  };
}
