import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { uuid } from "@/server/schemas/common";
import { commandLogResponse } from "@/server/services/commands";

/** The log a terminal uploaded for a collect_logs command, for anyone who may see the terminal's commands. */
export const GET = consoleRoute({ roles: userRoles, params: z.object({ id: uuid }) }, ({ db, scope, params }) => commandLogResponse(db, scope, params.id));
