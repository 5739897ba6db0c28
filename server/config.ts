/** Fleet settings from the environment, read when first needed. */
export const fleetConfig = {
  /** How often terminals check in; a terminal is offline after three missed check-ins. */
  heartbeatIntervalSeconds: () => Number(process.env.HEARTBEAT_INTERVAL_SECONDS ?? 300),
  /** Device API requests allowed per token per minute. */
  deviceRequestsPerMinute: () => Number(process.env.DEVICE_RATE_LIMIT_PER_MINUTE ?? 60),
  /** Days of check-in history kept; older rows are pruned by a background job. */
  checkinRetentionDays: () => Number(process.env.CHECKIN_RETENTION_DAYS ?? 30),
};

export const MISSED_CHECKINS_OFFLINE = 3;
