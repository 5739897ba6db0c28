import { heartbeatEndpoint } from "@/server/device-api/endpoints";
import { postOnly } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

export const POST = (req: Request) => serveDevice(heartbeatEndpoint, req);
export { postOnly as GET, postOnly as PUT, postOnly as PATCH, postOnly as DELETE };
