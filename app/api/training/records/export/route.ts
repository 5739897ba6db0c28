import { csvResponse } from "@/server/csv";
import { recordListInput } from "@/server/schemas/training";
import { scopeForUser } from "@/server/scope";
import { exportRecordsCsv } from "@/server/services/training";
import { createContext } from "@/server/trpc";
import { parseListParams } from "@/app/_lib/list-params";

/** The training records with the page's filters, as a CSV download. */
export async function GET(req: Request) {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  const filters = parseListParams(recordListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportRecordsCsv(ctx.db, scope, filters), `training-records-${new Date().toISOString().slice(0, 10)}.csv`);
}
