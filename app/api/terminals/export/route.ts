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
  const chunks = exportTerminalsCsv(ctx.db, scope, filters);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const date = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="terminals-${date}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
