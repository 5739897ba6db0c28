import type { Db } from "@/db/client";
import { createPartitions, DAY_MS, defaultPartitionSlots, dropPartitionsBefore, type HistoryTable } from "@/db/history";
import { fleetConfig } from "../config";

/** How far ahead partitions exist, so a check-in never waits for the job. */
export const PARTITIONS_AHEAD = 4;

interface HistoryPolicy {
  table: HistoryTable;
  widthMs: number;
  retentionMs: number;
}

const policies = (): HistoryPolicy[] => [
  { table: "checkins", widthMs: fleetConfig.checkinPartitionMs(), retentionMs: fleetConfig.checkinRetentionMs() },
  { table: "checkin_rollups", widthMs: DAY_MS, retentionMs: fleetConfig.rollupRetentionMs() },
];

/**
 * Keeps the check-in history's partitions: creates them PARTITIONS_AHEAD widths ahead of `now`,
 * gives any rows the default partition caught a partition of their own, and drops whole partitions
 * past retention. No row is deleted one by one.
 */
export async function maintainHistory(db: Db, now: Date = new Date(), policyList: HistoryPolicy[] = policies()) {
  const result: Record<string, { created: number; dropped: number }> = {};
  for (const { table, widthMs, retentionMs } of policyList) {
    const created = await createPartitions(db, table, new Date(now.getTime() - widthMs), new Date(now.getTime() + PARTITIONS_AHEAD * widthMs), widthMs);
    // Only the slots that hold rows: one stray far-off row (a skewed clock) must not create the partitions all the way to it.
    for (const slot of await defaultPartitionSlots(db, table, widthMs)) created.push(...(await createPartitions(db, table, slot, new Date(slot.getTime() + widthMs), widthMs)));
    const dropped = await dropPartitionsBefore(db, table, new Date(now.getTime() - retentionMs));
    result[table] = { created: created.length, dropped: dropped.length };
  }
  return result;
}
