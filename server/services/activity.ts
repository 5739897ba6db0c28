import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { checkins, dailyActivity, terminals } from "@/db/schema";
import { notFound } from "../errors";
import { historySince, inScope, type Scope } from "../scope";

/**
 * A terminal's last seven days in hourly buckets, for its charts, and its latest check-ins, as far
 * back as the caller's view of its history goes.
 */
export async function terminalActivity(db: Db, scope: Scope, serialNumber: string, now: Date = new Date()) {
  const [terminal] = await db
    .select({ id: terminals.id, merchantSince: terminals.merchantSince })
    .from(terminals)
    .where(and(eq(terminals.serialNumber, serialNumber.toUpperCase()), inScope(terminals.merchantId, scope)));
  if (!terminal) throw notFound("Terminal");
  const tenure = historySince(scope, terminal);
  const since = new Date(Math.max(now.getTime() - 7 * 86_400_000, tenure?.getTime() ?? 0));
  const hour = sql<Date>`date_trunc('hour', ${checkins.at})`;
  const [hourly, recent] = await Promise.all([
    db
      .select({
        hour,
        battery: sql<number | null>`round(avg(${checkins.batteryPercent}))::int`,
        signal: sql<number | null>`round(avg(${checkins.signalDbm}))::int`,
        errors: sql<number>`sum(${checkins.errorCount})::int`,
        transactions: sql<number>`sum(${checkins.transactions})::int`,
      })
      .from(checkins)
      .where(and(eq(checkins.terminalId, terminal.id), gte(checkins.at, since)))
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

/** Transactions and check-ins per day (UTC) over the last two weeks, for the overview. */
export async function transactionsPerDay(db: Db, scope: Scope, now: Date = new Date()) {
  const since = new Date(now.getTime() - 13 * 86_400_000).toISOString().slice(0, 10);
  return db
    .select({ day: dailyActivity.day, transactions: sql<number>`sum(${dailyActivity.transactions})::int`, checkins: sql<number>`sum(${dailyActivity.checkins})::int` })
    .from(dailyActivity)
    .where(and(inScope(dailyActivity.merchantId, scope), gte(dailyActivity.day, since)))
    .groupBy(dailyActivity.day)
    .orderBy(dailyActivity.day);
}
