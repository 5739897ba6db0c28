import { and, gte, isNotNull, lt, or, isNull, sql, type SQL } from "drizzle-orm";
import { terminals } from "@/db/schema";
import { fleetConfig, LOW_BATTERY_PERCENT, MISSED_CHECKINS_OFFLINE } from "../config";
import type { ConnectivityFilter } from "../schemas/terminals";

/** The moment before which a terminal's last check-in makes it offline (three missed intervals). */
export function offlineBefore(now: Date, intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): Date {
  return new Date(now.getTime() - MISSED_CHECKINS_OFFLINE * intervalSeconds * 1000);
}

export function isOnline(lastSeenAt: Date | null, now: Date, intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): boolean {
  return lastSeenAt !== null && lastSeenAt >= offlineBefore(now, intervalSeconds);
}

/** The SQL form of the same rules, for list filters and overview counts. */
export function connectivityCondition(filter: ConnectivityFilter, now: Date): SQL {
  const cutoff = offlineBefore(now);
  switch (filter) {
    case "online":
      return gte(terminals.lastSeenAt, cutoff);
    case "offline":
      return and(sql`${terminals.status} = 'active'`, or(isNull(terminals.lastSeenAt), lt(terminals.lastSeenAt, cutoff)))!;
    case "offline_day":
      return and(sql`${terminals.status} = 'active'`, or(isNull(terminals.lastSeenAt), lt(terminals.lastSeenAt, new Date(now.getTime() - 86_400_000))))!;
    case "low_battery":
      return and(isNotNull(terminals.batteryPercent), lt(terminals.batteryPercent, LOW_BATTERY_PERCENT))!;
    case "errors":
      return sql`${terminals.errorCount} > 0`;
  }
}
