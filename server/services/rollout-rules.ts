// The rules of firmware rollouts as plain functions of their inputs (and an explicit clock), so
// the rollout service, the device API and the unit tests share one implementation of each.
import type { BusinessHours, JobStatus, ReportedJobStatus, Weekday } from "@/db/schema/values";

/** Dotted parts compared numerically when both are numbers, else as text; more parts is newer. */
function compareParts(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y, "en");
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}

/**
 * Orders firmware versions as semantic versions do: "2.10" after "2.9", "2.3.1" after "2.3", a
 * pre-release before its release ("2.5.0-beta.1" before "2.5.0"), build metadata ("+7") ignored.
 */
export function compareFirmwareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core = "", pre] = v.trim().replace(/^v/i, "").split("+")[0]!.split(/-(.*)/s);
    return { core: core.split(/[._]/), pre: pre === undefined ? null : pre.split(".") };
  };
  const x = split(a);
  const y = split(b);
  const order = compareParts(x.core, y.core);
  if (order !== 0) return order;
  if (x.pre === null || y.pre === null) return x.pre === y.pre ? 0 : x.pre === null ? 1 : -1;
  return compareParts(x.pre, y.pre);
}

/** A terminal takes a release only to move forward, unless the release is a rollback; never the version it runs. */
export function mayInstall(currentVersion: string | null, releaseVersion: string, isRollback: boolean): boolean {
  if (currentVersion === null) return true;
  const order = compareFirmwareVersions(releaseVersion, currentVersion);
  return isRollback ? order !== 0 : order > 0;
}

/** A refused report names its reason (a key of the `errors` messages) and the job's status. */
export type StatusReport = { outcome: "move" } | { outcome: "repeat" } | { outcome: "conflict"; reason: "updateCancelled" | "updateFinished" | "updateStatusBackwards"; params: { status: JobStatus } };

const jobOrder: Record<JobStatus, number> = { pending: 0, downloading: 1, downloaded: 2, installing: 3, succeeded: 4, failed: 4, cancelled: 5 };

/** Statuses move forward only: skipping ahead is fine, the current one again is a safe repeat, going back is a conflict. */
export function judgeStatusReport(current: JobStatus, reported: ReportedJobStatus): StatusReport {
  if (current === reported) return { outcome: "repeat" };
  if (current === "cancelled") return { outcome: "conflict", reason: "updateCancelled", params: { status: current } };
  if (current === "succeeded" || current === "failed") return { outcome: "conflict", reason: "updateFinished", params: { status: current } };
  if (jobOrder[reported] <= jobOrder[current]) return { outcome: "conflict", reason: "updateStatusBackwards", params: { status: current } };
  return { outcome: "move" };
}

/**
 * A failure before the image was downloaded is retried (the terminal gets the job again) while
 * attempts are left; any other failure is final.
 */
export function failureIsRetried(current: JobStatus, attempt: number, maxAttempts: number): boolean {
  return (current === "pending" || current === "downloading") && attempt < maxAttempts;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const localClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The weekday and minute of the day at `at` in a time zone. */
export function localClock(at: Date, timeZone: string): { weekday: Weekday; minute: number } {
  let format = localClockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    localClockFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday!.toLowerCase() as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Whether `at` falls inside a daily window of local times; a window that ends before it starts wraps past midnight. */
export function isInsideWindow(at: Date, timeZone: string, starts: string, ends: string): boolean {
  const { minute } = localClock(at, timeZone);
  const from = minutesOf(starts);
  const to = minutesOf(ends);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Whether a store is open at `at` by its opening hours, in its time zone. */
export function isInsideBusinessHours(at: Date, timeZone: string, hours: BusinessHours): boolean {
  const { weekday, minute } = localClock(at, timeZone);
  const today = hours[weekday];
  return today !== undefined && minute >= minutesOf(today.opens) && minute < minutesOf(today.closes);
}

/** The minutes of the week a daily window covers, as [start, end) ranges within 0..7×1440. */
function windowRanges(starts: string, ends: string): [number, number][] {
  const from = minutesOf(starts);
  const to = minutesOf(ends);
  const ranges: [number, number][] = [];
  for (let day = 0; day < 7; day++) {
    const base = day * 1440;
    if (from < to) ranges.push([base + from, base + to]);
    else {
      ranges.push([base + from, base + 1440]);
      ranges.push([base, base + to]);
    }
  }
  return ranges;
}

const weekdayIndex: Record<Weekday, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

/** Whether a daily maintenance window would overlap any day's opening hours. */
export function windowOverlapsBusinessHours(starts: string, ends: string, hours: BusinessHours): boolean {
  const open = Object.entries(hours).flatMap(([day, h]) => {
    if (!h) return [];
    const base = weekdayIndex[day as Weekday] * 1440;
    return [[base + minutesOf(h.opens), base + minutesOf(h.closes)] as [number, number]];
  });
  return windowRanges(starts, ends).some(([a, b]) => open.some(([c, d]) => a < d && c < b));
}

/**
 * How many of `total` terminals each phase takes, from the phases' cumulative percentages: every
 * phase with a share gets at least one terminal while any are left, and the last takes the rest.
 */
export function phaseSizes(total: number, cumulativePercents: number[]): number[] {
  let assigned = 0;
  return cumulativePercents.map((percent, i) => {
    const last = i === cumulativePercents.length - 1;
    const upTo = last ? total : Math.min(total, Math.max(Math.ceil((total * percent) / 100), assigned + 1));
    const size = Math.max(0, upTo - assigned);
    assigned += size;
    return size;
  });
}

export interface PhaseProgress {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  acceptedFailures: number;
  successThreshold: number;
  failureThreshold: number;
  requiresApproval: boolean;
}

export type PhaseDecision = "pause" | "advance" | "await_approval" | "wait";

/**
 * What a running phase does next: pause when its new failures pass the failure threshold (a
 * share of the phase's terminals), move on when its successes reach the success threshold (a
 * share of the terminals that can still succeed: failed and cancelled jobs are out of it), or
 * wait for an admin's approval first when the phase asks for it.
 */
export function decidePhase(p: PhaseProgress): PhaseDecision {
  if (p.total > 0 && ((p.failed - p.acceptedFailures) / p.total) * 100 > p.failureThreshold) return "pause";
  const candidates = p.total - p.failed - p.cancelled;
  if (candidates <= 0 || (p.succeeded / candidates) * 100 >= p.successThreshold) return p.requiresApproval ? "await_approval" : "advance";
  return "wait";
}
