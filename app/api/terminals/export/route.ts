import { consoleRequest, signInRequired } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { terminalListInput } from "@/server/schemas/terminals";
import { exportTerminalsCsv } from "@/server/services/terminals";
import { parseListParams } from "@/app/_lib/list-params";

/** The terminal list with the page's filters, as a CSV download streamed from the database. */
export async function GET(req: Request) {
  const ctx = await consoleRequest(req);
  if (!ctx) return signInRequired();
  const filters = parseListParams(terminalListInput, Object.fromEntries(new URL(req.url).searchParams), ["status"]);
  return csvResponse(exportTerminalsCsv(ctx.db, ctx.scope, filters), `terminals-${new Date().toISOString().slice(0, 10)}.csv`);
}
