import { downloadFirmwareImage, uploadFirmwareImage } from "@/server/firmware-images";

type Params = { params: Promise<{ id: string }> };

/** A draft release's image, streamed in as the raw request body (the file name in X-File-Name). */
export const PUT = async (req: Request, ctx: Params) => uploadFirmwareImage(req, (await ctx.params).id);

/** The image, for admins. */
export const GET = async (req: Request, ctx: Params) => downloadFirmwareImage(req, (await ctx.params).id);
