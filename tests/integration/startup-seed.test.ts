import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows, type Db, type DbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { seedDemoIfEmpty } from "@/db/seed";
import { adminUrl, createTestDatabase, engine, FIXED_NOW } from "../helpers/db";

const opened: DbHandle[] = [];
afterAll(async () => {
  for (const handle of opened) await handle.close();
});

const demoCounts = async (db: Db) =>
  (
    await queryRows<{ users: number; models: number; terminals: number }>(
      db,
      sql`select (select count(*)::int from users) as users, (select count(*)::int from terminal_models) as models, (select count(*)::int from terminals) as terminals`,
    )
  )[0]!;

/** The counts of a database seeded once: the test databases' template. */
async function seededOnce() {
  const reference = await createTestDatabase();
  try {
    return await demoCounts(reference.db);
  } finally {
    await reference.close();
  }
}

/** What an instance does at start (server/db.ts): migrate, then seed the demo data if the database is empty. */
async function startInstance(handle: DbHandle): Promise<boolean> {
  await migrateDatabase(handle);
  return seedDemoIfEmpty(handle, FIXED_NOW);
}

describe("instances starting together on an empty database", () => {
  it.runIf(engine === "postgres")("seed the demo data once, and both start", async () => {
    const { Client } = await import("pg");
    const admin = new Client({ connectionString: adminUrl(process.env.TEST_DATABASE_URL!) });
    await admin.connect();
    const name = `posfleet_test_empty_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`create database ${name}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    try {
      // Two instances: separate pools, as two processes would have.
      const [one, two] = await Promise.all([openDatabase({ engine: "postgres", url: url.toString(), poolSize: 4 }), openDatabase({ engine: "postgres", url: url.toString(), poolSize: 4 })]);
      opened.push(one, two);
      const seeded = await Promise.all([startInstance(one), startInstance(two)]);
      expect(seeded.sort()).toEqual([false, true]);
      const counts = await demoCounts(one.db);
      expect(counts).toEqual(await seededOnce());
      // A third start finds the data and leaves it alone.
      expect(await startInstance(two)).toBe(false);
      expect(await demoCounts(two.db)).toEqual(counts);
    } finally {
      await Promise.all(opened.splice(0).map((handle) => handle.close()));
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  // PGlite is opened by one process only, so the lock is a queue in that process: two seeds of one migrated database overlap.
  it.runIf(engine === "pglite")("seed the demo data once when two seeds overlap in one process", async () => {
    const handle = await openDatabase({ engine: "pglite-memory" });
    opened.push(handle);
    await migrateDatabase(handle);
    const seeded = await Promise.all([seedDemoIfEmpty(handle, FIXED_NOW), seedDemoIfEmpty(handle, FIXED_NOW)]);
    expect(seeded.sort()).toEqual([false, true]);
    expect(await demoCounts(handle.db)).toEqual(await seededOnce());
  });
});
