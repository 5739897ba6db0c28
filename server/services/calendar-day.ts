/** The calendar date ("YYYY-MM-DD") at `at` in a time zone: "today" for a fleet in Shanghai is not UTC's. */
export function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}
