import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { AppError } from "@/server/errors";
import { readBodyWithin } from "@/server/http-body";
import { bulkIdsSelection } from "@/server/schemas/bulk";
import { terminalListInput } from "@/server/schemas/terminals";
import { exportTerminalsCsv } from "@/server/services/terminals";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** A thousand ids take about 40 KB; a body larger than this is refused unread. */
const MAX_IDS_BODY_BYTES = 1024 * 1024;

const fileName = () => `terminals-${new Date().toISOString().slice(0, 10)}.csv`;

/** The terminal list with the page's filters, as a CSV download streamed from the database. */
export const GET = consoleRoute({ roles: userRoles }, async ({ db, scope }, req) => {
  const filters = parseListParamsStrictly(terminalListInput, Object.fromEntries(new URL(req.url).searchParams), ["status"]);
  return csvResponse(exportTerminalsCsv(db, scope, filters), fileName());
});

/** Rows chosen on the list ({"ids": [...]}, too many for a URL), in the caller's scope, as the same CSV. */
export const POST = consoleRoute({ roles: userRoles }, async ({ db, scope }, req) => {
  const body = await readBodyWithin(req, MAX_IDS_BODY_BYTES);
  if (!body) throw new AppError("invalid", "requestTooLarge", { maxMb: MAX_IDS_BODY_BYTES / 1024 / 1024 }, { details: { code: "payload_too_large" } });
  const { ids } = bulkIdsSelection.parse(parseJson(new TextDecoder().decode(body)));
  return csvResponse(exportTerminalsCsv(db, scope, terminalListInput.parse({}), ids), fileName());
});

/** The body as JSON, or null (which the schema refuses with a 400) when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
