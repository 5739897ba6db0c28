import { uploadFirmwareImage } from "@/server/firmware-upload";

/** A draft release's image, streamed in as the raw request body (the file name in X-File-Name). */
export const PUT = async (req: Request, ctx: { params: Promise<{ id: string }> }) => uploadFirmwareImage(req, (await ctx.params).id);
