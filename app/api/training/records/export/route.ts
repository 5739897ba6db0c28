import { consoleRequest, signInRequired } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { recordListInput } from "@/server/schemas/training";
import { exportRecordsCsv } from "@/server/services/training";
import { parseListParams } from "@/app/_lib/list-params";

/** The training records with the page's filters, as a CSV download. */
export async function GET(req: Request) {
  const ctx = await consoleRequest(req);
  if (!ctx) return signInRequired();
  const filters = parseListParams(recordListInput, Object.fromEntries(new URL(req.url).searchParams));
  return csvResponse(exportRecordsCsv(ctx.db, ctx.scope, filters), `training-records-${new Date().toISOString().slice(0, 10)}.csv`);
}
