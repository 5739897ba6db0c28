import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "./client";

export const DAY_MS = 86_400_000;

/** The time-partitioned history tables (migration 0019) and their partition keys. */
export const historyTables = { checkins: "at", checkin_rollups: "period_start" } as const;
export type HistoryTable = keyof typeof historyTables;

export interface Partition {
  name: string;
  from: Date;
  to: Date;
}

/** The partitions of a history table with their ranges, oldest first; the default partition is not listed. */
export async function listPartitions(db: Db, table: HistoryTable): Promise<Partition[]> {
  const rows = await queryRows<{ name: string; from: Date | string; to: Date | string }>(
    db,
    sql`select c.relname as name, b[1]::timestamptz as "from", b[2]::timestamptz as "to"
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      cross join lateral regexp_match(pg_get_expr(c.relpartbound, c.oid), ${"FROM \\('([^']+)'\\) TO \\('([^']+)'\\)"}) b
      where i.inhparent = ${table}::regclass and b is not null order by 2`,
  );
  return rows.map((r) => ({ name: r.name, from: new Date(r.from), to: new Date(r.to) }));
}

/** A partition's name: the table and its start in UTC, e.g. checkins_20261120t0800. */
export function partitionName(table: HistoryTable, from: Date): string {
  const iso = from.toISOString();
  return `${table}_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}t${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/** The parts of [from, to) that no partition covers yet. */
function uncovered(from: number, to: number, partitions: Partition[]): [number, number][] {
  const gaps: [number, number][] = [];
  let start = from;
  for (const p of partitions) {
    if (p.to.getTime() <= start || p.from.getTime() >= to) continue;
    if (p.from.getTime() > start) gaps.push([start, p.from.getTime()]);
    start = Math.max(start, p.to.getTime());
  }
  if (start < to) gaps.push([start, to]);
  return gaps;
}

/**
 * Creates the partitions of `table` that cover [from, to), `widthMs` wide and aligned to it (from
 * the Unix epoch, so days start at 00:00 UTC), around any partitions already there. Rows the
 * default partition caught in a new partition's range move into it. Each partition is created on
 * its own and attached, which does not block the writers. Returns the names created.
 */
export async function createPartitions(db: Db, table: HistoryTable, from: Date, to: Date, widthMs: number): Promise<string[]> {
  const column = sql.identifier(historyTables[table]);
  const parent = sql.identifier(table);
  const fallback = sql.identifier(`${table}_default`);
  const existing = await listPartitions(db, table);
  const created: string[] = [];
  const first = Math.floor(from.getTime() / widthMs) * widthMs;
  for (let slot = first; slot < to.getTime(); slot += widthMs) {
    for (const [start, end] of uncovered(slot, slot + widthMs, existing)) {
      const name = partitionName(table, new Date(start));
      const [a, b] = [new Date(start).toISOString(), new Date(end).toISOString()];
      const inRange = sql`${column} >= ${a}::timestamptz and ${column} < ${b}::timestamptz`;
      await db.transaction(async (tx) => {
        // The lock the attach takes anyway, taken first: a row the default partition caught in this
        // range between the move and the attach would make the attach fail, run after run.
        await tx.execute(sql`lock table ${fallback} in access exclusive mode`);
        await tx.execute(sql`create table ${sql.identifier(name)} (like ${parent} including defaults including constraints)`);
        await tx.execute(sql`with moved as (delete from ${fallback} where ${inRange} returning *) insert into ${sql.identifier(name)} select * from moved`);
        await tx.execute(sql`alter table ${parent} attach partition ${sql.identifier(name)} for values from (${sql.raw(`'${a}'`)}) to (${sql.raw(`'${b}'`)})`);
      });
      existing.push({ name, from: new Date(start), to: new Date(end) });
      existing.sort((x, y) => x.from.getTime() - y.from.getTime());
      created.push(name);
    }
  }
  return created;
}

/** The starts of the `widthMs` slots the default partition caught rows in: the partitions for them are missing. */
export async function defaultPartitionSlots(db: Db, table: HistoryTable, widthMs: number): Promise<Date[]> {
  const column = sql.identifier(historyTables[table]);
  const rows = await queryRows<{ slot: number | string }>(
    db,
    sql`select distinct floor(extract(epoch from ${column}) * 1000 / ${widthMs}) * ${widthMs} as slot from ${sql.identifier(`${table}_default`)}`,
  );
  return rows.map((r) => new Date(Number(r.slot)));
}

/** Drops the partitions that end at or before `cutoff`, whole: no row is deleted one by one. Returns their names. */
export async function dropPartitionsBefore(db: Db, table: HistoryTable, cutoff: Date): Promise<string[]> {
  const expired = (await listPartitions(db, table)).filter((p) => p.to.getTime() <= cutoff.getTime());
  for (const p of expired) await db.execute(sql`drop table ${sql.identifier(p.name)}`);
  return expired.map((p) => p.name);
}

/**
 * The rollup period a check-in at `at` belongs to: its hour (UTC), or the moment the terminal's
 * current merchant got it when that fell inside the hour, so that hour is split between owners.
 */
export function rollupPeriodStart(at: SQL, merchantSince: SQL): SQL {
  return sql`case when date_trunc('hour', ${at}, 'UTC') < ${merchantSince} and ${at} >= ${merchantSince} then ${merchantSince} else date_trunc('hour', ${at}, 'UTC') end`;
}

/**
 * Rollups recomputed from the raw check-ins at or after `since`, for history written without the
 * heartbeat writer (the demo seed and the benchmarks). Replaces the periods it covers.
 */
export async function rollUpCheckins(db: Db, since: Date): Promise<void> {
  await db.execute(sql`
    insert into checkin_rollups (terminal_id, period_start, transactions, errors, battery_sum, signal_sum, network, checkins, battery_readings, battery_min, signal_readings, firmware_version)
    select c.terminal_id, ${rollupPeriodStart(sql`c.at`, sql`t.merchant_since`)}, sum(c.transactions), coalesce(sum(jsonb_array_length(c.errors)), 0),
      coalesce(sum(c.battery_percent), 0), coalesce(sum(c.signal_dbm), 0), (array_agg(c.network order by c.at desc) filter (where c.network is not null))[1],
      count(*), count(c.battery_percent), min(c.battery_percent), count(c.signal_dbm), (array_agg(c.firmware_version order by c.at desc))[1]
    from checkins c join terminals t on t.id = c.terminal_id
    where c.at >= ${since.toISOString()}::timestamptz
    group by 1, 2
    on conflict (terminal_id, period_start) do update set
      transactions = excluded.transactions, errors = excluded.errors, battery_sum = excluded.battery_sum, signal_sum = excluded.signal_sum,
      network = excluded.network, checkins = excluded.checkins, battery_readings = excluded.battery_readings, battery_min = excluded.battery_min,
      signal_readings = excluded.signal_readings, firmware_version = excluded.firmware_version`);
}
