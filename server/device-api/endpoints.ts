import { clientIp } from "../client-ip";
import { activationRequestInput, activationVerifyInput, heartbeatInput } from "../schemas/device";
import { deliverDueSms } from "../sms/outbox";
import { requestActivation, verifyActivation } from "../services/activation";
import { processHeartbeat } from "../services/heartbeat";
import type { Db } from "@/db/client";
import { deviceEndpoint, handleDeviceRequest } from "./http";

/** The device API v1 endpoints; app/api/device/v1/ routes each path to one of these. */
export const heartbeatEndpoint = deviceEndpoint({
  auth: true,
  body: heartbeatInput,
  handle: ({ db, device, body }) => processHeartbeat(db, device, body),
});

export const activationRequestEndpoint = deviceEndpoint({
  auth: false,
  body: activationRequestInput,
  handle: async ({ db, req, body }) => {
    const result = await requestActivation(db, { ...body, ip: clientIp(req.headers) });
    // Sent right away; the delivery job retries whatever this attempt leaves queued.
    void deliverDueSms(db).catch((error: unknown) => console.error("SMS delivery:", error instanceof Error ? error.message : error));
    return Response.json(result, { status: 202 });
  },
});

export const activationVerifyEndpoint = deviceEndpoint({
  auth: false,
  body: activationVerifyInput,
  handle: ({ db, req, body }) => verifyActivation(db, { ...body, ip: clientIp(req.headers) }),
});

/**
 * The same endpoints by method and path (under /api/device/v1), for the production server's fast
 * lane (server/main.ts); paths not listed here go through Next and its route handlers.
 */
export const deviceRoutes: Record<string, (db: Db, req: Request) => Promise<Response>> = {
  "POST /heartbeat": (db, req) => handleDeviceRequest(db, heartbeatEndpoint, req),
  "POST /activation/request": (db, req) => handleDeviceRequest(db, activationRequestEndpoint, req),
  "POST /activation/verify": (db, req) => handleDeviceRequest(db, activationVerifyEndpoint, req),
};
