import { describe, expect, it } from "vitest";
import { fromFleetInput, toFleetInput } from "@/app/_lib/fleet-day";

describe("datetime-local values in the fleet's time zone (Asia/Shanghai, UTC+8)", () => {
  it("shows a moment as the fleet's wall-clock time", () => {
    expect(toFleetInput(new Date("2026-11-26T02:00:00Z"))).toBe("2026-11-26T10:00");
    expect(toFleetInput(new Date("2026-11-26T18:30:00Z"))).toBe("2026-11-27T02:30");
    expect(toFleetInput(null)).toBe("");
  });

  it("reads what an admin types as the fleet's wall-clock time, whatever the browser's zone", () => {
    expect(fromFleetInput("2026-11-26T10:00")!.toISOString()).toBe("2026-11-26T02:00:00.000Z");
    expect(fromFleetInput("2026-01-01T00:15")!.toISOString()).toBe("2025-12-31T16:15:00.000Z");
    expect(fromFleetInput("")).toBeNull();
    expect(fromFleetInput("not a time")).toBeNull();
  });

  it("round-trips", () => {
    for (const text of ["2026-02-28T23:59", "2026-03-01T00:00", "2026-07-15T12:34"]) expect(toFleetInput(fromFleetInput(text))).toBe(text);
  });
});
