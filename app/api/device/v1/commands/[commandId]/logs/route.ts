import { commandLogUploadEndpoint } from "@/server/device-api/endpoints";
import { methodNotAllowed } from "@/server/device-api/http";
import { serveDevice } from "@/server/device-api/serve";

const putOnly = () => methodNotAllowed(["PUT"]);

export const PUT = async (req: Request, ctx: { params: Promise<{ commandId: string }> }) => serveDevice(commandLogUploadEndpoint, req, await ctx.params);
export { putOnly as GET, putOnly as POST, putOnly as PATCH, putOnly as DELETE };
