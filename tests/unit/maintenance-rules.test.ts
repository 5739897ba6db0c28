import { describe, expect, it } from "vitest";
import { localDay } from "@/server/services/calendar-day";
import { canMoveWorkOrder, completionProblems, dueState, failedTamperCheck, isValidRrule, nextDue } from "@/server/services/maintenance-rules";

describe("recurrence", () => {
  const every = (everyN: number, unit: "day" | "week" | "month", firstDue = "2026-01-31") => ({ firstDue, everyN, unit, rrule: null });

  it("counts every N days, weeks or months from the first due date", () => {
    expect(nextDue(every(10, "day", "2026-03-01"), "2026-03-01")).toBe("2026-03-11");
    expect(nextDue(every(10, "day", "2026-03-01"), "2026-03-01", true)).toBe("2026-03-01");
    expect(nextDue(every(2, "week", "2026-03-02"), "2026-03-20")).toBe("2026-03-30");
    expect(nextDue(every(10, "day", "2026-03-01"), "2025-01-01")).toBe("2026-03-01");
  });

  it("keeps the day of the month, clamped to short months, without drifting", () => {
    expect(nextDue(every(1, "month"), "2026-01-31")).toBe("2026-02-28");
    expect(nextDue(every(1, "month"), "2026-02-28")).toBe("2026-03-31");
    expect(nextDue(every(3, "month"), "2026-06-01")).toBe("2026-07-31");
    expect(nextDue(every(1, "month", "2027-12-31"), "2028-01-31")).toBe("2028-02-29");
    // Years later, no month is skipped.
    expect(nextDue(every(1, "month", "2026-01-15"), "2028-06-10", true)).toBe("2028-06-15");
    expect(nextDue(every(1, "month", "2026-01-31"), "2030-04-30")).toBe("2030-05-31");
  });

  it("follows an RRULE when one is given", () => {
    const firstMonday = { firstDue: "2026-01-01", everyN: 1, unit: "month" as const, rrule: "FREQ=MONTHLY;BYDAY=1MO" };
    expect(nextDue(firstMonday, "2026-01-05")).toBe("2026-02-02");
    expect(nextDue(firstMonday, "2026-01-01", true)).toBe("2026-01-05");
    expect(nextDue({ ...firstMonday, rrule: "FREQ=WEEKLY;COUNT=2" }, "2026-01-08")).toBeNull();
    expect(isValidRrule("FREQ=MONTHLY;BYDAY=1MO", "2026-01-01")).toBe(true);
    expect(isValidRrule("FREQ=SOMETIMES", "2026-01-01")).toBe(false);
    // Maintenance is dated by day: rules that repeat within a day are refused.
    expect(isValidRrule("FREQ=HOURLY", "2026-01-01")).toBe(false);
    expect(isValidRrule("FREQ=DAILY;BYHOUR=0,12", "2026-01-01")).toBe(false);
    // An UNTIL before 2026 is fine for a plan that starts earlier.
    expect(isValidRrule("FREQ=WEEKLY;UNTIL=20251231T000000Z", "2025-06-01")).toBe(true);
  });
});

describe("due dates", () => {
  it("are overdue before today and due soon within a week, in the fleet's time zone", () => {
    // 20:00 UTC on 10 June is already 11 June in Shanghai.
    const today = localDay(new Date("2026-06-10T20:00:00Z"), "Asia/Shanghai");
    expect(today).toBe("2026-06-11");
    expect(dueState("2026-06-10", "open", today)).toBe("overdue");
    expect(dueState("2026-06-11", "scheduled", today)).toBe("due_soon");
    expect(dueState("2026-06-18", "in_progress", today)).toBe("due_soon");
    expect(dueState("2026-06-19", "open", today)).toBe("later");
    expect(dueState("2026-06-01", "done", today)).toBe("closed");
  });
});

describe("work orders", () => {
  it("move open → scheduled → in progress → done, and may be cancelled until done", () => {
    expect(canMoveWorkOrder("open", "in_progress")).toBe(true);
    expect(canMoveWorkOrder("in_progress", "done")).toBe(true);
    expect(canMoveWorkOrder("open", "done")).toBe(false);
    expect(canMoveWorkOrder("scheduled", "cancelled")).toBe(true);
    expect(canMoveWorkOrder("done", "cancelled")).toBe(false);
    expect(canMoveWorkOrder("cancelled", "open")).toBe(false);
  });

  it("are done only with every checklist line answered, a resolution and the merchant's sign-off", () => {
    const checklist = [
      { key: "clean_reader", result: "pass" as const },
      { key: "tamper_inspection", tamper: true },
    ];
    expect(completionProblems({ checklist, resolution: "", signoffName: null })).toEqual([{ missing: "checklist", keys: ["tamper_inspection"] }, { missing: "resolution" }, { missing: "signoff" }]);
    expect(completionProblems({ checklist: [checklist[0]!, { ...checklist[1]!, result: "na" as const }], resolution: "Cleaned", signoffName: "Li Wei" })).toEqual([]);
  });

  it("spot a failed tamper inspection, and only that", () => {
    expect(failedTamperCheck([{ key: "tamper_inspection", tamper: true, result: "fail" }])).toBe(true);
    expect(
      failedTamperCheck([
        { key: "check_printer", result: "fail" },
        { key: "tamper_inspection", tamper: true, result: "pass" },
      ]),
    ).toBe(false);
  });
});
