// The rules of staff training as plain functions and one SQL expression, shared by the service,
// the evidence report and the tests. Dates are "YYYY-MM-DD" days in the fleet's time zone.
import { sql, type SQL } from "drizzle-orm";
import { addDays, addMonths } from "./calendar-day";

/** Records expiring within this many days are listed for renewal. */
export const EXPIRING_SOON_DAYS = 30;

/** A pass is valid for the course's months from the session day; it expires on that day. */
export function trainingExpiry(trainedOn: string, validityMonths: number): string {
  return addMonths(trainedOn, validityMonths);
}

/**
 * How a pass that expires on `expiresOn` stands `today`: missing (no pass), expired (on or after
 * its expiry day), expiring (within EXPIRING_SOON_DAYS), or current. The single implementation of
 * "is this training current", used by every list, the compliance shares and the evidence report.
 */
export function expiryStateSql(expiresOn: SQL, today: string): SQL<"missing" | "expired" | "expiring" | "current"> {
  return sql`case when ${expiresOn} is null then 'missing' when ${expiresOn} <= ${today}::date then 'expired' when ${expiresOn} <= ${addDays(today, EXPIRING_SOON_DAYS)}::date then 'expiring' else 'current' end`;
}
