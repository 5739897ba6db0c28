import path from "node:path";
import type { DbHandle } from "./client";

export const migrationsFolder = path.join(/*turbopackIgnore: true*/ process.cwd(), "db/migrations");

// Any constant shared by all instances: it serialises migrations when several start at once.
const MIGRATION_LOCK_KEY = 7_419_001;

export async function migrateDatabase(handle: DbHandle): Promise<void> {
  const { target } = handle;
  if (target.engine !== "postgres") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder });
    return;
  }
  const { Client } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const client = new Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}
