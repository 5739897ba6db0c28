// Terminal simulator: acts as N terminals checking in through the real device API.
//
//   npm run simulate -- --terminals N [--base URL] [--interval S] [--duration S]
//                       [--serials A,B,…] [--activate K [--sms-port P]] [--email E --password P]
//                       [--fail-rate R] [--command-fail-rate R] [--seed S]
//
// --base      the app, default http://localhost:3000
// --interval  seconds between a terminal's heartbeats. Without it every terminal follows the
//             server's nextHeartbeatSeconds (HEARTBEAT_INTERVAL_SECONDS, 300 by default), as real
//             terminals do; a short interval such as 10 makes a small fleet look busy.
// --duration  stop after this many seconds (default: until Ctrl-C or SIGTERM)
// --serials   simulate these terminals (comma-separated) instead of the first N active ones
// --activate  also activate K terminals in stock through the SMS flow, as a merchant would: the
//             simulator receives the SMS on --sms-port (default 3999), so start the app with
//             SMS_PROVIDER=webhook SMS_WEBHOOK_URL=http://localhost:3999/sms. The sending limits
//             (20 codes per phone an hour) bound how many activate.
// --email, --password  an admin login, default the demo admin
// --fail-rate the share (0..1, default 0) of terminals whose firmware install fails
// --command-fail-rate  the share (0..1, default 0) of remote commands reported failed
// --seed      which terminals those are (a whole number, default 1): whether one fails is a hash of
//             the seed, its serial number and the version (for a command: the seed and its id), so the
//             same seed repeats a run's failures
//
// Firmware updates: when a heartbeat answer offers one, the terminal downloads the image in 8 MiB
// Range requests, checks its size and sha256 (a mismatch is reported as failed, checksum_mismatch,
// and the server offers the job again while attempts are left), reports downloaded and installing,
// reboots for a few seconds without heartbeats, then reports succeeded and checks in with the new
// version, or reports failed, install_failed. The server offers updates only inside the store's
// maintenance window. The status line counts updates in progress, succeeded, failed (by error
// code) and dropped: given up because the job was cancelled or has ended, or the server did not
// answer (an open job is taken up again, and its download resumed, at the next offer).
//
// Remote commands: a terminal performs each command its heartbeat answers carry once, one at a time,
// and reports the result: reboot reports succeeded, then sends no heartbeats for a few seconds;
// lock (with its screen message) and unlock report succeeded and the heartbeats go on; ping reports
// at once; collect_logs uploads a generated log of a few hundred KiB first. The status line counts
// commands done and failed by kind, the terminals locked, and results the server refused (dropped).
//
// Device tokens: the simulator signs in as an admin and issues a new token for each of the first N
// active terminals (terminals.issueDeviceToken revokes the earlier
// ones, so a terminal that was simulated before simply gets a fresh token). The first heartbeats
// are spread over one interval; a status line is printed every 10 s.
import { fraction, parseOptions, positiveInt, positiveNumber, wholeNumber } from "./lib/args";
import { connectConsole } from "./lib/console-api";
import { FirmwareUpdater } from "./lib/firmware-update";
import { NoticeAcknowledger } from "./lib/notice-acks";
import { CommandRunner } from "./lib/remote-commands";
import { activateBySms, startSmsInbox } from "./lib/sms-activation";
import { HeartbeatClient, heartbeatUrl, LoadStats, percentile, runPaced, SimulatedTerminal, type Outcome } from "./lib/heartbeat-load";

const values = parseOptions(
  {
    terminals: { type: "string", default: "100" },
    base: { type: "string", default: "http://localhost:3000" },
    interval: { type: "string" },
    duration: { type: "string" },
    serials: { type: "string" },
    activate: { type: "string" },
    "sms-port": { type: "string", default: "3999" },
    email: { type: "string", default: "admin@demo.posfleet.dev" },
    password: { type: "string", default: "demo-password-1" },
    "fail-rate": { type: "string", default: "0" },
    "command-fail-rate": { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
  },
  `Usage: npm run simulate -- --terminals N [--base URL] [--interval S] [--duration S]
                    [--serials A,B,…] [--activate K [--sms-port P]] [--email E --password P]
                    [--fail-rate R] [--command-fail-rate R] [--seed S]

Acts as N terminals checking in through the device API (see the README's "Terminal simulator"):
they install offered firmware updates (--fail-rate R: that share fails), acknowledge notices and
perform remote commands (--command-fail-rate R: that share is reported failed; default 0).`,
);

const wanted = positiveInt("terminals", values.terminals);
const intervalSeconds = positiveNumber("interval", values.interval);
const durationSeconds = positiveNumber("duration", values.duration);
const failRate = fraction("fail-rate", values["fail-rate"]);
const commandFailRate = fraction("command-fail-rate", values["command-fail-rate"]);
const seed = wholeNumber("seed", values.seed);
const base = new URL(values.base);
const url = heartbeatUrl(base);
const STATUS_EVERY_MS = 10_000;
const TOKEN_REQUESTS_IN_FLIGHT = 8;

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);

const consoleApi = await connectConsole(base, { email: values.email, password: values.password });
const serials = values.serials
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const terminals = serials?.length ? await consoleApi.terminalsBySerial(serials) : await consoleApi.activeTerminals(wanted);
if (!serials?.length && terminals.length < wanted) {
  log(
    `Only ${terminals.length} active terminals exist; simulating those. For more, stop the app and run ` +
      "`npm run db:seed -- --terminals 1000` (it resets the demo data and adds generated active FLEET-* terminals).",
  );
}
if (terminals.length === 0) process.exit(1);

log(`Obtaining device tokens for ${terminals.length} terminals…`);
const fleet: SimulatedTerminal[] = [];
let nextIndex = 0;
await Promise.all(
  Array.from({ length: TOKEN_REQUESTS_IN_FLIGHT }, async () => {
    while (nextIndex < terminals.length) {
      const terminal = terminals[nextIndex++]!;
      fleet.push(new SimulatedTerminal(terminal, await consoleApi.obtainDeviceToken(terminal)));
    }
  }),
);

const toActivate = values.activate === undefined ? 0 : positiveInt("activate", values.activate);
if (toActivate > 0) {
  const inbox = await startSmsInbox(positiveInt("sms-port", values["sms-port"]));
  try {
    for (const terminal of await consoleApi.inStockTerminals(toActivate)) {
      try {
        fleet.push(new SimulatedTerminal(terminal, await activateBySms(base, inbox, terminal.serialNumber, terminal.phone)));
        log(`Activated ${terminal.serialNumber} by SMS code.`);
      } catch (error) {
        log(`Could not activate ${terminal.serialNumber}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await inbox.close();
  }
}

const client = new HeartbeatClient(64);
const stats = new LoadStats();
const stop = new AbortController();
const updates = new FirmwareUpdater({ base, failRate, seed, signal: stop.signal, log });
const notices = new NoticeAcknowledger({ base, log });
const commands = new CommandRunner({ base, failRate: commandFailRate, seed, signal: stop.signal, log });
const onOutcome = (terminal: SimulatedTerminal, outcome: Outcome) => {
  updates.onOutcome(terminal, outcome);
  notices.onOutcome(terminal, outcome);
  commands.onOutcome(terminal, outcome);
};
// Away while installing firmware or rebooting on command (one waits for the other if both).
const ready = (terminal: SimulatedTerminal) => {
  const installing = updates.ready(terminal);
  const rebooting = commands.ready(terminal);
  return installing && rebooting ? Promise.all([installing, rebooting]).then(() => undefined) : (installing ?? rebooting);
};

// Without --interval the server decides; one terminal's first heartbeat tells how long that is,
// so the others can be spread over it.
let spreadSeconds = intervalSeconds;
if (spreadSeconds === undefined) {
  const first = fleet[0]!;
  const outcome = await client.send(url, first.token, first.report(new Date(), 0));
  stats.record(outcome);
  onOutcome(first, outcome);
  if (outcome.status !== 200) {
    log(`The first heartbeat failed: ${outcome.status || "no answer"} ${outcome.detail ?? ""}`);
    process.exit(1);
  }
  spreadSeconds = outcome.nextHeartbeatSeconds!;
}
log(`${fleet.length} terminals check in every ${intervalSeconds ?? `${spreadSeconds} (server's)`} s at ${url.href}.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
if (durationSeconds) setTimeout(() => stop.abort(), durationSeconds * 1000).unref();

let lastSent = stats.sent;
let lastAt = performance.now();
function statusLine() {
  const now = performance.now();
  const rate = ((stats.sent - lastSent) * 1000) / (now - lastAt);
  const latencies = stats.latencies.sort((a, b) => a - b);
  const latency = latencies.length ? `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms` : "no answers";
  log(
    `sent ${stats.sent}, ok ${stats.ok}, errors ${stats.failureSummary()}, ${rate.toFixed(1)}/s (${latency} over the last ${Math.round((now - lastAt) / 1000)} s); ` +
      `updates: ${updates.summary()}; notices: ${notices.summary()}; commands: ${commands.summary()}`,
  );
  stats.latencies = [];
  lastSent = stats.sent;
  lastAt = now;
}
const ticker = setInterval(statusLine, STATUS_EVERY_MS);

await runPaced(fleet, client, stats, { url, intervalSeconds, spreadSeconds, signal: stop.signal, log, ready, onOutcome });
await Promise.all([updates.settled(), commands.settled()]);
clearInterval(ticker);
statusLine();
client.close();
log(`Stopped: ${stats.sent} heartbeats sent, ${stats.ok} ok, ${stats.errors} errors; updates: ${updates.summary()}; notices: ${notices.summary()}; commands: ${commands.summary()}.`);
