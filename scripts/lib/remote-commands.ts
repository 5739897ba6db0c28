// Remote commands as a terminal performs them through the device API v1 (DESIGN.md): heartbeat
// answers carry the open commands until the terminal reports a result to
// POST /api/device/v1/commands/{id}/result; collect_logs first uploads the log to PUT /commands/{id}/logs.
import { createHash, randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { deviceRequest, DeviceUnreachable, RunStopped } from "./device-request";
import { errorDetail, type DeliveredCommand, type Outcome, type SimulatedTerminal } from "./heartbeat-load";

// Real terminals take a minute to restart; seconds let one watch the console see it go quiet and come back.
const REBOOT_SECONDS = { min: 3, max: 8 };
// "A few hundred KiB", as a day of a terminal's logs compresses to; the server takes up to 10 MiB.
const LOG_BYTES = { min: 200 * 1024, max: 600 * 1024 };
const LOG_SOURCES = ["payment", "emv", "printer", "network", "system", "update"];

type Result = { status: "succeeded" } | { status: "failed" | "rejected"; message: string };

/**
 * Whether a command fails, from a hash of the seed and its id rather than Math.random: the same
 * seed fails the same commands, so a run can be repeated.
 */
export function commandFails(seed: number, commandId: string, failRate: number): boolean {
  const digest = createHash("sha256").update(`${seed}\ncommand\n${commandId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < failRate;
}

/** A plausible terminal log of about `sizeBytes` (ASCII, one event a line). */
export function generatedLog(serialNumber: string, sizeBytes: number, now = Date.now()): string {
  const lines: string[] = [];
  let size = 0;
  // Events go back from now, a few seconds apart; the log reads oldest first.
  for (let at = now; size < sizeBytes; at -= randomInt(1_000, 30_000)) {
    const source = LOG_SOURCES[randomInt(LOG_SOURCES.length)]!;
    const level = randomInt(100) < 3 ? "E" : randomInt(100) < 10 ? "W" : "I";
    const line = `${new Date(at).toISOString()} ${level}/${source.padEnd(7)} [${serialNumber}] event ${randomInt(1e6).toString().padStart(6, "0")} took ${randomInt(2_000)} ms`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.reverse().join("\n") + "\n";
}

export interface CommandRunnerOptions {
  base: URL;
  failRate: number;
  seed: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/**
 * Performs the commands heartbeat answers carry, once each and one at a time per terminal. Plug
 * `onOutcome` and `ready` into runPaced. A command keeps coming in the answers until its result is
 * in, so a command taken up is remembered; a result the server did not take (no answer) is sent
 * again at the next delivery, without performing the command twice.
 */
export class CommandRunner {
  /** Commands taken up: running, or ended (result taken, or refused). */
  private readonly taken = new Set<string>();
  /** Performed commands whose result the server has not taken yet. */
  private readonly unreported = new Map<string, Result>();
  /** Each terminal's chain of commands. */
  private readonly queues = new Map<SimulatedTerminal, Promise<void>>();
  private readonly rebooting = new Map<SimulatedTerminal, Promise<void>>();
  /** The message each locked terminal shows. */
  private readonly locked = new Map<SimulatedTerminal, string>();
  private readonly done = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  private readonly logged = new Set<string>();
  /** Results the server refused (the command expired or was cancelled meanwhile), or could not be sent. */
  private dropped = 0;

  constructor(private readonly options: CommandRunnerOptions) {}

  readonly onOutcome = (terminal: SimulatedTerminal, outcome: Outcome) => {
    if (!outcome.commands?.length || this.options.signal.aborted) return;
    for (const command of outcome.commands) {
      if (this.taken.has(command.id)) continue;
      this.taken.add(command.id);
      const next = (this.queues.get(terminal) ?? Promise.resolve()).then(() => this.run(terminal, command));
      this.queues.set(terminal, next);
      void next.finally(() => {
        if (this.queues.get(terminal) === next) this.queues.delete(terminal);
      });
    }
  };

  /** A rebooting terminal sends no heartbeats until it is back. */
  readonly ready = (terminal: SimulatedTerminal) => this.rebooting.get(terminal);

  /** Resolves when every command taken up has ended; after the signal aborts, that is promptly. */
  async settled(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  summary(): string {
    const byKind = (counts: Map<string, number>) => {
      const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
      return total ? `${total} (${[...counts].map(([kind, n]) => `${kind}×${n}`).join(", ")})` : "0";
    };
    return `${byKind(this.done)} done, ${byKind(this.failed)} failed, ${this.locked.size} locked${this.dropped ? `, ${this.dropped} dropped` : ""}`;
  }

  private async run(terminal: SimulatedTerminal, command: DeliveredCommand): Promise<void> {
    const serial = terminal.terminal.serialNumber;
    try {
      let result = this.unreported.get(command.id);
      if (!result) {
        result = commandFails(this.options.seed, command.id, this.options.failRate)
          ? { status: "failed", message: `Simulated ${command.type} failure (--command-fail-rate).` }
          : await this.perform(terminal, command);
        this.unreported.set(command.id, result);
      }
      const answer = await deviceRequest(
        new URL(`/api/device/v1/commands/${encodeURIComponent(command.id)}/result`, this.options.base),
        terminal.token,
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(result) },
        { signal: this.options.signal },
      );
      this.unreported.delete(command.id);
      if (answer.status !== 200) {
        this.dropped++;
        this.options.log(`${serial}: the result of ${command.type} was refused: ${answer.status} (${errorDetail(answer.body.toString())}).`);
        return;
      }
      const counts = result.status === "succeeded" ? this.done : this.failed;
      counts.set(command.type, (counts.get(command.type) ?? 0) + 1);
      // One line per kind and result: a command sent to a whole fleet would flood the output; the status line counts them all.
      if (!this.logged.has(`${command.type}:${result.status}`)) {
        this.logged.add(`${command.type}:${result.status}`);
        const detail = result.status === "succeeded" ? (command.type === "lock" ? ` (the screen shows "${this.locked.get(terminal)}")` : "") : `: ${result.message}`;
        this.options.log(`${serial}: ${command.type} ${result.status}${detail}; further ones are counted in the status line.`);
      }
      if (command.type === "reboot" && result.status === "succeeded") await this.reboot(terminal);
    } catch (error) {
      if (error instanceof RunStopped) return;
      if (!(error instanceof DeviceUnreachable)) throw error;
      // Taken up again at its next delivery; a performed command only sends its result.
      this.taken.delete(command.id);
      this.options.log(`${serial}: ${command.type} put off, no answer from the server (${error.message}).`);
    }
  }

  /** Does what the command asks; the result says how it went. */
  private async perform(terminal: SimulatedTerminal, command: DeliveredCommand): Promise<Result> {
    switch (command.type) {
      case "reboot":
      case "ping":
        return { status: "succeeded" };
      case "lock": {
        const message = command.params.message;
        if (typeof message !== "string" || !message.trim()) return { status: "rejected", message: "A lock needs a message for the screen." };
        this.locked.set(terminal, message);
        return { status: "succeeded" };
      }
      case "unlock":
        this.locked.delete(terminal);
        return { status: "succeeded" };
      case "collect_logs":
        return this.uploadLog(terminal, command);
      default:
        return { status: "rejected", message: `This terminal does not know the command ${command.type}.` };
    }
  }

  private async uploadLog(terminal: SimulatedTerminal, command: DeliveredCommand): Promise<Result> {
    const log = generatedLog(terminal.terminal.serialNumber, randomInt(LOG_BYTES.min, LOG_BYTES.max));
    const answer = await deviceRequest(
      new URL(`/api/device/v1/commands/${encodeURIComponent(command.id)}/logs`, this.options.base),
      terminal.token,
      { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: log },
      { signal: this.options.signal },
    );
    if (answer.status === 200 || answer.status === 201 || answer.status === 204) return { status: "succeeded" };
    return { status: "failed", message: `The log upload was refused: ${answer.status} (${errorDetail(answer.body.toString())}).` };
  }

  private async reboot(terminal: SimulatedTerminal): Promise<void> {
    const seconds = REBOOT_SECONDS.min + Math.random() * (REBOOT_SECONDS.max - REBOOT_SECONDS.min);
    const back = sleep(seconds * 1000, undefined, { signal: this.options.signal }).catch(() => undefined);
    this.rebooting.set(terminal, back);
    await back;
    this.rebooting.delete(terminal);
  }
}
