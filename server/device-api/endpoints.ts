import { heartbeatInput } from "../schemas/device";
import { processHeartbeat } from "../services/heartbeat";
import { deviceEndpoint } from "./http";

/** The device API v1 endpoints; app/api/device/v1/ routes each path to one of these. */
export const heartbeatEndpoint = deviceEndpoint({
  auth: true,
  body: heartbeatInput,
  handle: ({ db, device, body }) => processHeartbeat(db, device, body),
});
