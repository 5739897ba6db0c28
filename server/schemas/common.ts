import { z } from "zod";

// Messages in these schemas are reasons: keys of the `errors` messages, worded in the reader's
// language by the tRPC error formatter (server/errors.ts). zod's own issues (too long, not a
// number…) are mapped there too, so a schema names a reason only where it can say more.

/** Ids come from pickers, so a bad one reads "choose one of the options". */
export const uuid = z.uuid();

/**
 * Any text from outside. PostgreSQL refuses NUL in text, so it is refused here, before a query
 * runs: otherwise a CSV download would fail after its first bytes were sent.
 */
export const text = () => z.string().regex(/^[^\0]*$/, { message: "noNulCharacter" });

export const trimmed = (max: number) => text().trim().max(max);
export const requiredText = (max: number) => trimmed(max).min(1);

// Nothing in the fleet is dated outside these years, and years before 100 do not survive the trip:
// date parsers along the way read "0001-06-01" as 2001.
const FIRST_DAY = "2000-01-01";
const LAST_DAY = "2100-12-31";
const dateRange = { message: "dateOutOfRange", params: { first: FIRST_DAY, last: LAST_DAY } };

/** A calendar day, YYYY-MM-DD. Round-tripped, so 2026-02-30 (which Date would roll into March) is refused. */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "enterDate" })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, { message: "notARealDate" })
  .refine((d) => d >= FIRST_DAY && d <= LAST_DAY, dateRange);

/** A point in time, from a Date or an ISO 8601 string. */
export const dateTime = z.coerce.date().refine((d) => d >= new Date(`${FIRST_DAY}T00:00:00Z`) && d <= new Date(`${LAST_DAY}T23:59:59.999Z`), dateRange);

export const pageInput = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce
    .number()
    .int()
    .refine((n) => [25, 50, 100].includes(n), { message: "pageSize" })
    .default(25),
};

export const sortDirection = z.enum(["asc", "desc"]).default("asc");
