import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { DbHandle } from "@/db/client";
import { stampClientAddress } from "./client-ip";
import { deviceApiLane } from "./device-api/node";
import { healthLane } from "./health";
import { metricsHandler } from "./metrics-endpoint";
import { withRequestLog } from "./request-log";
import { refuseUndecodablePath } from "./request-path";
import { routeLabeler, type NextRoute } from "./route-label";
import { trackForDrain } from "./shutdown";

/**
 * Idle keep-alive connections stay open this long. A proxy in front must close its idle upstream
 * connections sooner (nginx `keepalive_timeout 4s`), or it may send a request on a connection the
 * app is closing at that moment and get a reset; Node's default of 5 s would make that common.
 */
export const KEEP_ALIVE_TIMEOUT_SECONDS = 75;

/**
 * The production server's listener: the probes, the metrics and the device API straight from
 * node:http, everything else to Next. A test builds it with a stand-in for Next and its own database.
 */
export function createAppServer(options: { handleWithNext: (req: IncomingMessage, res: ServerResponse) => Promise<void>; database: () => Promise<DbHandle>; nextRoutes?: NextRoute[] }): http.Server {
  const { handleWithNext, database } = options;
  const serveProbes = healthLane(database);
  const serveDeviceApi = deviceApiLane(async () => (await database()).db);
  const serveMetrics = metricsHandler({ listener: "app", database });
  const routeOf = routeLabeler(options.nextRoutes ?? [], ["/metrics", "/api/health", "/api/ready"]);
  const server = http.createServer(
    withRequestLog(
      (req, res) => {
        if (refuseUndecodablePath(req, res)) return;
        stampClientAddress(req);
        if (req.url?.split("?")[0] === "/metrics") return void serveMetrics(req, res);
        if (serveProbes(req, res)) return;
        if (!serveDeviceApi(req, res)) void handleWithNext(req, res);
      },
      { routeOf },
    ),
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_SECONDS * 1000;
  // Longer than the keep-alive timeout, as Node requires, so a slow request's headers are not cut off first.
  server.headersTimeout = (KEEP_ALIVE_TIMEOUT_SECONDS + 1) * 1000;
  trackForDrain(server);
  return server;
}
