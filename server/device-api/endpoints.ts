import { heartbeatInput } from "../schemas/device";
import { processHeartbeat } from "../services/heartbeat";
import type { Db } from "@/db/client";
import { deviceEndpoint, handleDeviceRequest } from "./http";

/** The device API v1 endpoints; app/api/device/v1/ routes each path to one of these. */
export const heartbeatEndpoint = deviceEndpoint({
  auth: true,
  body: heartbeatInput,
  handle: ({ db, device, body }) => processHeartbeat(db, device, body),
});

/**
 * The same endpoints by method and path (under /api/device/v1), for the production server's fast
 * lane (server/main.ts); paths not listed here go through Next and its route handlers.
 */
export const deviceRoutes: Record<string, (db: Db, req: Request) => Promise<Response>> = {
  "POST /heartbeat": (db, req) => handleDeviceRequest(db, heartbeatEndpoint, req),
};
