import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { terminalListInput } from "@/server/schemas/terminals";
import { exportTerminalsCsv } from "@/server/services/terminals";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** The terminal list with the page's filters, as a CSV download streamed from the database. */
export const GET = consoleRoute({ roles: userRoles }, async ({ db, scope }, req) => {
  const filters = parseListParamsStrictly(terminalListInput, Object.fromEntries(new URL(req.url).searchParams), ["status"]);
  return csvResponse(exportTerminalsCsv(db, scope, filters), `terminals-${new Date().toISOString().slice(0, 10)}.csv`);
});
