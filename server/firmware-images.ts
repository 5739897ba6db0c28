import { imageResponse } from "./device-api/image-response";
import { DeviceApiError, errorResponse } from "./device-api/http";
import { AppError } from "./errors";
import { uuid } from "./schemas/common";
import { getReleaseImage, uploadReleaseImage } from "./services/firmware";
import { createContext } from "./trpc";

const problem = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });
const statusOf = { not_found: 404, conflict: 409, invalid: 400, forbidden: 403, rate_limited: 429 } as const;

/** The browser sends the file name percent-encoded; a name that does not decode is kept as sent. */
function fileNameOf(header: string | null): string | null {
  if (!header) return null;
  let name = header;
  try {
    name = decodeURIComponent(header);
  } catch {
    // Not percent-encoding after all.
  }
  return name.trim().slice(0, 200) || null;
}

/** An admin downloads a release's image (Range works as for terminals). */
export async function downloadFirmwareImage(req: Request, releaseId: string): Promise<Response> {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return problem(401, "unauthorized", "Please sign in.");
  if (ctx.viewer.role !== "admin") return problem(403, "forbidden", "Only admins download firmware here.");
  if (!uuid.safeParse(releaseId).success) return problem(404, "not_found", "Firmware release was not found.");
  const image = await getReleaseImage(ctx.db, releaseId);
  if (!image) return problem(404, "not_found", "This release has no image.");
  try {
    const response = imageResponse(image, req.headers.get("range"));
    response.headers.set("Content-Disposition", `attachment; filename="${image.fileName.replace(/[^\w.-]+/g, "_")}"`);
    return response;
  } catch (error) {
    if (error instanceof DeviceApiError) return errorResponse(error);
    throw error;
  }
}

/**
 * The upload of a draft's image, for an admin's session: the body streams to storage (never held
 * in memory) and the server computes its size and sha256.
 */
export async function uploadFirmwareImage(req: Request, releaseId: string): Promise<Response> {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return problem(401, "unauthorized", "Please sign in.");
  if (ctx.viewer.role !== "admin") return problem(403, "forbidden", "Only admins upload firmware.");
  if (!uuid.safeParse(releaseId).success) return problem(404, "not_found", "Firmware release was not found.");
  if (!req.body) return problem(400, "invalid_request", "The request has no image.");
  const fileName = fileNameOf(req.headers.get("x-file-name")) ?? "firmware.bin";
  try {
    const stored = await uploadReleaseImage(ctx.db, { id: ctx.viewer.id, label: ctx.viewer.email, ip: ctx.ip }, releaseId, fileName, req.body);
    return Response.json(stored);
  } catch (error) {
    if (error instanceof AppError) {
      const status = error.details?.code === "payload_too_large" ? 413 : statusOf[error.code];
      return problem(status, typeof error.details?.code === "string" ? error.details.code : error.code, error.message);
    }
    throw error;
  }
}
