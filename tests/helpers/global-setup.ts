import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { bytesStorer } from "@/server/storage";
import { filesystemStorage } from "@/server/storage/filesystem-storage";
import { adminUrl, FIXED_NOW } from "./db";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplate: string;
  }
}

/**
 * Migrates and seeds one database per run; every test file then starts from a copy of it
 * (a PGlite data-dir snapshot, or a PostgreSQL template database).
 */
export default async function setup(project: TestProject) {
  if (project.config.env.TEST_ENGINE === "postgres") {
    const url = process.env.TEST_DATABASE_URL!;
    const template = `posfleet_template_${process.pid}`;
    const { Client } = await import("pg");
    const admin = new Client({ connectionString: adminUrl(url) });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const handle = await openDatabase({ engine: "postgres", url: withDatabase(url, template), poolSize: 2 });
    await migrateDatabase(handle);
    await seedDemo(handle.db, FIXED_NOW, bytesStorer(filesystemStorage(String(project.config.env.FIRMWARE_STORAGE_DIR))));
    await handle.close();
    project.provide("postgresTemplate", template);
    project.provide("pgliteSnapshot", "");
    return async () => {
      await admin.query(`drop database if exists ${template} with (force)`);
      await admin.end();
    };
  }
  const handle = await openDatabase({ engine: "pglite-memory" });
  await migrateDatabase(handle);
  await seedDemo(handle.db, FIXED_NOW, bytesStorer(filesystemStorage(String(project.config.env.FIRMWARE_STORAGE_DIR))));
  const client = (handle.db as unknown as { $client: PGlite }).$client;
  const snapshot = await client.dumpDataDir("none");
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-")), "snapshot.tar");
  fs.writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  await handle.close();
  project.provide("pgliteSnapshot", file);
  project.provide("postgresTemplate", "");
  return () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
