import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { fleetConfig } from "../config";

/**
 * Deletes check-ins older than the retention period, a chunk per statement so a large backlog
 * never holds one long transaction; the BRIN index on `at` finds the old rows cheaply.
 */
export async function pruneCheckins(db: Db, now: Date = new Date(), { retentionDays = fleetConfig.checkinRetentionDays(), chunkSize = 20_000 } = {}): Promise<{ deleted: number; before: string }> {
  const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  let deleted = 0;
  for (;;) {
    const rows = await queryRows<{ n: number }>(
      db,
      sql`with gone as (
        delete from checkins where id in (select id from checkins where at < ${before}::timestamptz limit ${chunkSize}) returning 1
      ) select count(*)::int as n from gone`,
    );
    const n = rows[0]?.n ?? 0;
    deleted += n;
    if (n < chunkSize) return { deleted, before };
  }
}
