import { setting } from "./env";

/** Fleet settings from the environment, read when first needed. */
export const fleetConfig = {
  /** How often terminals check in; a terminal is offline after three missed check-ins. */
  heartbeatIntervalSeconds: () => setting("HEARTBEAT_INTERVAL_SECONDS"),
  /** Device API requests allowed per token per minute. */
  deviceRequestsPerMinute: () => setting("DEVICE_RATE_LIMIT_PER_MINUTE"),
  /** Days of check-in history kept; older rows are pruned by a background job. */
  checkinRetentionDays: () => setting("CHECKIN_RETENTION_DAYS"),
};

export const MISSED_CHECKINS_OFFLINE = 3;
