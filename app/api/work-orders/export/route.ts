import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { localeOfHeaders } from "@/server/locales";
import { workOrderListInput } from "@/server/schemas/maintenance";
import { exportWorkOrdersCsv } from "@/server/services/maintenance";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** The work-order list with the page's filters, as a CSV download in the console's language. */
export const GET = consoleRoute({ roles: userRoles }, async ({ db, scope, viewer }, req) => {
  const filters = parseListParamsStrictly(workOrderListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportWorkOrdersCsv(db, scope, viewer.id, filters, localeOfHeaders(req.headers)), `work-orders-${new Date().toISOString().slice(0, 10)}.csv`);
});
