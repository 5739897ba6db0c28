/**
 * Runs once when the server starts (never during `next build`): checks the configuration, opens,
 * migrates and seeds the database and starts the background jobs, so a bad setup stops the start
 * with a clear message and the first request does not wait for the migrations.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { authRequireMfa, authSecret, authTrustedOrigins, ConfigError, sessionIdleMinutes, sessionMaxHours } = await import("./server/env");
  const { getDatabase } = await import("./server/db");
  const { startJobRunner } = await import("./server/jobs");
  const { smsProviderFromEnv } = await import("./server/sms/providers");
  try {
    authSecret();
    authTrustedOrigins();
    authRequireMfa();
    sessionIdleMinutes();
    sessionMaxHours();
    console.log(`POS Fleet: SMS provider ${smsProviderFromEnv().name}.`);
    const { engine, db } = await getDatabase();
    console.log(`POS Fleet: database ready (${engine}).`);
    startJobRunner(db);
  } catch (error) {
    console.error(`\nPOS Fleet cannot start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
