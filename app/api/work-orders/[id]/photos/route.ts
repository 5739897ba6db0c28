import { z } from "zod";
import { consoleRoute } from "@/server/console-request";
import { readBodyWithin } from "@/server/http-body";
import { uuid } from "@/server/schemas/common";
import { addWorkOrderPhoto, MAX_PHOTO_BYTES } from "@/server/services/maintenance-photos";

/** A photo for the work order (the seals), as the raw request body: JPEG, PNG or WebP, at most 10 MiB. */
export const POST = consoleRoute({ roles: ["admin", "technician"], params: z.object({ id: uuid }) }, async ({ db, viewer, scope, actor, params }, req) => {
  const photo = await addWorkOrderPhoto(db, { actor, scope, userId: viewer.id, role: viewer.role }, params.id, await readBodyWithin(req, MAX_PHOTO_BYTES));
  return Response.json(photo, { status: 201 });
});
