import { describe, expect, it } from "vitest";
import {
  compareFirmwareVersions,
  decidePhase,
  failureIsRetried,
  isInsideBusinessHours,
  isInsideWindow,
  judgeStatusReport,
  localClock,
  mayInstall,
  phaseSizes,
  windowOverlapsBusinessHours,
} from "@/server/services/rollout-rules";

describe("firmware versions", () => {
  it("orders dotted parts numerically and longer versions after their prefix", () => {
    expect(compareFirmwareVersions("2.10.0", "2.9.9")).toBe(1);
    expect(compareFirmwareVersions("2.3", "2.3.1")).toBe(-1);
    expect(compareFirmwareVersions("v5.2.3", "5.2.3")).toBe(0);
    expect(compareFirmwareVersions("1.0.0-beta", "1.0.0-alpha")).toBe(1);
    // A pre-release comes before its release; build metadata does not count.
    expect(compareFirmwareVersions("2.5.0-beta.1", "2.5.0")).toBe(-1);
    expect(compareFirmwareVersions("2.5.0-beta.2", "2.5.0-beta.10")).toBe(-1);
    expect(compareFirmwareVersions("2.5.0+7", "2.5.0")).toBe(0);
    expect(compareFirmwareVersions("2.5.0-rc.1", "2.4.9")).toBe(1);
    expect(["11.6.0", "2.4.0", "11.4.2", "2.3.1"].sort(compareFirmwareVersions)).toEqual(["2.3.1", "2.4.0", "11.4.2", "11.6.0"]);
  });

  it("allows only upgrades unless the release is a rollback, and never the running version", () => {
    expect(mayInstall("2.3.1", "2.4.0", false)).toBe(true);
    expect(mayInstall("2.4.0", "2.3.1", false)).toBe(false);
    expect(mayInstall("2.4.0", "2.4.0", false)).toBe(false);
    expect(mayInstall("2.4.0", "2.3.1", true)).toBe(true);
    expect(mayInstall("2.4.0", "2.4.0", true)).toBe(false);
    expect(mayInstall(null, "1.0", false)).toBe(true);
  });
});

describe("job statuses", () => {
  it("move forward only: skipping ahead is fine, a repeat is safe, going back conflicts", () => {
    expect(judgeStatusReport("pending", "downloading").outcome).toBe("move");
    expect(judgeStatusReport("pending", "succeeded").outcome).toBe("move");
    expect(judgeStatusReport("downloaded", "installing").outcome).toBe("move");
    expect(judgeStatusReport("installing", "installing").outcome).toBe("repeat");
    expect(judgeStatusReport("succeeded", "succeeded").outcome).toBe("repeat");
    expect(judgeStatusReport("installing", "downloading").outcome).toBe("conflict");
    expect(judgeStatusReport("succeeded", "failed").outcome).toBe("conflict");
    expect(judgeStatusReport("failed", "succeeded").outcome).toBe("conflict");
    expect(judgeStatusReport("cancelled", "downloading").outcome).toBe("conflict");
  });

  it("retries a failed download while attempts are left, never a failed install", () => {
    expect(failureIsRetried("downloading", 1, 3)).toBe(true);
    expect(failureIsRetried("downloading", 3, 3)).toBe(false);
    expect(failureIsRetried("installing", 1, 3)).toBe(false);
    expect(failureIsRetried("downloaded", 1, 3)).toBe(false);
  });
});

