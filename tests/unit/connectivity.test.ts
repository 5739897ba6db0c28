import { afterEach, describe, expect, it } from "vitest";
import { isOnline, offlineBefore } from "@/server/services/connectivity";

const now = new Date("2026-11-20T08:00:00Z");
const seen = (lastSeenAt: Date | null, status: "active" | "faulty" | "suspended" = "active") => ({ status, lastSeenAt });
const secondsAgo = (s: number) => seen(new Date(now.getTime() - s * 1000));

afterEach(() => {
  delete process.env.HEARTBEAT_INTERVAL_SECONDS;
});

describe("the offline rule", () => {
  it("keeps a terminal online until three intervals have passed without a check-in", () => {
    expect(offlineBefore(now).toISOString()).toBe("2026-11-20T07:45:00.000Z");
    expect(isOnline(secondsAgo(0), now)).toBe(true);
    expect(isOnline(secondsAgo(900), now)).toBe(true);
    expect(isOnline(seen(new Date(now.getTime() - 900_001)), now)).toBe(false);
    expect(isOnline(secondsAgo(86_400), now)).toBe(false);
  });

  it("treats a terminal that never checked in as offline", () => {
    expect(isOnline(seen(null), now)).toBe(false);
  });

  it("counts only terminals in service: a suspended one is offline however recent its check-in", () => {
    expect(isOnline(seen(now, "faulty"), now)).toBe(true);
    expect(isOnline(seen(now, "suspended"), now)).toBe(false);
  });

  it("follows the configured heartbeat interval", () => {
    process.env.HEARTBEAT_INTERVAL_SECONDS = "60";
    expect(isOnline(secondsAgo(180), now)).toBe(true);
    expect(isOnline(secondsAgo(181), now)).toBe(false);
    expect(isOnline(secondsAgo(181), now, 300)).toBe(true);
  });
});
