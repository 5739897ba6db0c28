/**
 * Runs once when the server starts (never during `next build`): checks the configuration, opens,
 * migrates and seeds the database and starts the background jobs, so a bad setup stops the start
 * with a clear message and the first request does not wait for the migrations.
 */
export async function register() {
  // Next's own flag, not a setting: the edge runtime must not load the server's modules at all.
  // eslint-disable-next-line no-restricted-properties
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { authRequireMfa, authSecret, authTrustedOrigins, objectStorageSettings, parseEnvOrExit } = await import("./server/env");
  // Every variable by its own rule first, each bad one named.
  parseEnvOrExit();
  const { getDatabase } = await import("./server/db");
  const { startJobRunner } = await import("./server/jobs");
  const { flushLogs, logger } = await import("./server/logger");
  const { smsProviderFromEnv } = await import("./server/sms/providers");
  try {
    // Then the rules between settings: production's secret and URL, the SMS provider's settings.
    authSecret();
    authTrustedOrigins();
    authRequireMfa();
    logger.info(`POS Fleet: SMS provider ${smsProviderFromEnv().name}.`);
    logger.info(`POS Fleet: object storage ${objectStorageSettings().storage}.`);
    const { engine, db } = await getDatabase();
    logger.info(`POS Fleet: database ready (${engine}).`);
    startJobRunner(db);
  } catch (error) {
    logger.fatal({ err: error }, `POS Fleet cannot start: ${error instanceof Error ? error.message : String(error)}`);
    flushLogs();
    process.exit(1);
  }
}
