import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { uuid } from "@/server/schemas/common";
import { evidenceCsv, storeEvidence } from "@/server/services/training";

/** A store's PCI DSS 9.5.1 evidence as CSV: devices and their inspections, then staff training. */
export const GET = consoleRoute({ roles: userRoles, params: z.object({ storeId: uuid }) }, async ({ db, scope, params }) => {
  const evidence = await storeEvidence(db, scope, params.storeId);
  return csvResponse(evidenceCsv(evidence), `pci-evidence-${evidence.store.name.replace(/[^\w-]+/g, "-")}-${evidence.today}.csv`);
});
