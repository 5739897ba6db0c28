import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { FLEET_COUNTS_KEY, type TerminalConnectivity, type TerminalStatus } from "@/db/schema";
import type { Scope } from "../scope";

export interface TerminalCount {
  status: TerminalStatus;
  modelId: string;
  firmwareVersion: string;
  connectivity: TerminalConnectivity;
  lowBattery: boolean;
  hasErrors: boolean;
  n: number;
}

const key = sql.raw("status, model_id, firmware_version, connectivity, low_battery, has_errors");

/**
 * The visible terminals counted by everything the overview shows: the folded counts of the scope
 * (the fleet's own rows for an admin) plus the changes not folded yet, in one snapshot, so the
 * result is exact and reads a few hundred rows whatever the fleet's size.
 */
export async function terminalCounts(db: Db, scope: Scope): Promise<TerminalCount[]> {
  const [counted, changes] =
    scope.kind === "all"
      ? [sql`merchant_id = ${FLEET_COUNTS_KEY}`, sql`true`]
      : scope.merchantIds.length
        ? [
            sql`merchant_id in (${sql.join(
              scope.merchantIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
            sql`merchant_id in (${sql.join(
              scope.merchantIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
          ]
        : [sql`false`, sql`false`];
  return queryRows<TerminalCount>(
    db,
    sql`select status, model_id as "modelId", firmware_version as "firmwareVersion", connectivity, low_battery as "lowBattery", has_errors as "hasErrors", sum(n)::int as n
      from (select ${key}, n from terminal_counts where ${counted} union all select ${key}, n from terminal_count_changes where ${changes}) c
      group by ${key} having sum(n) <> 0`,
  );
}

/**
 * Folds the changes the triggers on terminals appended into the counts, per merchant and for the
 * fleet, in one statement (so readers see either before or after), keys in order so concurrent
 * folds cannot deadlock. Counts that reached zero are removed.
 */
export async function foldTerminalCounts(db: Db): Promise<{ folded: number }> {
  const [result] = await queryRows<{ folded: number }>(
    db,
    sql`with moved as (
      delete from terminal_count_changes returning *
    ), per_merchant as (
      select merchant_id, ${key}, sum(n) as n from moved where merchant_id is not null group by merchant_id, ${key}
      union all
      select ${FLEET_COUNTS_KEY}::uuid, ${key}, sum(n) from moved group by ${key}
    ), folded as (
      insert into terminal_counts (merchant_id, ${key}, n)
      select merchant_id, ${key}, n from per_merchant where n <> 0 order by merchant_id, ${key}
      on conflict (merchant_id, ${key}) do update set n = terminal_counts.n + excluded.n
    )
    select count(*)::int as folded from moved`,
  );
  // Rows a concurrent fold is updating are left to the next fold rather than waited for: deleting in
  // table order while that fold locks in key order could deadlock.
  await db.execute(sql`delete from terminal_counts where n = 0 and (merchant_id, ${key}) in (select merchant_id, ${key} from terminal_counts where n = 0 for update skip locked)`);
  return { folded: result?.folded ?? 0 };
}
