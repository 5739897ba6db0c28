import { csvResponse } from "@/server/csv";
import { uuid } from "@/server/schemas/common";
import { scopeForUser } from "@/server/scope";
import { AppError } from "@/server/errors";
import { evidenceCsv, storeEvidence } from "@/server/services/training";
import { createContext } from "@/server/trpc";

const notFoundResponse = () => Response.json({ error: { code: "not_found", message: "Store was not found." } }, { status: 404 });

/** A store's PCI DSS 9.5.1 evidence as CSV: devices and their inspections, then staff training. */
export async function GET(req: Request, { params }: { params: Promise<{ storeId: string }> }) {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
  const { storeId } = await params;
  if (!uuid.safeParse(storeId).success) return notFoundResponse();
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  try {
    const evidence = await storeEvidence(ctx.db, scope, storeId);
    return csvResponse(evidenceCsv(evidence), `pci-evidence-${evidence.store.name.replace(/[^\w-]+/g, "-")}-${evidence.today}.csv`);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return notFoundResponse();
    throw error;
  }
}
