import { afterEach, describe, expect, it } from "vitest";
import { isOnline, offlineBefore } from "@/server/services/connectivity";

// The sweep that turns these rules into terminals.connectivity is covered in tests/integration/connectivity.test.ts.
const now = new Date("2026-11-20T08:00:00Z");

afterEach(() => {
  delete process.env.HEARTBEAT_INTERVAL_SECONDS;
});

describe("the offline rule", () => {
  it("puts the offline line three heartbeat intervals back", () => {
    expect(offlineBefore(now).toISOString()).toBe("2026-11-20T07:45:00.000Z");
    expect(offlineBefore(now, 60).toISOString()).toBe("2026-11-20T07:57:00.000Z");
  });

  it("follows the configured heartbeat interval", () => {
    process.env.HEARTBEAT_INTERVAL_SECONDS = "60";
    expect(offlineBefore(now).toISOString()).toBe("2026-11-20T07:57:00.000Z");
  });
});

describe("a terminal's online flag", () => {
  it("reads the state the heartbeat and the sweep keep", () => {
    expect(isOnline({ status: "active", connectivity: "online" })).toBe(true);
    expect(isOnline({ status: "active", connectivity: "offline" })).toBe(false);
    expect(isOnline({ status: "active", connectivity: "offline_day" })).toBe(false);
  });

  it("counts only terminals in service: a suspended one is offline whatever its state", () => {
    expect(isOnline({ status: "faulty", connectivity: "online" })).toBe(true);
    expect(isOnline({ status: "suspended", connectivity: "online" })).toBe(false);
    expect(isOnline({ status: "in_stock", connectivity: "online" })).toBe(false);
  });
});
