import { and, eq, like } from "drizzle-orm";
import { openDatabase, targetFromEnv, type Db, type DbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { DEMO_EMAIL_DOMAIN, seedDemoIfEmpty } from "@/db/seed";
import { bytesStorer } from "./storage";
import { sessions, users } from "@/db/schema";
import { demoEnabled, isProductionMode, parseEnv } from "./env";
import { logger } from "./logger";
import { evaluateAlerts } from "./services/alerts";
import { onShutdown } from "./shutdown";

const holder = globalThis as unknown as { posFleetDatabase?: Promise<DbHandle> };

/**
 * Opened on first use, never at import time: `next build` imports route modules, and a second
 * process opening the PGlite folder would corrupt it.
 */
export function getDatabase(): Promise<DbHandle> {
  holder.posFleetDatabase ??= prepare().catch((error: unknown) => {
    holder.posFleetDatabase = undefined;
    throw error;
  });
  return holder.posFleetDatabase;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

async function prepare(): Promise<DbHandle> {
  const handle = await openDatabase(targetFromEnv(parseEnv()), (message, error) => logger.warn({ err: error }, message));
  await migrateDatabase(handle);
  // The demo's alert rules raise their alerts at once, so the inbox is not empty on first start.
  if (demoEnabled() && (await seedDemoIfEmpty(handle, new Date(), bytesStorer()))) {
    await evaluateAlerts(handle.db).catch((error: unknown) => logger.warn({ err: error }, "the demo's first alert evaluation failed; the job runs it again"));
  }
  if (isProductionMode()) await disableDemoLogins(handle.db);
  // Registered before anything that uses the database, so it closes after all of them.
  onShutdown("database", () => handle.close());
  return handle;
}

/** Production never accepts the published demo passwords, even on a database seeded earlier. */
export async function disableDemoLogins(db: Db): Promise<void> {
  const demoUsers = like(users.email, `%@${DEMO_EMAIL_DOMAIN}`);
  await db.transaction(async (tx) => {
    const disabled = await tx
      .update(users)
      .set({ disabled: true })
      .where(and(demoUsers, eq(users.disabled, false)))
      .returning({ id: users.id });
    for (const { id } of disabled) await tx.delete(sessions).where(eq(sessions.userId, id));
  });
}
