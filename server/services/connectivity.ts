import { and, sql, type SQL } from "drizzle-orm";
import { terminals, type TerminalStatus } from "@/db/schema";
import { LOW_BATTERY_PERCENT } from "@/db/schema/values";
import { fleetConfig, MISSED_CHECKINS_OFFLINE } from "../config";
import { statusesWithDeviceAccess, type ConnectivityFilter } from "../schemas/terminals";

/** The moment before which a terminal's last check-in makes it offline (three missed intervals). */
export function offlineBefore(now: Date, intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): Date {
  return new Date(now.getTime() - MISSED_CHECKINS_OFFLINE * intervalSeconds * 1000);
}

/** Online: in service and checked in within the last three intervals. */
export function isOnline(terminal: { status: TerminalStatus; lastSeenAt: Date | null }, now: Date, intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): boolean {
  const { status, lastSeenAt } = terminal;
  return statusesWithDeviceAccess.includes(status) && lastSeenAt !== null && lastSeenAt >= offlineBefore(now, intervalSeconds);
}

/** Last check-in with "never" as the oldest time: the expression terminals_sort_last_seen_idx indexes. */
export const lastSeenOrNever = sql`coalesce(${terminals.lastSeenAt}, '-infinity'::timestamptz)`;

/**
 * The SQL form of the same rules, for list filters and overview counts. All concern the terminals
 * in service (those allowed to check in), so online and offline add up to that fleet. Constants are
 * inline, so the planner can match the partial indexes of the same predicates.
 */
export function connectivityCondition(filter: ConnectivityFilter, now: Date): SQL {
  const inService = sql`${terminals.status} in (${sql.raw(statusesWithDeviceAccess.map((s) => `'${s}'`).join(", "))})`;
  const notSeenSince = (cutoff: Date) => and(inService, sql`${lastSeenOrNever} < ${cutoff.toISOString()}::timestamptz`)!;
  switch (filter) {
    case "online":
      return and(inService, sql`${lastSeenOrNever} >= ${offlineBefore(now).toISOString()}::timestamptz`)!;
    case "offline":
      return notSeenSince(offlineBefore(now));
    case "offline_day":
      return notSeenSince(new Date(now.getTime() - 86_400_000));
    case "low_battery":
      return and(inService, sql`${terminals.batteryPercent} < ${sql.raw(String(LOW_BATTERY_PERCENT))}`)!;
    case "errors":
      return and(inService, sql`${terminals.errorCount} > 0`)!;
  }
}
