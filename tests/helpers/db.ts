import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { inject } from "vitest";
import { openDatabase, type Db, type DbHandle } from "@/db/client";
import { migrationsFolder } from "@/db/migrate";
import { merchants, stores, users } from "@/db/schema";
import { createCaller } from "@/server/root";
import { scopeForUser, type Scope } from "@/server/scope";
import type { Viewer } from "@/server/trpc";

/** The seed's clock in tests, so "last seen" and other times are reproducible. */
export const FIXED_NOW = new Date("2026-11-20T08:00:00Z");

export const engine = process.env.TEST_ENGINE === "postgres" ? "postgres" : "pglite";

/** The maintenance database of the server, used to create and drop the test databases. */
export function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

/** A new PostgreSQL database on the test server (a copy of `template` when given) that close() drops. */
async function createPostgresDatabase(prefix: string, poolSize: number, template?: string): Promise<DbHandle> {
  const url = process.env.TEST_DATABASE_URL!;
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const { Client } = await import("pg");
  const admin = new Client({ connectionString: adminUrl(url) });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ""}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const handle = await openDatabase({ engine: "postgres", url: u.toString(), poolSize });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A fresh copy of the migrated, seeded demo database, private to the calling test file. */
export async function createTestDatabase(): Promise<DbHandle> {
  if (engine === "pglite") {
    const snapshot = fs.readFileSync(inject("pgliteSnapshot"));
    return openDatabase({ engine: "pglite-memory", loadDataDir: new Blob([snapshot]) });
  }
  return createPostgresDatabase("posfleet_test", 8, inject("postgresTemplate"));
}

/** An empty database of this engine, for migration tests: PGlite in memory, or a new PostgreSQL database that close() drops. */
export async function createEmptyDatabase(): Promise<DbHandle> {
  if (engine === "pglite") return openDatabase({ engine: "pglite-memory" });
  return createPostgresDatabase("posfleet_empty", 2);
}

/** Applies the migrations up to and including `lastTag` only, from a copy of the folder with a shortened journal. */
export async function migrateUpTo(handle: DbHandle, lastTag: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-migrations-"));
  try {
    fs.cpSync(migrationsFolder, dir, { recursive: true });
    const journalFile = path.join(dir, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
    const last = journal.entries.findIndex((e) => e.tag === lastTag);
    if (last < 0) throw new Error(`No migration is tagged ${lastTag}.`);
    journal.entries = journal.entries.slice(0, last + 1);
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    const { migrate } = handle.engine === "pglite" ? await import("drizzle-orm/pglite/migrator") : await import("drizzle-orm/node-postgres/migrator");
    await migrate(handle.db as never, { migrationsFolder: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const demoEmails = {
  admin: "admin@demo.posfleet.dev",
  technician: "tech@demo.posfleet.dev",
  merchant: "owner@demo.posfleet.dev",
  otherMerchant: "owner2@demo.posfleet.dev",
} as const;

export async function viewerByEmail(db: Db, email: string): Promise<Viewer> {
  const [user] = await db.select().from(users).where(eq(users.email, email));
  if (!user) throw new Error(`no user ${email}`);
  return { id: user.id, name: user.name, email: user.email, role: user.role, merchantId: user.merchantId, twoFactorEnabled: user.twoFactorEnabled, sessionId: null };
}

export function callerFor(db: Db, viewer: Viewer | null) {
  return createCaller({ db, viewer, ip: "192.0.2.10" });
}

export type DemoPerson = keyof typeof demoEmails;

/** Each demo login as its viewer, its scope and a caller of the procedures, for tests that act as every role. */
export async function demoPeople(db: Db) {
  const people = {} as Record<DemoPerson, { viewer: Viewer; scope: Scope; caller: ReturnType<typeof callerFor> }>;
  for (const person of Object.keys(demoEmails) as DemoPerson[]) {
    const viewer = await viewerByEmail(db, demoEmails[person]);
    people[person] = { viewer, scope: await scopeForUser(db, viewer), caller: callerFor(db, viewer) };
  }
  return people;
}

export async function demoCallers(db: Db) {
  return {
    anonymous: callerFor(db, null),
    admin: callerFor(db, await viewerByEmail(db, demoEmails.admin)),
    technician: callerFor(db, await viewerByEmail(db, demoEmails.technician)),
    merchant: callerFor(db, await viewerByEmail(db, demoEmails.merchant)),
    otherMerchant: callerFor(db, await viewerByEmail(db, demoEmails.otherMerchant)),
  };
}

/** A demo merchant by its name; a test that names one that does not exist fails here. */
export async function merchantNamed(db: Db, name: string) {
  const [row] = await db.select().from(merchants).where(eq(merchants.name, name));
  if (!row) throw new Error(`no merchant ${name}`);
  return row;
}

/** A demo store by its name. */
export async function storeNamed(db: Db, name: string) {
  const [row] = await db.select().from(stores).where(eq(stores.name, name));
  if (!row) throw new Error(`no store ${name}`);
  return row;
}
