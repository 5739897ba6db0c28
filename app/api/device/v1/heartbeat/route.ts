import { heartbeatEndpoint } from "@/server/device-api/endpoints";
import { methodNotAllowed } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

export const POST = (req: Request) => serveDevice(heartbeatEndpoint, req);
export { methodNotAllowed as GET, methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE };
