import { consoleRequest, signInRequired } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { rolloutJobListInput } from "@/server/schemas/firmware";
import { exportRolloutJobsCsv } from "@/server/services/rollouts";
import { parseListParams } from "@/app/_lib/list-params";

/** A rollout's terminals with the page's filters, as a CSV download (admins). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const context = await consoleRequest(req);
  if (!context) return signInRequired();
  if (context.viewer.role !== "admin") return Response.json({ error: { code: "not_found", message: "Rollout was not found." } }, { status: 404 });
  const parsed = rolloutJobListInput.safeParse({ ...parseListParams(rolloutJobListInput.omit({ id: true }), Object.fromEntries(new URL(req.url).searchParams)), id: (await ctx.params).id });
  if (!parsed.success) return Response.json({ error: { code: "not_found", message: "Rollout was not found." } }, { status: 404 });
  return csvResponse(exportRolloutJobsCsv(context.db, parsed.data), `rollout-${parsed.data.id.slice(0, 8)}-terminals.csv`);
}
