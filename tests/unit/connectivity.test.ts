import { afterEach, describe, expect, it } from "vitest";
import { isOnline, offlineBefore } from "@/server/services/connectivity";

const now = new Date("2026-11-20T08:00:00Z");
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

afterEach(() => {
  delete process.env.HEARTBEAT_INTERVAL_SECONDS;
});

describe("the offline rule", () => {
  it("keeps a terminal online until three intervals have passed without a check-in", () => {
    expect(offlineBefore(now).toISOString()).toBe("2026-11-20T07:45:00.000Z");
    expect(isOnline(secondsAgo(0), now)).toBe(true);
    expect(isOnline(secondsAgo(900), now)).toBe(true);
    expect(isOnline(new Date(secondsAgo(900).getTime() - 1), now)).toBe(false);
    expect(isOnline(secondsAgo(86_400), now)).toBe(false);
  });

  it("treats a terminal that never checked in as offline", () => {
    expect(isOnline(null, now)).toBe(false);
  });

  it("follows the configured heartbeat interval", () => {
    process.env.HEARTBEAT_INTERVAL_SECONDS = "60";
    expect(isOnline(secondsAgo(180), now)).toBe(true);
    expect(isOnline(secondsAgo(181), now)).toBe(false);
    expect(isOnline(secondsAgo(181), now, 300)).toBe(true);
  });
});
