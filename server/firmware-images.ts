import type { Db } from "@/db/client";
import { imageResponse } from "./device-api/image-response";
import { DeviceApiError, errorResponse } from "./device-api/http";
import { notFound } from "./errors";
import type { AuditActor } from "./services/audit";
import { getReleaseImage, uploadReleaseImage } from "./services/firmware";

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

/** A release's image for an admin's download (Range works as for terminals). */
export async function downloadFirmwareImage(db: Db, releaseId: string, req: Request): Promise<Response> {
  const image = await getReleaseImage(db, releaseId);
  if (!image) throw notFound("firmwareImage");
  try {
    const response = await imageResponse(image, req.headers.get("range"));
    response.headers.set("Content-Disposition", `attachment; filename="${image.fileName.replace(/[^\w.-]+/g, "_")}"`);
    return response;
  } catch (error) {
    if (error instanceof DeviceApiError) return errorResponse(error);
    throw error;
  }
}

/**
 * The upload of a draft's image, the raw request body: it streams to storage (never held in memory)
 * and the server computes its size and sha256.
 */
export async function uploadFirmwareImage(db: Db, actor: AuditActor, releaseId: string, req: Request): Promise<Response> {
  if (!req.body) return Response.json({ error: { code: "invalid_request", message: "The request has no image." } }, { status: 400 });
  const fileName = fileNameOf(req.headers.get("x-file-name")) ?? "firmware.bin";
  return Response.json(await uploadReleaseImage(db, actor, releaseId, fileName, req.body));
}
