import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { uuid } from "@/server/schemas/common";
import { workOrderPhotoResponse } from "@/server/services/maintenance-photos";

/** A work order's photo, for anyone who may see the work order. */
export const GET = consoleRoute({ roles: userRoles, params: z.object({ id: uuid, photoId: uuid }) }, ({ db, scope, params }) => workOrderPhotoResponse(db, scope, params.id, params.photoId));
