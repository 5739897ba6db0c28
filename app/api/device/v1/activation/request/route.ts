import { activationRequestEndpoint } from "@/server/device-api/endpoints";
import { serveDevice } from "@/server/device-api/serve";

export const POST = (req: Request) => serveDevice(activationRequestEndpoint, req);
