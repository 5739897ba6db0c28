import { and, desc, eq, gte, lt, lte, notInArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { checkinRollups, checkins, dailyActivity, fleetDailyActivity, terminals } from "@/db/schema";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { notFound } from "../errors";
import { historySince, inScope, type Scope } from "../scope";
import { addDays, localDay } from "./calendar-day";

/**
 * A terminal's last seven days in hourly buckets, for its charts (from the rollups), and its latest
 * check-ins (raw), as far back as the caller's view of its history goes.
 */
export async function terminalActivity(db: Db, scope: Scope, serialNumber: string, now: Date = new Date()) {
  const [terminal] = await db
    .select({ id: terminals.id, merchantSince: terminals.merchantSince })
    .from(terminals)
    .where(and(eq(terminals.serialNumber, serialNumber.toUpperCase()), inScope(terminals.merchantId, scope)));
  if (!terminal) throw notFound("terminal");
  const tenure = historySince(scope, terminal);
  const weekAgo = new Date(Math.floor((now.getTime() - 7 * 86_400_000) / 3_600_000) * 3_600_000);
  const since = tenure && tenure > weekAgo ? tenure : weekAgo;
  // A rollup period starts at the hour or, in the hour the merchant got the terminal, at that moment
  // (see checkinRollups): filtering on the start keeps exactly the viewer's share, and the chart
  // puts the parts of a split hour back together.
  const hour = sql<Date>`date_trunc('hour', ${checkinRollups.periodStart}, 'UTC')`;
  const [hourly, recent] = await Promise.all([
    db
      .select({
        hour,
        battery: sql<number | null>`round(sum(${checkinRollups.batterySum})::numeric / nullif(sum(${checkinRollups.batteryReadings}), 0))::int`,
        batteryMin: sql<number | null>`min(${checkinRollups.batteryMin})::int`,
        signal: sql<number | null>`round(sum(${checkinRollups.signalSum})::numeric / nullif(sum(${checkinRollups.signalReadings}), 0))::int`,
        errors: sql<number>`sum(${checkinRollups.errors})::int`,
        transactions: sql<number>`sum(${checkinRollups.transactions})::int`,
        checkins: sql<number>`sum(${checkinRollups.checkins})::int`,
      })
      .from(checkinRollups)
      .where(and(eq(checkinRollups.terminalId, terminal.id), gte(checkinRollups.periodStart, since)))
      .groupBy(hour)
      .orderBy(hour),
    db
      .select()
      .from(checkins)
      .where(and(eq(checkins.terminalId, terminal.id), tenure ? gte(checkins.at, tenure) : undefined))
      .orderBy(desc(checkins.at))
      .limit(20),
  ]);
  return { hourly: hourly.map((h) => ({ ...h, hour: new Date(h.hour) })), recent };
}

/** The overview's chart: this many days, today included. */
export const ACTIVITY_DAYS = 14;

/** The fleet day a moment falls on: days are counted in the fleet's time zone, as the heartbeat stores them. */
const fleetDay = (at: Date) => localDay(at, DEFAULT_TIME_ZONE);

/**
 * Transactions and check-ins per fleet day over the last two weeks, one entry per day, today last
 * (a day without activity is a zero, not a gap). The whole fleet's finished days come from
 * fleet_daily_activity (two weeks of every merchant's rows are 140,000 rows at a million
 * terminals); today, and a day not summed yet, are summed live.
 */
export async function transactionsPerDay(db: Db, scope: Scope, now: Date = new Date()) {
  const today = fleetDay(now);
  const since = addDays(today, 1 - ACTIVITY_DAYS);
  const perMerchantDay = (days: SQL | undefined) =>
    db
      .select({ day: dailyActivity.day, transactions: sql<number>`sum(${dailyActivity.transactions})::int`, checkins: sql<number>`sum(${dailyActivity.checkins})::int` })
      .from(dailyActivity)
      .where(and(inScope(dailyActivity.merchantId, scope), gte(dailyActivity.day, since), lte(dailyActivity.day, today), days))
      .groupBy(dailyActivity.day);
  let rows: { day: string; transactions: number; checkins: number }[];
  if (scope.kind !== "all") rows = await perMerchantDay(undefined);
  else {
    const summed = await db
      .select({ day: fleetDailyActivity.day, transactions: sql<number>`${fleetDailyActivity.transactions}::int`, checkins: sql<number>`${fleetDailyActivity.checkins}::int` })
      .from(fleetDailyActivity)
      .where(and(gte(fleetDailyActivity.day, since), lt(fleetDailyActivity.day, today)));
    const live = await perMerchantDay(
      summed.length
        ? notInArray(
            dailyActivity.day,
            summed.map((d) => d.day),
          )
        : undefined,
    );
    rows = [...summed, ...live];
  }
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: ACTIVITY_DAYS }, (_, i) => {
    const day = addDays(since, i);
    return byDay.get(day) ?? { day, transactions: 0, checkins: 0 };
  });
}

/** A day is final this long after it ends: check-ins stamped before midnight have been written by then. */
const DAY_SETTLES_MS = 10 * 60_000;

/** Sums the fleet's finished days of the last two weeks that are not summed yet (a job). */
export async function sumFinishedDays(db: Db, now: Date = new Date()): Promise<{ summed: number }> {
  const since = addDays(fleetDay(now), 1 - ACTIVITY_DAYS);
  const lastFinished = addDays(fleetDay(new Date(now.getTime() - DAY_SETTLES_MS)), -1);
  const rows = await db.execute(sql`
    insert into ${fleetDailyActivity} (day, transactions, checkins)
    select day, sum(transactions), sum(checkins) from ${dailyActivity}
    where day >= ${since} and day <= ${lastFinished} and day not in (select day from ${fleetDailyActivity} where day >= ${since})
    group by day
    on conflict (day) do nothing
    returning day`);
  return { summed: (rows as unknown as { rows: unknown[] }).rows.length };
}
