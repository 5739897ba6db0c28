import client from "prom-client";

/** Request and procedure durations, from a fast answer to a slow export. */
const requestSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Labels stay bounded: routes are patterns (never URLs with ids), jobs and batchers are names in code.
function createMetrics() {
  const registry = new client.Registry();
  // Requests waiting per batcher name, kept by the batchers (a Map costs a request less than a
  // labelled gauge's inc and dec) and read into the gauge at scrape time.
  const batcherQueueDepths = new Map<string, number>();
  client.collectDefaultMetrics({ register: registry, prefix: "posfleet_" });
  const registers = [registry];
  return {
    registry,
    httpRequests: new client.Counter({
      name: "posfleet_http_requests_total",
      help: "HTTP requests answered, by lane (device API or console), method, route pattern and status.",
      labelNames: ["lane", "method", "route", "status"] as const,
      registers,
    }),
    httpDuration: new client.Histogram({
      name: "posfleet_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer.",
      labelNames: ["lane", "method", "route", "status"] as const,
      buckets: requestSecondsBuckets,
      registers,
    }),
    trpcCalls: new client.Counter({
      name: "posfleet_trpc_calls_total",
      help: "tRPC procedure calls (each call of a batch counts), by procedure and outcome (ok or the tRPC error code).",
      labelNames: ["procedure", "outcome"] as const,
      registers,
    }),
    trpcDuration: new client.Histogram({
      name: "posfleet_trpc_call_duration_seconds",
      help: "Time a tRPC procedure call took, by procedure.",
      labelNames: ["procedure"] as const,
      buckets: requestSecondsBuckets,
      registers,
    }),
    heartbeats: new client.Counter({ name: "posfleet_heartbeats_total", help: "Terminal check-ins stored.", registers }),
    batchSize: new client.Histogram({
      name: "posfleet_batch_size",
      help: "Items per statement of a request batcher (check-ins, token checks).",
      labelNames: ["batcher"] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    batcherQueueDepths,
    batcherQueue: new client.Gauge({
      name: "posfleet_batcher_queue_depth",
      help: "Requests waiting for a batcher's next statement.",
      labelNames: ["batcher"] as const,
      registers,
      collect() {
        for (const [batcher, depth] of batcherQueueDepths) this.set({ batcher }, depth);
      },
    }),
    batcherShed: new client.Counter({
      name: "posfleet_batcher_shed_total",
      help: "Requests refused with 503 overloaded because a batcher's queue was full.",
      labelNames: ["batcher"] as const,
      registers,
    }),
    jobRuns: new client.Counter({
      name: "posfleet_job_runs_total",
      help: "Background job runs in this instance, by job and outcome (ok or failed).",
      labelNames: ["job", "outcome"] as const,
      registers,
    }),
    jobDuration: new client.Histogram({
      name: "posfleet_job_duration_seconds",
      help: "Time a background job run took, by job.",
      labelNames: ["job"] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    jobLag: new client.Gauge({
      name: "posfleet_job_lag_seconds",
      help: "How long a background job has been due without finishing a run (0 when not due), read from the database at scrape time.",
      labelNames: ["job"] as const,
      registers,
    }),
    dbPool: new client.Gauge({
      name: "posfleet_db_pool_connections",
      help: "PostgreSQL pool connections by state: total, idle, and waiting (callers queued for a connection). Absent on PGlite.",
      labelNames: ["state"] as const,
      registers,
    }),
    smsQueued: new client.Gauge({ name: "posfleet_sms_outbox_queued", help: "SMS messages queued for delivery or retry, read at scrape time.", registers }),
    updateJobsOpen: new client.Gauge({
      name: "posfleet_update_jobs_open",
      help: "Firmware update jobs not yet finished, by status, read at scrape time.",
      labelNames: ["status"] as const,
      registers,
    }),
    eventStreams: new client.Gauge({ name: "posfleet_event_streams_open", help: "Console live-update streams (server-sent events) open in this instance.", registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// On globalThis: the production server's own modules and Next's bundle of the same files are two
// module instances in one process, and both must count into the one registry that /metrics reads.
const holder = globalThis as unknown as { posFleetMetrics?: Metrics };

export const metrics: Metrics = (holder.posFleetMetrics ??= createMetrics());
