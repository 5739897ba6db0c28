import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { auditFilterInput } from "@/server/schemas/audit";
import { exportAuditCsv } from "@/server/services/audit";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** The audit log with the page's filters, as a CSV download: admins only, as the page. */
export const GET = consoleRoute({ roles: ["admin"] }, async ({ db }, req) => {
  const filters = parseListParamsStrictly(auditFilterInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportAuditCsv(db, filters), `audit-log-${new Date().toISOString().slice(0, 10)}.csv`);
});
