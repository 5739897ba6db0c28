import { csvResponse } from "@/server/csv";
import { workOrderListInput } from "@/server/schemas/maintenance";
import { scopeForUser } from "@/server/scope";
import { exportWorkOrdersCsv } from "@/server/services/maintenance";
import { createContext } from "@/server/trpc";
import { parseListParams } from "@/app/_lib/list-params";

/** The work-order list with the page's filters, as a CSV download. */
export async function GET(req: Request) {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  const filters = parseListParams(workOrderListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportWorkOrdersCsv(ctx.db, scope, ctx.viewer.id, filters), `work-orders-${new Date().toISOString().slice(0, 10)}.csv`);
}
