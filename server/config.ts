import { setting } from "./env";

/** Fleet settings from the environment, read when first needed. */
export const fleetConfig = {
  /** How often terminals check in; a terminal is offline after three missed check-ins. */
  heartbeatIntervalSeconds: () => setting("HEARTBEAT_INTERVAL_SECONDS"),
  /** Device API requests allowed per token per minute. */
  deviceRequestsPerMinute: () => setting("DEVICE_RATE_LIMIT_PER_MINUTE"),
  /** Raw check-ins are kept this long, in partitions this wide; whole partitions past it are dropped. */
  checkinRetentionMs: () => setting("CHECKIN_RETENTION_HOURS") * 3_600_000,
  checkinPartitionMs: () => setting("CHECKIN_PARTITION_MINUTES") * 60_000,
  /** Hourly rollups are kept this long, in daily partitions. */
  rollupRetentionMs: () => setting("ROLLUP_RETENTION_DAYS") * 86_400_000,
};

export const MISSED_CHECKINS_OFFLINE = 3;
