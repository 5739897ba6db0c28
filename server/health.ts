import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sql } from "drizzle-orm";
import { queryRows, type DbHandle } from "@/db/client";
import { migrationsFolder } from "@/db/migrate";
import { jobs } from "./jobs";
import { logger } from "./logger";
import { liveUpdatesListening } from "./services/fleet-events";
import { isDraining } from "./shutdown";

export type ReadinessCheck = "database" | "migrations" | "liveUpdates" | "jobs";

export type Readiness = { status: "ready"; checks: Record<ReadinessCheck, "ok"> } | { status: "not_ready"; failing: ReadinessCheck[]; checks: Record<ReadinessCheck, string> } | { status: "draining" };

/** A probe must answer even when the database hangs: a check still waiting after this fails. */
const CHECK_TIMEOUT_MS = 2_000;
/** A job is overdue once no instance holds it and its next run is this many of its periods late. */
const OVERDUE_PERIODS = 3;

class CheckFailed extends Error {}

function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CheckFailed("timed out")), CHECK_TIMEOUT_MS)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The migrations this build ships; the database must have applied at least these (a newer instance may have applied more). */
function knownMigrations(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
  return journal.entries.length;
}

const checks: Record<ReadinessCheck, (handle: DbHandle, now: Date) => Promise<void>> = {
  database: async ({ db }) => {
    await db.execute(sql`select 1`);
  },
  migrations: async ({ db }) => {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    const known = knownMigrations();
    if ((row?.n ?? 0) < known) throw new CheckFailed(`${row?.n ?? 0} of ${known} applied`);
  },
  liveUpdates: async (handle) => {
    if (!(await liveUpdatesListening(handle))) throw new CheckFailed("not listening");
  },
  // Jobs run on whichever instance claims them, so an overdue job means no instance is running them.
  jobs: async ({ db }, now) => {
    const rows = await queryRows<{ name: string; next_run_at: Date | string; locked_until: Date | string | null }>(db, sql`select name, next_run_at, locked_until from scheduled_jobs`);
    const overdue = jobs.filter((job) => {
      const row = rows.find((r) => r.name === job.name);
      if (!row || (row.locked_until !== null && new Date(row.locked_until) > now)) return false;
      return now.getTime() - new Date(row.next_run_at).getTime() > OVERDUE_PERIODS * job.everySeconds * 1000;
    });
    if (overdue.length) throw new CheckFailed(`overdue: ${overdue.map((job) => job.name).join(", ")}`);
  },
};

/**
 * Whether this instance should get traffic: the database answers, its migrations are all applied,
 * the LISTEN for live updates is up and no background job is overdue; never while draining.
 */
export async function readiness(database: () => Promise<DbHandle>, now: Date = new Date()): Promise<Readiness> {
  if (isDraining()) return { status: "draining" };
  const handle = withinTimeout(database());
  const results = await Promise.all(
    (Object.keys(checks) as ReadinessCheck[]).map(async (name) => {
      try {
        await withinTimeout(handle.then((h) => checks[name](h, now)));
        return [name, "ok"] as const;
      } catch (error) {
        // The reason stays short and says nothing of the database's address; the log has the rest.
        if (error instanceof CheckFailed) return [name, error.message] as const;
        logger.warn({ err: error, check: name }, "readiness check failed");
        return [name, "failed"] as const;
      }
    }),
  );
  const failing = results.filter(([, result]) => result !== "ok").map(([name]) => name);
  const all = Object.fromEntries(results) as Record<ReadinessCheck, string>;
  return failing.length ? { status: "not_ready", failing, checks: all } : { status: "ready", checks: all as Record<ReadinessCheck, "ok"> };
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(payload), ...headers });
  res.end(req.method === "HEAD" ? undefined : payload);
}

/**
 * Serves the probes from node:http ahead of Next, so they answer while Next is busy and cost no
 * rendering: GET /api/health (200 while the process lives, even draining; no database) and
 * GET /api/ready (200 when ready, else 503 naming the failing checks). Returns false for any
 * other request.
 */
export function healthLane(database: () => Promise<DbHandle>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = req.url?.split("?")[0];
    if (path !== "/api/health" && path !== "/api/ready") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(req, res, 405, { error: { code: "method_not_allowed", message: "This endpoint takes GET." } }, { allow: "GET, HEAD" });
    } else if (path === "/api/health") {
      sendJson(req, res, 200, { status: "ok" });
    } else {
      void readiness(database).then((result) => sendJson(req, res, result.status === "ready" ? 200 : 503, result));
    }
    return true;
  };
}
