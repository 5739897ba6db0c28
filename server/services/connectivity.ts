import { and, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { terminalPresence, terminals, type TerminalConnectivity, type TerminalStatus } from "@/db/schema";
import { fleetConfig, MISSED_CHECKINS_OFFLINE } from "../config";
import { statusesWithDeviceAccess, type ConnectivityFilter } from "../schemas/terminals";
import type { TerminalCount } from "./terminal-counts";
import { notifyTerminalsChanged } from "./fleet-events";
import { literalList } from "./sql-text";

/** The moment before which a terminal's last check-in makes it offline (three missed intervals). */
export function offlineBefore(now: Date, intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): Date {
  return new Date(now.getTime() - MISSED_CHECKINS_OFFLINE * intervalSeconds * 1000);
}

/** Online: in service, and checking in (the heartbeat sets it, the sweep below takes it away). */
export function isOnline(terminal: { status: TerminalStatus; connectivity: TerminalConnectivity }): boolean {
  return statusesWithDeviceAccess.includes(terminal.status) && terminal.connectivity === "online";
}

/**
 * Turns "not seen for three intervals" into offline and "not seen for a day" into offline_day, and
 * back for a terminal whose last check-in says otherwise, with one fleet event for the consoles.
 * Each candidate set is an index range of terminal_presence (its last-seen and offline indexes),
 * so the sweep never reads the fleet. Returns how many terminals changed state.
 */
export async function sweepConnectivity(db: Db, now: Date = new Date(), intervalSeconds = fleetConfig.heartbeatIntervalSeconds()): Promise<{ changed: number }> {
  const offline = offlineBefore(now, intervalSeconds).toISOString();
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const lastSeen = sql`coalesce(${terminals.lastSeenAt}, '-infinity'::timestamptz)`;
  const state = sql`(case when ${lastSeen} >= ${offline}::timestamptz then 'online' when ${lastSeen} >= ${dayAgo}::timestamptz then 'offline' else 'offline_day' end)::terminal_connectivity`;
  const [result] = await queryRows<{ changed: number; merchant_ids: string[] | null }>(
    db,
    sql`with due as (
      select terminal_id as id from ${terminalPresence} where connectivity = 'online' and last_seen_at < ${offline}::timestamptz
      union select terminal_id from ${terminalPresence} where connectivity <> 'online' and connectivity = 'offline' and last_seen_at < ${dayAgo}::timestamptz
      union select terminal_id from ${terminalPresence} where connectivity <> 'online' and last_seen_at >= ${dayAgo}::timestamptz
    ), locked as materialized (
      -- A terminal a heartbeat is writing right now is skipped, not waited for (the next sweep looks
      -- again): the sweep never waits on a heartbeat, so the two cannot deadlock over the rows.
      select id from terminals where id in (select id from due) for update skip locked
    ), changed as (
      update terminals set connectivity = ${state} from locked where terminals.id = locked.id and terminals.connectivity <> ${state} returning terminals.merchant_id
    )
    select count(*)::int as changed, array_agg(distinct merchant_id) filter (where merchant_id is not null) as merchant_ids from changed`,
  );
  const changed = result?.changed ?? 0;
  if (changed > 0) await notifyTerminalsChanged(db, result?.merchant_ids ?? []);
  return { changed };
}

/**
 * The SQL form of the list filters and overview counts. All concern the terminals in service (those
 * allowed to check in), so online and offline add up to that fleet. Constants are inline, so the
 * planner can match the partial indexes of the same predicates.
 */
export function connectivityCondition(filter: ConnectivityFilter): SQL {
  const inService = sql`${terminals.status} in ${literalList(statusesWithDeviceAccess)}`;
  switch (filter) {
    case "online":
      return and(inService, sql`${terminals.connectivity} = 'online'`)!;
    case "offline":
      return and(inService, sql`${terminals.connectivity} <> 'online'`)!;
    case "offline_day":
      return and(inService, sql`${terminals.connectivity} <> 'online'`, sql`${terminals.connectivity} = 'offline_day'`)!;
    case "low_battery":
      return and(inService, sql`${terminals.lowBattery}`)!;
    case "errors":
      return and(inService, sql`${terminals.hasErrors}`)!;
  }
}

/** The same filters over the terminal counts' groups (server/services/terminal-counts.ts). */
export function inConnectivityFilter(group: TerminalCount, filter: ConnectivityFilter): boolean {
  if (!statusesWithDeviceAccess.includes(group.status)) return false;
  switch (filter) {
    case "online":
      return group.connectivity === "online";
    case "offline":
      return group.connectivity !== "online";
    case "offline_day":
      return group.connectivity === "offline_day";
    case "low_battery":
      return group.lowBattery;
    case "errors":
      return group.hasErrors;
  }
}
