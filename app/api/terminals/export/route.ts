import { csvResponse } from "@/server/csv";
import { terminalListInput } from "@/server/schemas/terminals";
import { scopeForUser } from "@/server/scope";
import { exportTerminalsCsv } from "@/server/services/terminals";
import { createContext } from "@/server/trpc";
import { parseListParams } from "@/app/_lib/list-params";

/** The terminal list with the page's filters, as a CSV download streamed from the database. */
export async function GET(req: Request) {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  const filters = parseListParams(terminalListInput, Object.fromEntries(new URL(req.url).searchParams), ["status"]);
  return csvResponse(exportTerminalsCsv(ctx.db, scope, filters), `terminals-${new Date().toISOString().slice(0, 10)}.csv`);
}
