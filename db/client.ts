import fs from "node:fs";
import path from "node:path";
import type { ExtractTablesWithRelations, SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Schema = typeof schema;
/** Either engine's database, or a transaction on it: services accept all three. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DbHandle {
  db: Db;
  engine: "pglite" | "postgres";
  target: DbTarget;
  /**
   * Subscribes to a NOTIFY channel; PostgreSQL gets a dedicated connection for it, re-opened when
   * dropped (`onDisconnect` runs), after which `onReconnect` runs (notifications in between are lost).
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void, onDisconnect?: () => void): Promise<() => Promise<void>>;
  /** PostgreSQL's connection pool, for the metrics; PGlite has none. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export type DbTarget = { engine: "postgres"; url: string; poolSize?: number } | { engine: "pglite"; dataDir: string } | { engine: "pglite-memory"; loadDataDir?: Blob };

/** The database settings, already validated by the caller (server/env.ts's parseEnv). */
export interface DatabaseSettings {
  DATABASE_URL?: string;
  DATABASE_POOL_SIZE: number;
  PGLITE_DIR: string;
}

export function targetFromEnv(env: DatabaseSettings): DbTarget {
  if (env.DATABASE_URL) return { engine: "postgres", url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE };
  return { engine: "pglite", dataDir: path.resolve(/*turbopackIgnore: true*/ env.PGLITE_DIR) };
}

/** Connection trouble the app survives but an operator should see; db/ cannot import the app's logger, so the app passes it in. */
export type ConnectionWarning = (message: string, error: Error) => void;

const warnOnConsole: ConnectionWarning = (message, error) => console.error(`${message}: ${error.message}`);

export async function openDatabase(target: DbTarget, warn: ConnectionWarning = warnOnConsole): Promise<DbHandle> {
  if (target.engine === "postgres") {
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    // A statement waiting on a row lock gives up after 10 s instead of stalling everything queued
    // behind it (the device API runs one write statement at a time per instance).
    const pool = new Pool({ connectionString: target.url, max: target.poolSize ?? 10, options: "-c lock_timeout=10000" });
    // An idle connection the server drops (restart, failover) must not crash the app; the pool replaces it.
    pool.on("error", (error: Error & { code?: string }) => {
      if (error.code !== "57P01") warn("PostgreSQL connection lost", error);
    });
    const listeners = new Set<() => Promise<void>>();
    return {
      db: drizzle(pool, { schema }) as unknown as Db,
      engine: "postgres",
      target,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      listen: async (channel, onPayload, onReconnect, onDisconnect) => {
        const { Client } = await import("pg");
        let client: InstanceType<typeof Client> | undefined;
        let stopped = false;
        let retry: ReturnType<typeof setTimeout> | undefined;
        let connectedBefore = false;
        // A dropped connection (server restart, failover) is re-opened, so live updates resume.
        const reconnect = () => {
          client = undefined;
          onDisconnect?.();
          if (!stopped) retry = setTimeout(() => void connect().catch(reconnect), 1000).unref();
        };
        const connect = async () => {
          const next = new Client({ connectionString: target.url });
          next.on("notification", (message) => message.channel === channel && onPayload(message.payload ?? ""));
          next.on("error", (error) => warn(`LISTEN ${channel}`, error));
          try {
            await next.connect();
            await next.query(`listen ${JSON.stringify(channel)}`);
          } catch (error) {
            await next.end().catch(() => undefined);
            throw error;
          }
          if (stopped) return void (await next.end());
          next.on("end", reconnect);
          client = next;
          if (connectedBefore) onReconnect?.();
          connectedBefore = true;
        };
        await connect();
        const stop = async () => {
          stopped = true;
          clearTimeout(retry);
          listeners.delete(stop);
          await client?.end();
        };
        listeners.add(stop);
        return stop;
      },
      close: async () => {
        await Promise.allSettled([...listeners].map((stop) => stop()));
        await pool.end();
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  // pg_trgm backs the terminal search's indexes; PostgreSQL ships it, PGlite loads it per client.
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const extensions = { pg_trgm };
  if (target.engine === "pglite-memory") {
    const client = await PGlite.create({ loadDataDir: target.loadDataDir, extensions });
    return { db: drizzle(client, { schema }) as unknown as Db, engine: "pglite", target, listen: (channel, onPayload) => client.listen(channel, onPayload), close: () => client.close() };
  }
  const releaseLock = lockDataDir(target.dataDir);
  try {
    const client = await PGlite.create({ dataDir: target.dataDir, extensions });
    return {
      db: drizzle(client, { schema }) as unknown as Db,
      engine: "pglite",
      target,
      listen: (channel, onPayload) => client.listen(channel, onPayload),
      close: async () => {
        await client.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

export class DataDirLockedError extends Error {}

/**
 * PGlite corrupts its folder silently when two processes open it, so the folder is guarded by a
 * lock file holding the owner's pid. A stale lock (its process is gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      const release = () => {
        process.off("exit", release);
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockPath, "utf8"));
      // Our own pid counts too: a second client in this process would corrupt the folder as well.
      if (owner && isAlive(owner)) {
        throw new DataDirLockedError(
          `The embedded database at ${dataDir} is in use by process ${owner}. ` +
            `Only one process may open it: stop that process first (for example the running console), ` +
            `or point DATABASE_URL at a PostgreSQL server.`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not lock ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs raw SQL and returns its rows; both drivers answer with `{ rows }`. */
export async function queryRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}
