import { activationRequestEndpoint } from "@/server/device-api/endpoints";
import { postOnly } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

export const POST = (req: Request) => serveDevice(activationRequestEndpoint, req);
export { postOnly as GET, postOnly as PUT, postOnly as PATCH, postOnly as DELETE };
