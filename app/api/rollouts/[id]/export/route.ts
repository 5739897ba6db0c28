import { z } from "zod";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { uuid } from "@/server/schemas/common";
import { rolloutJobListInput } from "@/server/schemas/firmware";
import { exportRolloutJobsCsv } from "@/server/services/rollouts";
import { parseListParamsStrictly } from "@/app/_lib/list-params";

/** A rollout's terminals with the page's filters, as a CSV download (admins). */
export const GET = consoleRoute({ roles: ["admin"], params: z.object({ id: uuid }) }, async ({ db, params }, req) => {
  const filters = parseListParamsStrictly(rolloutJobListInput, { ...Object.fromEntries(new URL(req.url).searchParams), id: params.id });
  return csvResponse(exportRolloutJobsCsv(db, filters), `rollout-${params.id.slice(0, 8)}-terminals.csv`);
});
