import path from "node:path";
import type { DbHandle } from "./client";

export const migrationsFolder = path.join(/*turbopackIgnore: true*/ process.cwd(), "db/migrations");

// Any constant shared by all instances: it serialises migrations when several start at once.
const MIGRATION_LOCK_KEY = 7_419_001;

const inProcessLocks = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `work` while holding the lock `key` shared by every instance on this database: a
 * PostgreSQL advisory lock on a connection of its own (released when it ends, even if this
 * process dies), or for PGlite, which only this process can open, a queue in this process.
 */
export async function withDatabaseLock<T>(handle: DbHandle, key: number, work: () => Promise<T>): Promise<T> {
  const { target } = handle;
  if (target.engine !== "postgres") {
    const previous = inProcessLocks.get(handle.db) ?? Promise.resolve();
    const result = previous.then(work, work);
    inProcessLocks.set(
      handle.db,
      result.catch(() => undefined),
    );
    return result;
  }
  const { Client } = await import("pg");
  const client = new Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [key]);
    return await work();
  } finally {
    await client.end();
  }
}

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