describe("maintenance windows", () => {
  // 2026-06-10 is a Wednesday; 18:30 UTC is 02:30 the next day in Shanghai and 20:30 in Berlin.
  const at = new Date("2026-06-10T18:30:00Z");

  it("are judged in the store's own time zone", () => {
    expect(localClock(at, "Asia/Shanghai")).toEqual({ weekday: "thu", minute: 150 });
    expect(isInsideWindow(at, "Asia/Shanghai", "02:00", "05:00")).toBe(true);
    expect(isInsideWindow(at, "Europe/Berlin", "02:00", "05:00")).toBe(false);
    expect(isInsideWindow(at, "America/New_York", "14:00", "15:00")).toBe(true);
  });

  it("end exclusively and may wrap past midnight", () => {
    expect(isInsideWindow(new Date("2026-06-10T21:00:00Z"), "Asia/Shanghai", "02:00", "05:00")).toBe(false);
    expect(isInsideWindow(new Date("2026-06-10T20:59:00Z"), "Asia/Shanghai", "02:00", "05:00")).toBe(true);
    expect(isInsideWindow(at, "Europe/Berlin", "23:00", "01:00")).toBe(false);
    expect(isInsideWindow(new Date("2026-06-10T21:30:00Z"), "Europe/Berlin", "23:00", "01:00")).toBe(true);
    expect(isInsideWindow(new Date("2026-06-10T22:30:00Z"), "Europe/Berlin", "23:00", "01:00")).toBe(true);
  });

  it("know when a store trades, by its own clock", () => {
    const hours = { thu: { opens: "02:00", closes: "03:00" } };
    expect(isInsideBusinessHours(at, "Asia/Shanghai", hours)).toBe(true);
    expect(isInsideBusinessHours(at, "Asia/Shanghai", { wed: hours.thu })).toBe(false);
    expect(isInsideBusinessHours(at, "Europe/Berlin", hours)).toBe(false);
  });

  it("must stay clear of business hours on every day", () => {
    const hours = { mon: { opens: "07:00", closes: "22:00" }, sat: { opens: "09:00", closes: "23:30" } };
    expect(windowOverlapsBusinessHours("02:00", "05:00", hours)).toBe(false);
    expect(windowOverlapsBusinessHours("06:00", "08:00", hours)).toBe(true);
    expect(windowOverlapsBusinessHours("23:00", "01:00", hours)).toBe(true); // Saturday closes 23:30
    expect(windowOverlapsBusinessHours("22:00", "07:00", { mon: hours.mon })).toBe(false);
    expect(windowOverlapsBusinessHours("10:00", "12:00", {})).toBe(false);
  });
});

describe("phases", () => {
  it("split the terminals by cumulative share, at least one per phase while any are left", () => {
    expect(phaseSizes(20, [10, 50, 100])).toEqual([2, 8, 10]);
    expect(phaseSizes(20, [1, 10, 50, 100])).toEqual([1, 1, 8, 10]);
    expect(phaseSizes(100_000, [1, 10, 50, 100])).toEqual([1000, 9000, 40000, 50000]);
    expect(phaseSizes(2, [1, 10, 50, 100])).toEqual([1, 1, 0, 0]);
    expect(phaseSizes(0, [50, 100])).toEqual([0, 0]);
  });

  const phase = { total: 10, succeeded: 0, failed: 0, cancelled: 0, acceptedFailures: 0, successThreshold: 90, failureThreshold: 20, requiresApproval: false };

  it("pause when new failures pass the threshold, advance at the success share, or wait for approval", () => {
    expect(decidePhase({ ...phase, succeeded: 5, failed: 2 })).toBe("wait");
    expect(decidePhase({ ...phase, succeeded: 5, failed: 3 })).toBe("pause");
    expect(decidePhase({ ...phase, succeeded: 9, failed: 1 })).toBe("advance");
    expect(decidePhase({ ...phase, succeeded: 9, failed: 1, requiresApproval: true })).toBe("await_approval");
    // Failures accepted on resume no longer count.
    expect(decidePhase({ ...phase, succeeded: 5, failed: 4, acceptedFailures: 3 })).toBe("wait");
    expect(decidePhase({ ...phase, total: 0 })).toBe("advance");
    // Success is a share of the terminals that can still succeed: failures under the threshold do not hold the phase.
    expect(decidePhase({ ...phase, succeeded: 8, failed: 2 })).toBe("advance");
    expect(decidePhase({ ...phase, succeeded: 7, failed: 2 })).toBe("wait");
    expect(decidePhase({ ...phase, succeeded: 6, failed: 3, acceptedFailures: 3, cancelled: 1 })).toBe("advance");
  });
});
