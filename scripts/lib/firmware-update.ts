// Firmware updates as a terminal performs them through the device API v1 (DESIGN.md): a heartbeat
// answer offers an update; the terminal downloads the image in Range chunks, checks its size and
// sha256, installs it and reports each step to POST /api/device/v1/updates/{jobId}/status.
import { createHash, type Hash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { deviceRequest, DeviceUnreachable, RunStopped, type DeviceAnswer, type DeviceRequestInit } from "./device-request";
import { errorDetail, type OfferedUpdate, type Outcome, type SimulatedTerminal } from "./heartbeat-load";

// Downloads share the token's request budget (DEVICE_RATE_LIMIT_PER_MINUTE) with heartbeats, so
// chunks are large: a 100 MB image takes 13 requests, and a broken one resumes where it stopped.
const CHUNK_BYTES = 8 * 1024 * 1024;
/** A `downloading` report whenever the download has moved on this much. */
const PROGRESS_STEP_PERCENT = 25;
// Real installs take minutes; seconds let a demo rollout move through its phases while one watches.
const INSTALL_SECONDS = { min: 3, max: 8 };

/**
 * Whether a terminal's install of a version fails, from a hash rather than Math.random: the same
 * seed fails the same terminals, so a run can be repeated.
 */
export function installFails(seed: number, serialNumber: string, version: string, failRate: number): boolean {
  const digest = createHash("sha256").update(`${seed}\n${serialNumber}\n${version}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < failRate;
}

export interface UpdaterOptions {
  /** The server; offered image paths are resolved against it. */
  base: URL;
  failRate: number;
  seed: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Ends an attempt early; `dropped` attempts are counted and logged, the others (the run stopping) are not. */
class AttemptEnded extends Error {
  constructor(
    readonly dropped: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** Where a download stopped, so the next attempt at the same job asks only for the rest. */
interface PartialDownload {
  sha256: string;
  sizeBytes: number;
  received: number;
  hash: Hash;
}

type StatusReport =
  { status: "downloading" | "downloaded"; progressPercent: number } | { status: "installing" | "succeeded" } | { status: "failed"; errorCode: "checksum_mismatch" | "install_failed"; message: string };

const stopped = () => new AttemptEnded(false, "the run stopped");

/**
 * Runs the updates that heartbeat answers offer, one at a time per terminal. Plug `onOutcome` and
 * `ready` into runPaced.
 */
export class FirmwareUpdater {
  private inProgress = 0;
  private succeeded = 0;
  private dropped = 0;
  /** Requests cut or refused by the server (no answer, or a 5xx other than 503's "wait"), retried or not. */
  private interrupted = 0;
  /** Reported failures by error code. */
  private readonly failed = new Map<string, number>();
  /** Each terminal's running attempt. */
  private readonly busy = new Map<SimulatedTerminal, Promise<void>>();
  private readonly rebooting = new Map<SimulatedTerminal, Promise<void>>();
  private readonly partial = new Map<string, PartialDownload>();
  /** Jobs ended for good: a heartbeat answered just before the final report may still offer one. */
  private readonly finished = new Set<string>();

  constructor(private readonly options: UpdaterOptions) {}

  /**
   * Starts the update a heartbeat answer offers. Heartbeats go on during an attempt and offer its
   * job again and again, so a busy terminal ignores offers; a job that is offered after its attempt
   * ended (a failed download the server retries, or a download given up) starts again.
   */
  readonly onOutcome = (terminal: SimulatedTerminal, outcome: Outcome) => {
    const offer = outcome.update;
    if (!offer || this.busy.has(terminal) || this.finished.has(offer.jobId) || this.options.signal.aborted) return;
    this.busy.set(
      terminal,
      this.attempt(terminal, offer).finally(() => this.busy.delete(terminal)),
    );
  };

  /**
   * A terminal installing firmware reboots, as a real one does: it sends no heartbeats until it is
   * back, so the console sees it go quiet for the install.
   */
  readonly ready = (terminal: SimulatedTerminal) => this.rebooting.get(terminal);

  /** Resolves when every attempt has ended; after the signal aborts, that is promptly. */
  async settled(): Promise<void> {
    await Promise.all(this.busy.values());
  }

  summary(): string {
    const failures = [...this.failed];
    const failed = failures.reduce((sum, [, n]) => sum + n, 0);
    const byCode = failed ? ` (${failures.map(([code, n]) => `${code}×${n}`).join(", ")})` : "";
    return `${this.inProgress} in progress, ${this.succeeded} succeeded, ${failed} failed${byCode}${this.dropped ? `, ${this.dropped} dropped` : ""}${this.interrupted ? `, ${this.interrupted} requests interrupted` : ""}`;
  }

  /** The summary's numbers, for tools that check a run (the cluster test). */
  counts() {
    const failed = [...this.failed.values()].reduce((sum, n) => sum + n, 0);
    return { inProgress: this.inProgress, succeeded: this.succeeded, failed, dropped: this.dropped, interrupted: this.interrupted };
  }

  private async attempt(terminal: SimulatedTerminal, offer: OfferedUpdate): Promise<void> {
    this.inProgress++;
    try {
      if (!(await this.download(terminal, offer))) return;
      await this.report(terminal, offer, { status: "downloaded", progressPercent: 100 });
      await this.report(terminal, offer, { status: "installing" });
      await this.install(terminal, offer);
    } catch (error) {
      if (!(error instanceof AttemptEnded)) throw error;
      if (error.dropped) {
        this.dropped++;
        this.options.log(`${terminal.terminal.serialNumber}: update to ${offer.version} dropped: ${error.message}`);
      }
    } finally {
      this.inProgress--;
    }
  }

  /** Downloads the image and checks it; false when the check failed (reported, so the server may offer the job again). */
  private async download(terminal: SimulatedTerminal, offer: OfferedUpdate): Promise<boolean> {
    let part = this.partial.get(offer.jobId);
    if (!part || part.sha256 !== offer.sha256 || part.sizeBytes !== offer.sizeBytes) {
      part = { sha256: offer.sha256, sizeBytes: offer.sizeBytes, received: 0, hash: createHash("sha256") };
      this.partial.set(offer.jobId, part);
    }
    const percent = () => (offer.sizeBytes > 0 ? Math.floor((part.received / offer.sizeBytes) * 100) : 100);
    let reported = percent();
    await this.report(terminal, offer, { status: "downloading", progressPercent: reported });
    const url = new URL(offer.url, this.options.base);
    let mismatch: string | undefined;
    while (part.received < offer.sizeBytes && !mismatch) {
      const end = Math.min(part.received + CHUNK_BYTES, offer.sizeBytes) - 1;
      const answer = await this.request(terminal, url, { headers: { range: `bytes=${part.received}-${end}` } });
      if (answer.status === 404) {
        this.partial.delete(offer.jobId);
        throw new AttemptEnded(true, "the image is no longer offered (the job was cancelled or has ended)");
      }
      if (answer.status === 416) mismatch = `the image is smaller than the ${offer.sizeBytes} bytes offered`;
      else if (answer.status === 200) {
        // The whole image instead of the range: start over with it.
        part.hash = createHash("sha256").update(answer.body);
        part.received = answer.body.length;
        if (part.received !== offer.sizeBytes) mismatch = `got ${part.received} bytes, ${offer.sizeBytes} offered`;
      } else if (answer.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(answer.headers.get("content-range") ?? "");
        if (!range || Number(range[1]) !== part.received || Number(range[2]) - Number(range[1]) + 1 !== answer.body.length) {
          this.partial.delete(offer.jobId);
          throw new AttemptEnded(true, `bad partial answer (Content-Range ${answer.headers.get("content-range")}, ${answer.body.length} bytes)`);
        }
        if (Number(range[3]) !== offer.sizeBytes) mismatch = `the image has ${range[3]} bytes, ${offer.sizeBytes} offered`;
        else {
          part.hash.update(answer.body);
          part.received += answer.body.length;
        }
      } else throw new AttemptEnded(true, `the download answered ${answer.status} (${errorDetail(answer.body.toString())})`);
      if (!mismatch && percent() >= reported + PROGRESS_STEP_PERCENT && percent() < 100) {
        reported = percent();
        await this.report(terminal, offer, { status: "downloading", progressPercent: reported });
      }
    }
    this.partial.delete(offer.jobId);
    if (!mismatch && part.hash.digest("hex") !== offer.sha256.toLowerCase()) mismatch = "the sha256 differs from the offered one";
    if (!mismatch) return true;
    await this.report(terminal, offer, { status: "failed", errorCode: "checksum_mismatch", message: `Downloaded image rejected: ${mismatch}.` });
    return false;
  }

  /** Reboots into the new image, which fails for a --fail-rate share of terminals, and reports the result. */
  private async install(terminal: SimulatedTerminal, offer: OfferedUpdate): Promise<void> {
    const { seed, failRate, signal } = this.options;
    const seconds = INSTALL_SECONDS.min + Math.random() * (INSTALL_SECONDS.max - INSTALL_SECONDS.min);
    const reboot = sleep(seconds * 1000, true, { signal }).catch(() => false);
    this.rebooting.set(
      terminal,
      reboot.then(() => undefined),
    );
    const back = await reboot;
    this.rebooting.delete(terminal);
    if (!back) throw stopped();
    if (installFails(seed, terminal.terminal.serialNumber, offer.version, failRate)) {
      await this.report(terminal, offer, { status: "failed", errorCode: "install_failed", message: "Simulated install failure (--fail-rate); the terminal kept its firmware." });
    } else {
      // Installed, whatever the server answers next: from now on the heartbeats say so.
      terminal.firmwareVersion = offer.version;
      await this.report(terminal, offer, { status: "succeeded" });
      this.succeeded++;
    }
    this.finished.add(offer.jobId);
  }

  /**
   * Reports the job's status. A 409 to a download report means the job is further along than this
   * attempt knows (a previous run of the simulator got further) or has ended: the attempt carries
   * on, and the download's 404 or the next report tells which. Any other refusal ends the attempt.
   */
  private async report(terminal: SimulatedTerminal, offer: OfferedUpdate, body: StatusReport): Promise<void> {
    const url = new URL(`/api/device/v1/updates/${encodeURIComponent(offer.jobId)}/status`, this.options.base);
    const answer = await this.request(terminal, url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (answer.status === 200) {
      if (body.status === "failed") this.failed.set(body.errorCode, (this.failed.get(body.errorCode) ?? 0) + 1);
      return;
    }
    if (answer.status === 409 && (body.status === "downloading" || body.status === "downloaded")) return;
    throw new AttemptEnded(true, `reporting ${body.status} answered ${answer.status} (${errorDetail(answer.body.toString())})`);
  }

  /** A device API request as the terminal (see deviceRequest); giving up ends the attempt. */
  private async request(terminal: SimulatedTerminal, url: URL, init: DeviceRequestInit): Promise<DeviceAnswer> {
    try {
      return await deviceRequest(url, terminal.token, init, { signal: this.options.signal, onInterrupted: () => this.interrupted++ });
    } catch (error) {
      if (error instanceof RunStopped) throw stopped();
      if (error instanceof DeviceUnreachable) throw new AttemptEnded(true, `no answer from the server (${error.message}); the next offer resumes the download`);
      throw error;
    }
  }
}
