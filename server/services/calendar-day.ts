/** The calendar date ("YYYY-MM-DD") at `at` in a time zone: "today" for a fleet in Shanghai is not UTC's. */
export function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

// Calendar dates are "YYYY-MM-DD" strings; arithmetic runs at UTC midnight so no time zone shifts them.
export const MS_PER_DAY = 86_400_000;
export const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
export const toDay = (date: Date) => date.toISOString().slice(0, 10);

export function addDays(day: string, days: number): string {
  return toDay(new Date(toDate(day).getTime() + days * MS_PER_DAY));
}

/** Adds whole months, keeping the day of the month where it exists (31 January + 1 month = 28 or 29 February). */
export function addMonths(day: string, months: number): string {
  const d = toDate(day);
  // setUTCFullYear rather than Date.UTC, which would read years 0–99 as 1900–1999.
  const target = new Date(0);
  target.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  const lastDay = new Date(target.getTime());
  lastDay.setUTCMonth(lastDay.getUTCMonth() + 1, 0);
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay.getUTCDate()));
  return toDay(target);
}
