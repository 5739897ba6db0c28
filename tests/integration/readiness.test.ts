import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { readiness } from "@/server/health";
import { createTestDatabase, engine } from "../helpers/db";

let handle: DbHandle;
const database = async () => handle;
const now = new Date("2026-11-20T08:00:00Z");
const secondsBefore = (n: number) => new Date(now.getTime() - n * 1000).toISOString();

beforeAll(async () => {
  handle = await createTestDatabase();
  await handle.db.execute(sql`delete from scheduled_jobs`);
});
afterAll(async () => handle?.close());

describe("the readiness probe", () => {
  it("is ready with the database up, migrated, listening and no job overdue", async () => {
    expect(await readiness(database, now)).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", liveUpdates: "ok", jobs: "ok" } });
  });

  it("names a job no instance has run for more than three of its periods, unless one holds it now", async () => {
    await handle.db.execute(
      sql`insert into scheduled_jobs (name, next_run_at) values ('deliver-sms', ${secondsBefore(29)}::timestamptz), ('prune-sign-in-failures', ${secondsBefore(3 * 3600 + 1)}::timestamptz)`,
    );
    expect(await readiness(database, now)).toMatchObject({ status: "not_ready", failing: ["jobs"], checks: { database: "ok", jobs: "overdue: prune-sign-in-failures" } });
    await handle.db.execute(sql`update scheduled_jobs set locked_until = ${new Date(now.getTime() + 20_000).toISOString()}::timestamptz where name = 'prune-sign-in-failures'`);
    expect((await readiness(database, now)).status).toBe("ready");
    await handle.db.execute(sql`update scheduled_jobs set next_run_at = ${secondsBefore(31)}::timestamptz where name = 'deliver-sms'`);
    expect(await readiness(database, now)).toMatchObject({ status: "not_ready", failing: ["jobs"], checks: { jobs: "overdue: deliver-sms" } });
    await handle.db.execute(sql`delete from scheduled_jobs`);
  });

  it("names migrations this build has that the database lacks", async () => {
    const [last] = await queryRows<{ id: number; hash: string; created_at: string }>(handle.db, sql`select id, hash, created_at from drizzle.__drizzle_migrations order by id desc limit 1`);
    await handle.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${last!.id}`);
    try {
      const result = await readiness(database, now);
      expect(result).toMatchObject({ status: "not_ready", failing: ["migrations"] });
      expect(result.status === "not_ready" && result.checks.migrations).toMatch(/^\d+ of \d+ applied$/);
    } finally {
      await handle.db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${last!.id}, ${last!.hash}, ${last!.created_at})`);
    }
    expect((await readiness(database, now)).status).toBe("ready");
  });

  it("fails every check, saying nothing of the database's address, when the database cannot be reached", async () => {
    const unreachable = async (): Promise<DbHandle> => {
      throw Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" });
    };
    const result = await readiness(unreachable, now);
    expect(result).toMatchObject({ status: "not_ready", failing: ["database", "migrations", "liveUpdates", "jobs"] });
    expect(JSON.stringify(result)).not.toContain("10.0.0.7");
  });

  it.runIf(engine === "postgres")("names the LISTEN connection while it is down, and is ready again once it is back", async () => {
    expect((await readiness(database, now)).status).toBe("ready");
    const { Client } = await import("pg");
    const admin = new Client({ connectionString: (handle.target as { url: string }).url });
    await admin.connect();
    try {
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'`);
    } finally {
      await admin.end();
    }
    // The connection is re-opened after a second; in between, the probe names it.
    await expect.poll(async () => readiness(database, now), { interval: 50 }).toMatchObject({ status: "not_ready", failing: ["liveUpdates"] });
    await expect.poll(async () => (await readiness(database, now)).status, { timeout: 10_000 }).toBe("ready");
  });
});
