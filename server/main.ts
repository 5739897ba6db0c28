// The production server (`npm start`): Next serves the console, its API routes and the device API,
// except that the device API's endpoints are served straight from node:http (see
// server/device-api/node.ts) so that a large fleet's heartbeats skip Next's per-request work.
import http from "node:http";
import next from "next";
import { createAppServer } from "./app-server";
import { getDatabase } from "./db";
import { parseEnvOrExit, shutdownTimeoutSeconds } from "./env";
import { flushLogs, logger } from "./logger";
import { metricsHandler } from "./metrics-endpoint";
import { nextRoutesOf } from "./route-label";
import { onShutdown, shutDown } from "./shutdown";

// Not HOSTNAME for the address: containers set it to their own name.
const { PORT: port, LISTEN_HOST: hostname, METRICS_PORT: metricsPort } = parseEnvOrExit();

// No hostname for Next: request URLs then keep the Host the client used, which sign-in's origin check compares.
const app = next({ dev: false, dir: process.cwd(), port });
await app.prepare();
const server = createAppServer({ handleWithNext: app.getRequestHandler(), database: getDatabase, nextRoutes: nextRoutesOf(process.cwd()) });
server.listen(port, hostname, () => logger.info(`POS Fleet: listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`));

// SIGTERM (systemd, Kubernetes) and SIGINT (Ctrl-C) drain the instance (server/shutdown.ts) and exit 0.
// A second signal, or a drain stuck well past its deadline, ends the process at once with 1.
const timeoutSeconds = shutdownTimeoutSeconds();
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) {
    flushLogs();
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal, timeoutSeconds }, "shutting down: draining");
  setTimeout(
    () => {
      logger.error("shutdown did not finish in time");
      process.exit(1);
    },
    (timeoutSeconds + 10) * 1000,
  ).unref();
  void shutDown(server, timeoutSeconds).then(() => {
    logger.info("shut down");
    flushLogs();
    process.exit(0);
  });
};
process.on("SIGTERM", stop).on("SIGINT", stop);

// A separate listener for Prometheus, for a port the load balancer does not publish.
if (metricsPort) {
  const serveScrapes = metricsHandler({ listener: "metrics-port", database: getDatabase });
  const metricsServer = http
    .createServer((req, res) => (req.url?.split("?")[0] === "/metrics" ? void serveScrapes(req, res) : void res.writeHead(404).end()))
    .listen(metricsPort, hostname, () => logger.info(`POS Fleet: metrics on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${metricsPort}/metrics`));
  // Scrapes go on while the instance drains; the listener closes with it.
  onShutdown("metrics listener", () => new Promise((resolve) => metricsServer.close(() => resolve())));
}
