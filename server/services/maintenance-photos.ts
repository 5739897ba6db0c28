// Photos a technician takes on a work order (the seals of a tamper inspection), kept in the object
// store the firmware images use and served only to those who may see the work order.
import { and, count, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { workOrderPhotos, workOrders } from "@/db/schema";
import { AppError, notFound } from "../errors";
import { scopeIncludes, type Scope } from "../scope";
import { objectStorage } from "../storage";
import type { ObjectStorage } from "../storage/object-storage";
import { recordAudit } from "./audit";
import { assertNotClosed, lockWorkOrder, type Worker } from "./maintenance";

/** A phone camera's photo is a few MiB; more than this is not a photo of seals. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Enough for every side of a terminal; a work order is not a photo album. */
export const MAX_PHOTOS_PER_WORK_ORDER = 10;

export const photoTypes = ["image/jpeg", "image/png", "image/webp"] as const;
export type PhotoType = (typeof photoTypes)[number];

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) => bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image's type by its first bytes (the browser's Content-Type and the file name can say anything); null when it is none we keep. */
export function photoTypeOf(bytes: Uint8Array): PhotoType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** Stores a photo on a work order that is still open; `bytes` is null when the upload was larger than MAX_PHOTO_BYTES. */
export async function addWorkOrderPhoto(db: Db, worker: Worker, workOrderId: string, bytes: Uint8Array | null, storage: ObjectStorage = objectStorage(), now: Date = new Date()) {
  // The work order first: a caller outside its scope learns nothing, not even that the photo was too big.
  const [order] = await db.select({ merchantId: workOrders.merchantId, status: workOrders.status }).from(workOrders).where(eq(workOrders.id, workOrderId));
  if (!order || !scopeIncludes(worker.scope, order.merchantId)) throw notFound("workOrder");
  assertNotClosed(order);
  if (bytes === null) throw new AppError("invalid", "photoTooLarge", { maxMb: MAX_PHOTO_BYTES / 1024 / 1024 }, { field: "photo", details: { code: "payload_too_large" } });
  if (bytes.byteLength === 0) throw new AppError("invalid", "photoEmpty", {}, { field: "photo" });
  const contentType = photoTypeOf(bytes);
  if (!contentType) throw new AppError("invalid", "photoNotAnImage", {}, { field: "photo" });
  const stored = await storage.put(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    }),
    MAX_PHOTO_BYTES,
  );
  try {
    return await db.transaction(async (tx) => {
      const locked = await lockWorkOrder(tx, worker.scope, workOrderId);
      assertNotClosed(locked);
      const [{ n }] = (await tx.select({ n: count() }).from(workOrderPhotos).where(eq(workOrderPhotos.workOrderId, workOrderId))) as [{ n: number }];
      if (n >= MAX_PHOTOS_PER_WORK_ORDER) throw new AppError("conflict", "photoLimitReached", { max: MAX_PHOTOS_PER_WORK_ORDER }, { field: "photo" });
      const [photo] = await tx
        .insert(workOrderPhotos)
        .values({
          workOrderId,
          storageKey: stored.key,
          contentType,
          sizeBytes: stored.sizeBytes,
          sha256: stored.sha256,
          uploadedBy: worker.userId,
          uploadedByLabel: worker.actor.label,
          createdAt: now,
        })
        .returning({ id: workOrderPhotos.id, sizeBytes: workOrderPhotos.sizeBytes, createdAt: workOrderPhotos.createdAt });
      await recordAudit(tx, worker.actor, {
        action: "work_order.photo_added",
        entityType: "work_order",
        entityId: workOrderId,
        merchantId: locked.merchantId,
        changes: { photo: photo!.id, contentType, sizeBytes: stored.sizeBytes, sha256: stored.sha256 },
      });
      return photo!;
    });
  } catch (error) {
    // Nothing refers to the object: it must not stay in the store.
    await storage.remove(stored.key);
    throw error;
  }
}

/** A photo of a work order the caller may see, as a response; another work order's photo, or one outside the scope, is not found. */
export async function workOrderPhotoResponse(db: Db, scope: Scope, workOrderId: string, photoId: string, storage: ObjectStorage = objectStorage()): Promise<Response> {
  const [photo] = await db
    .select({
      storageKey: workOrderPhotos.storageKey,
      contentType: workOrderPhotos.contentType,
      sizeBytes: workOrderPhotos.sizeBytes,
      sha256: workOrderPhotos.sha256,
      merchantId: workOrders.merchantId,
    })
    .from(workOrderPhotos)
    .innerJoin(workOrders, eq(workOrders.id, workOrderPhotos.workOrderId))
    .where(and(eq(workOrderPhotos.id, photoId), eq(workOrderPhotos.workOrderId, workOrderId)));
  if (!photo || !scopeIncludes(scope, photo.merchantId)) throw notFound("photo");
  return new Response(await storage.read(photo.storageKey), {
    headers: {
      "Content-Type": photo.contentType,
      "Content-Length": String(photo.sizeBytes),
      // Only the stored types are ever served, and never sniffed into something a browser would run.
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, max-age=3600, immutable",
      ETag: `"${photo.sha256}"`,
    },
  });
}
