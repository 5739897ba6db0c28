// The production server (`npm start`): Next serves the console, its API routes and the device API,
// except that the device API's endpoints are served straight from node:http (see
// server/device-api/node.ts) so that a large fleet's heartbeats skip Next's per-request work.
import http from "node:http";
import next from "next";
import { getDb } from "./db";
import { stampClientAddress } from "./client-ip";
import { deviceApiLane } from "./device-api/node";
import { refuseUndecodablePath } from "./request-path";

const port = Number(process.env.PORT ?? 3000);
// Not HOSTNAME: containers set it to their own name.
const hostname = process.env.LISTEN_HOST ?? "0.0.0.0";

// No hostname for Next: request URLs then keep the Host the client used, which sign-in's origin check compares.
const app = next({ dev: false, dir: process.cwd(), port });
const handleWithNext = app.getRequestHandler();
await app.prepare();
const serveDeviceApi = deviceApiLane(getDb);

http
  .createServer((req, res) => {
    if (refuseUndecodablePath(req, res)) return;
    stampClientAddress(req);
    if (!serveDeviceApi(req, res)) void handleWithNext(req, res);
  })
  .listen(port, hostname, () => console.log(`POS Fleet: listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`));
