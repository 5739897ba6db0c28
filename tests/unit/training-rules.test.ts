import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAINING_VALIDITY_MONTHS } from "@/db/schema/values";
import { addDays, addMonths, localDay } from "@/server/services/calendar-day";
import { EXPIRING_SOON_DAYS, expiryStateSql, trainingExpiry } from "@/server/services/training-rules";

describe("addMonths", () => {
  it("keeps years before 100 as they are", () => {
    expect(addMonths("0050-01-31", 1)).toBe("0050-02-28");
    expect(addMonths("0099-12-15", 1)).toBe("0100-01-15");
  });

  it("keeps the day of the month when the target month has it", () => {
    expect(addMonths("2025-03-15", 12)).toBe("2026-03-15");
    expect(addMonths("2025-03-15", 1)).toBe("2025-04-15");
    expect(addMonths("2025-01-31", 2)).toBe("2025-03-31");
    expect(addMonths("2025-08-31", 0)).toBe("2025-08-31");
  });

  it("crosses year ends forwards and backwards", () => {
    expect(addMonths("2025-12-15", 1)).toBe("2026-01-15");
    expect(addMonths("2025-11-30", 14)).toBe("2027-01-30");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-15");
    expect(addMonths("2026-01-15", -13)).toBe("2024-12-15");
  });

  it("clamps to the last day of a shorter month", () => {
    expect(addMonths("2025-01-31", 1)).toBe("2025-02-28");
    expect(addMonths("2025-03-31", 1)).toBe("2025-04-30");
    expect(addMonths("2025-08-31", 6)).toBe("2026-02-28");
    expect(addMonths("2025-05-31", -1)).toBe("2025-04-30");
    expect(addMonths("2025-03-31", -1)).toBe("2025-02-28");
  });

  it("knows leap years: 29 February exists only in them", () => {
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2024-02-29", 12)).toBe("2025-02-28");
    expect(addMonths("2024-02-29", 48)).toBe("2028-02-29");
    expect(addMonths("2023-02-28", 12)).toBe("2024-02-28");
    expect(addMonths("2027-03-31", 11)).toBe("2028-02-29");
    // Century rule: 2100 is not a leap year, 2000 was.
    expect(addMonths("2099-02-28", 12)).toBe("2100-02-28");
    expect(addMonths("2099-03-31", 11)).toBe("2100-02-28");
    expect(addMonths("1999-03-31", 11)).toBe("2000-02-29");
  });

  it("counts from the given day, not from the previous result (no drift)", () => {
    // Two steps of one month clamp at February; one step of two months does not.
    expect(addMonths(addMonths("2025-01-31", 1), 1)).toBe("2025-03-28");
    expect(addMonths("2025-01-31", 2)).toBe("2025-03-31");
  });
});

describe("addDays and localDay", () => {
  it("add days across month ends and leap days", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-02-28", 1)).toBe("2025-03-01");
    expect(addDays("2026-03-10", EXPIRING_SOON_DAYS)).toBe("2026-04-09");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  it("take the fleet's calendar day in its own time zone", () => {
    // 20:00 UTC on 9 March is already 04:00 on 10 March in Shanghai.
    expect(localDay(new Date("2026-03-09T20:00:00Z"), "Asia/Shanghai")).toBe("2026-03-10");
    expect(localDay(new Date("2026-03-09T20:00:00Z"), "UTC")).toBe("2026-03-09");
    expect(localDay(new Date("2026-03-09T15:59:59Z"), "Asia/Shanghai")).toBe("2026-03-09");
    expect(localDay(new Date("2026-03-09T16:00:00Z"), "Asia/Shanghai")).toBe("2026-03-10");
  });
});

describe("trainingExpiry", () => {
  it("is the session day plus the course's validity in months", () => {
    expect(trainingExpiry("2025-03-15", 12)).toBe("2026-03-15");
    expect(trainingExpiry("2025-03-15", DEFAULT_TRAINING_VALIDITY_MONTHS)).toBe("2026-03-15");
    expect(trainingExpiry("2025-03-15", 6)).toBe("2025-09-15");
    expect(trainingExpiry("2025-03-15", 24)).toBe("2027-03-15");
    expect(trainingExpiry("2025-03-15", 60)).toBe("2030-03-15");
    expect(trainingExpiry("2025-12-01", 1)).toBe("2026-01-01");
  });

  it("clamps month ends and handles leap days", () => {
    expect(trainingExpiry("2025-01-31", 1)).toBe("2025-02-28");
    expect(trainingExpiry("2024-01-31", 1)).toBe("2024-02-29");
    expect(trainingExpiry("2024-02-29", 12)).toBe("2025-02-28");
    expect(trainingExpiry("2024-02-29", 24)).toBe("2026-02-28");
    expect(trainingExpiry("2024-02-29", 48)).toBe("2028-02-29");
    expect(trainingExpiry("2025-08-31", 6)).toBe("2026-02-28");
    expect(trainingExpiry("2027-08-31", 6)).toBe("2028-02-29");
    expect(trainingExpiry("2025-10-31", 12)).toBe("2026-10-31");
  });

  it("expires a year later on the same day, or on 28 February for 29 February, for every day of a leap year and a common year", () => {
    for (const start of ["2024-01-01", "2025-01-01"]) {
      for (let i = 0; i < 366; i++) {
        const day = addDays(start, i);
        const expiry = trainingExpiry(day, 12);
        // A year later, on the same day of the month unless that day does not exist (29 February).
        expect(expiry.slice(5)).toBe(day.slice(5) === "02-29" ? "02-28" : day.slice(5));
        expect(Number(expiry.slice(0, 4))).toBe(Number(day.slice(0, 4)) + 1);
      }
    }
  });
});

describe("expiry states", () => {
  it("compares the expiry with today and with today + 30 days in the SQL it builds", () => {
    const query = new PgDialect().sqlToQuery(expiryStateSql(sql`expires_on`, "2026-03-10"));
    expect(query.params).toEqual(["2026-03-10", "2026-04-09"]);
    // Expired on the expiry day itself; expiring up to and including today + 30.
    expect(query.sql).toMatch(/expires_on <= \$1::date then 'expired'/);
    expect(query.sql).toMatch(/expires_on <= \$2::date then 'expiring'/);
    expect(query.sql).toMatch(/expires_on is null then 'missing'/);
  });
});
