import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { recordListInput } from "@/server/schemas/training";
import { exportRecordsCsv } from "@/server/services/training";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** The training records with the page's filters, as a CSV download. */
export const GET = consoleRoute({ roles: userRoles }, async ({ db, scope }, req) => {
  const filters = parseListParamsStrictly(recordListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportRecordsCsv(db, scope, filters), `training-records-${new Date().toISOString().slice(0, 10)}.csv`);
});
