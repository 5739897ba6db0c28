import { clientIp } from "../client-ip";
import { logger } from "../logger";
import { activationRequestInput, activationVerifyInput, commandResultInput, heartbeatInput, noticeAckInput, updateStatusInput } from "../schemas/device";
import { deliverDueSms } from "../sms/outbox";
import { requestActivation, verifyActivation } from "../services/activation";
import { MAX_COMMAND_LOG_BYTES, reportCommandResult, uploadCommandLog } from "../services/commands";
import { processHeartbeatWithToken } from "../services/heartbeat";
import { acknowledgeNotice } from "../services/notices";
import { releaseForTerminal, reportJobStatus } from "../services/rollouts";
import type { Db } from "@/db/client";
import { answerDeviceRequest, deviceEndpoint, deviceOrRefusal, handleDeviceRequest, idFromPath, type DeviceAnswer, type DeviceEndpoint, type DeviceRequest } from "./http";
import { imageResponse } from "./image-response";

/** The device API v1 endpoints; app/api/device/v1/ routes each path to one of these. */
export const heartbeatEndpoint = deviceEndpoint({
  auth: true,
  handlerChecksToken: true,
  body: heartbeatInput,
  handle: async ({ db, req, token, body }) => {
    const { auth, answer } = await processHeartbeatWithToken(db, token!, body);
    deviceOrRefusal(req, auth);
    return answer;
  },
});

export const activationRequestEndpoint = deviceEndpoint({
  auth: false,
  body: activationRequestInput,
  handle: async ({ db, req, body }) => {
    const result = await requestActivation(db, { ...body, ip: clientIp(req.headers) });
    // Sent right away; the delivery job retries whatever this attempt leaves queued.
    void deliverDueSms(db).catch((error: unknown) => logger.error({ err: error }, "SMS delivery failed"));
    return Response.json(result, { status: 202 });
  },
});

export const activationVerifyEndpoint = deviceEndpoint({
  auth: false,
  body: activationVerifyInput,
  handle: ({ db, req, body }) => verifyActivation(db, { ...body, ip: clientIp(req.headers) }),
});

export const updateStatusEndpoint = deviceEndpoint({
  auth: true,
  body: updateStatusInput,
  handle: ({ db, device, body, params }) => reportJobStatus(db, device, idFromPath(params.jobId, "Update job"), body),
});

export const noticeAckEndpoint = deviceEndpoint({
  auth: true,
  body: noticeAckInput,
  handle: ({ db, device, params }) => acknowledgeNotice(db, device, idFromPath(params.noticeId, "Notice")),
});

export const firmwareDownloadEndpoint = deviceEndpoint({
  auth: true,
  handle: async ({ db, device, req, params }) => {
    const release = await releaseForTerminal(db, device.terminalId, idFromPath(params.releaseId, "Firmware image"));
    return imageResponse(release, req.header("range"));
  },
});

export const commandResultEndpoint = deviceEndpoint({
  auth: true,
  body: commandResultInput,
  handle: ({ db, device, body, params }) => reportCommandResult(db, device, idFromPath(params.commandId, "Command"), body),
});

/** A collect_logs command's log: the raw body (application/octet-stream), streamed to the object storage. */
export const commandLogUploadEndpoint = deviceEndpoint({
  auth: true,
  upload: { maxBytes: MAX_COMMAND_LOG_BYTES },
  handle: ({ db, device, req, params }) => uploadCommandLog(db, device, idFromPath(params.commandId, "Command"), req.stream()),
});

export const DEVICE_API_PREFIX = "/api/device/v1";

interface DeviceRoute {
  method: "GET" | "POST" | "PUT";
  /** Under DEVICE_API_PREFIX; ":name" segments are path parameters. */
  path: string;
  /** The endpoint streams the body itself (an upload): the lane must not read it first. */
  streamsBody: boolean;
  serve: (db: Db, req: Request, params: Record<string, string>) => Promise<Response>;
  /** The same for the production server's lane, which reads node:http directly and writes JSON answers itself. */
  answer: (db: Db, req: DeviceRequest, params: Record<string, string>) => Promise<DeviceAnswer>;
}

const route = <Body, Auth extends boolean>(method: DeviceRoute["method"], path: string, endpoint: DeviceEndpoint<Body, Auth>): DeviceRoute => ({
  method,
  path,
  streamsBody: endpoint.upload !== undefined,
  serve: (db, req, params) => handleDeviceRequest(db, endpoint, req, params),
  answer: (db, req, params) => answerDeviceRequest(db, endpoint, req, params),
});

/**
 * The same endpoints by method and path, for the production server's fast lane (server/main.ts);
 * paths not listed here go through Next and its route handlers.
 */
export const deviceRoutes: DeviceRoute[] = [
  route("POST", "/heartbeat", heartbeatEndpoint),
  route("POST", "/activation/request", activationRequestEndpoint),
  route("POST", "/activation/verify", activationVerifyEndpoint),
  route("POST", "/updates/:jobId/status", updateStatusEndpoint),
  route("POST", "/notices/:noticeId/ack", noticeAckEndpoint),
  route("GET", "/firmware/:releaseId", firmwareDownloadEndpoint),
  route("POST", "/commands/:commandId/result", commandResultEndpoint),
  route("PUT", "/commands/:commandId/logs", commandLogUploadEndpoint),
];

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(":")) {
      if (!got[i]) return null;
      params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** The route for a method and path, or which methods the path takes (405) or nothing (404). */
export function findDeviceRoute(method: string, path: string): { route: DeviceRoute; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const r of deviceRoutes) {
    let params: Record<string, string> | null;
    try {
      params = matchPath(r.path, path);
    } catch {
      params = null;
    }
    if (!params) continue;
    if (r.method === method) return { route: r, params };
    allowed.push(r.method);
  }
  return { allowed };
}
