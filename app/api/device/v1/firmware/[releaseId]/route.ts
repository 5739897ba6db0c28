import { firmwareDownloadEndpoint } from "@/server/device-api/endpoints";
import { getOnly } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

export const GET = async (req: Request, ctx: { params: Promise<{ releaseId: string }> }) => serveDevice(firmwareDownloadEndpoint, req, await ctx.params);
export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
