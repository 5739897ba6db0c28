import { z } from "zod";

export const uuid = z.uuid({ message: "must be a valid id" });

/**
 * Any text from outside. PostgreSQL refuses NUL in text, so it is refused here, before a query
 * runs: otherwise a CSV download would fail after its first bytes were sent.
 */
export const text = () => z.string().regex(/^[^\0]*$/, { message: "must not contain a NUL character" });

export const trimmed = (max: number) =>
  text()
    .trim()
    .max(max, { message: `must be at most ${max} characters` });
export const requiredText = (max: number) => trimmed(max).min(1, { message: "is required" });

// Nothing in the fleet is dated outside these years, and years before 100 do not survive the trip:
// date parsers along the way read "0001-06-01" as 2001.
const FIRST_DAY = "2000-01-01";
const LAST_DAY = "2100-12-31";
const dateRange = { message: `Enter a date between ${FIRST_DAY} and ${LAST_DAY}.` };

/** A calendar day, YYYY-MM-DD. Round-tripped, so 2026-02-30 (which Date would roll into March) is refused. */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date (YYYY-MM-DD)" })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, { message: "is not a real date" })
  .refine((d) => d >= FIRST_DAY && d <= LAST_DAY, dateRange);

/** A point in time, from a Date or an ISO 8601 string. */
export const dateTime = z.coerce
  .date()
  .min(new Date(`${FIRST_DAY}T00:00:00Z`), dateRange)
  .max(new Date(`${LAST_DAY}T23:59:59.999Z`), dateRange);

export const pageInput = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce
    .number()
    .int()
    .refine((n) => [25, 50, 100].includes(n), { message: "must be 25, 50 or 100" })
    .default(25),
};

export const sortDirection = z.enum(["asc", "desc"]).default("asc");
