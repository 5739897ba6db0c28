import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { inArray, sql } from "drizzle-orm";
import { queryRows, type DbHandle } from "@/db/client";
import { openJobStatuses } from "@/db/schema/values";
import { setting, type EnvSource } from "./env";
import { logger } from "./logger";
import { metrics } from "./metrics";

/**
 * Who may scrape: with METRICS_TOKEN, whoever sends it as a bearer token, on either listener;
 * without it, anyone reaching METRICS_PORT (a port kept off the public network); otherwise nobody,
 * so a default install never publishes its internals on the console's port.
 */
export function metricsAccess(listener: "app" | "metrics-port", env?: EnvSource): "token" | "open" | "off" {
  if (setting("METRICS_TOKEN", env)) return "token";
  return listener === "metrics-port" ? "open" : "off";
}

const digest = (text: string) => createHash("sha256").update(text).digest();

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
  // Compared as digests, so the comparison takes as long whatever the length of a guess.
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/** The gauges that describe the whole fleet's database, read when scraped: each is one cheap, indexed query. */
async function readDatabaseGauges(handle: DbHandle): Promise<void> {
  for (const gauge of [metrics.dbPool, metrics.smsQueued, metrics.updateJobsOpen, metrics.jobLag]) gauge.reset();
  const pool = handle.poolStats?.();
  if (pool) for (const [state, count] of Object.entries(pool)) metrics.dbPool.set({ state }, count);
  const [sms] = await queryRows<{ queued: number }>(handle.db, sql`select count(*)::int as queued from sms_outbox where status = 'queued'`);
  metrics.smsQueued.set(sms?.queued ?? 0);
  // Open jobs only: the partial index of open jobs answers this; finished jobs grow without end.
  const open = await queryRows<{ status: string; count: number }>(
    handle.db,
    sql`select status, count(*)::int as count from update_jobs where ${inArray(sql`status`, [...openJobStatuses])} group by status`,
  );
  for (const status of openJobStatuses) metrics.updateJobsOpen.set({ status }, open.find((row) => row.status === status)?.count ?? 0);
  const jobs = await queryRows<{ name: string; lag: number }>(handle.db, sql`select name, greatest(0, extract(epoch from now() - next_run_at))::float8 as lag from scheduled_jobs`);
  for (const job of jobs) metrics.jobLag.set({ job: job.name }, job.lag);
}

/** GET /metrics in Prometheus' text format, for the app's listener or the METRICS_PORT one. */
export function metricsHandler(options: { listener: "app" | "metrics-port"; database: () => Promise<DbHandle>; env?: EnvSource }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const access = metricsAccess(options.listener, options.env);
    if (access === "off") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Metrics are off: set METRICS_TOKEN, or METRICS_PORT for a separate listener.\n");
      return;
    }
    if (access === "token" && !bearerMatches(req.headers.authorization, setting("METRICS_TOKEN", options.env)!)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' }).end("A bearer token is required.\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    try {
      await readDatabaseGauges(await options.database());
    } catch (error) {
      // The rest still tells what this instance does; the database's gauges stay reset (absent or 0).
      logger.warn({ err: error }, "metrics: the database gauges could not be read");
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { "content-type": metrics.registry.contentType }).end(req.method === "HEAD" ? undefined : body);
  };
}
