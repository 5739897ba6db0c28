import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { localDay } from "@/server/services/calendar-day";

/** Today's date in the fleet's time zone, the day the server counts due dates by. */
export const fleetToday = () => localDay(new Date(), DEFAULT_TIME_ZONE);

/** Minutes the fleet's time zone is ahead of UTC at a moment. */
function fleetOffsetMinutes(at: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: DEFAULT_TIME_ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * A moment as a datetime-local input's "YYYY-MM-DDTHH:mm" in the fleet's time zone, the zone the
 * console shows times in, so what an admin types is what they read back.
 */
export function toFleetInput(date: Date | null): string {
  return date ? new Date(date.getTime() + fleetOffsetMinutes(date) * 60_000).toISOString().slice(0, 16) : "";
}

/** A datetime-local input's value, read in the fleet's time zone. */
export function fromFleetInput(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return null;
  const asUtc = new Date(`${text}:00Z`);
  if (Number.isNaN(asUtc.getTime())) return null;
  return new Date(asUtc.getTime() - fleetOffsetMinutes(asUtc) * 60_000);
}
