import { z } from "zod";
import { consoleRoute } from "@/server/console-request";
import { downloadFirmwareImage, uploadFirmwareImage } from "@/server/firmware-images";
import { uuid } from "@/server/schemas/common";

const release = { roles: ["admin"], params: z.object({ id: uuid }) } as const;

/** A draft release's image, streamed in as the raw request body (the file name in X-File-Name). */
export const PUT = consoleRoute(release, ({ db, actor, params }, req) => uploadFirmwareImage(db, actor, params.id, req));

/** The image, for admins. */
export const GET = consoleRoute(release, ({ db, params }, req) => downloadFirmwareImage(db, params.id, req));
