import { commandResultEndpoint } from "@/server/device-api/endpoints";
import { postOnly } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

export const POST = async (req: Request, ctx: { params: Promise<{ commandId: string }> }) => serveDevice(commandResultEndpoint, req, await ctx.params);
export { postOnly as GET, postOnly as PUT, postOnly as PATCH, postOnly as DELETE };
