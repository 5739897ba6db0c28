import { consoleRequest, signInRequired } from "@/server/console-request";
import { csvResponse } from "@/server/csv";
import { uuid } from "@/server/schemas/common";
import { AppError } from "@/server/errors";
import { evidenceCsv, storeEvidence } from "@/server/services/training";

const notFoundResponse = () => Response.json({ error: { code: "not_found", message: "Store was not found." } }, { status: 404 });

/** A store's PCI DSS 9.5.1 evidence as CSV: devices and their inspections, then staff training. */
export async function GET(req: Request, { params }: { params: Promise<{ storeId: string }> }) {
  const ctx = await consoleRequest(req);
  if (!ctx) return signInRequired();
  const { storeId } = await params;
  if (!uuid.safeParse(storeId).success) return notFoundResponse();
  try {
    const evidence = await storeEvidence(ctx.db, ctx.scope, storeId);
    return csvResponse(evidenceCsv(evidence), `pci-evidence-${evidence.store.name.replace(/[^\w-]+/g, "-")}-${evidence.today}.csv`);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return notFoundResponse();
    throw error;
  }
}
