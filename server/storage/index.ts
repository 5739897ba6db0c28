import path from "node:path";
import { objectStorageSettings, setting } from "../env";
import { filesystemStorage } from "./filesystem-storage";
import type { ObjectStorage } from "./object-storage";
import { s3Storage } from "./s3-storage";

let storage: ObjectStorage | undefined;

/** The app's store, as STORAGE says: FIRMWARE_STORAGE_DIR (.data/firmware by default), or the S3_* bucket. */
export function objectStorage(): ObjectStorage {
  if (!storage) {
    const settings = objectStorageSettings();
    storage = settings.storage === "s3" ? s3Storage(settings) : filesystemStorage(path.resolve(/*turbopackIgnore: true*/ settings.dir));
  }
  return storage;
}

/** The largest image an upload may carry (FIRMWARE_MAX_MB, 512 MiB by default). */
export const maxImageBytes = () => setting("FIRMWARE_MAX_MB") * 1024 * 1024;

/** Stores bytes already in memory (the demo seed's images) through the streaming interface. */
export function bytesStorer(storage: ObjectStorage = objectStorage()) {
  return (bytes: Uint8Array) =>
    storage.put(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      }),
      maxImageBytes(),
    );
}
