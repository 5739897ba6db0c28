import { consoleRequest, signInRequired } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { workOrderListInput } from "@/server/schemas/maintenance";
import { exportWorkOrdersCsv } from "@/server/services/maintenance";
import { parseListParams } from "@/app/_lib/list-params";

/** The work-order list with the page's filters, as a CSV download. */
export async function GET(req: Request) {
  const ctx = await consoleRequest(req);
  if (!ctx) return signInRequired();
  const filters = parseListParams(workOrderListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportWorkOrdersCsv(ctx.db, ctx.scope, ctx.viewer.id, filters), `work-orders-${new Date().toISOString().slice(0, 10)}.csv`);
}
