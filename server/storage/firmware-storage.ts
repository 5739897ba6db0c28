import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "../errors";

/**
 * Where firmware images live. The filesystem store is the default; an S3-compatible store would
 * implement the same four methods.
 */
export interface FirmwareStorage {
  /** Streams an image in under a new key; nothing is kept when the stream fails or passes `maxBytes`. */
  put(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<{ key: string; sizeBytes: number; sha256: string }>;
  /** The stored bytes from `start` to `end`, both inclusive (the whole image without a range). */
  read(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array>;
  remove(key: string): Promise<void>;
}

export class ImageTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super("invalid", `The image may be at most ${maxBytes} bytes.`, { code: "payload_too_large", field: "image" });
  }
}

/** Images as files in one folder (under .data/ by default), written to a temporary name and renamed once complete. */
export function filesystemStorage(dir: string): FirmwareStorage {
  const fileOf = (key: string) => {
    if (!/^[0-9a-f-]{36}$/.test(key)) throw new Error(`Not a storage key: ${key}`);
    return path.join(dir, key);
  };
  return {
    async put(body, maxBytes) {
      await fs.promises.mkdir(dir, { recursive: true });
      const key = randomUUID();
      const partial = `${fileOf(key)}.partial`;
      const hash = createHash("sha256");
      let sizeBytes = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sizeBytes += chunk.length;
          if (sizeBytes > maxBytes) return done(new ImageTooLargeError(maxBytes));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), measure, fs.createWriteStream(partial));
        await fs.promises.rename(partial, fileOf(key));
      } catch (error) {
        await fs.promises.rm(partial, { force: true });
        throw error;
      }
      return { key, sizeBytes, sha256: hash.digest("hex") };
    },
    read(key, range) {
      return Readable.toWeb(fs.createReadStream(fileOf(key), range)) as ReadableStream<Uint8Array>;
    },
    async remove(key) {
      await fs.promises.rm(fileOf(key), { force: true });
    },
  };
}

let storage: FirmwareStorage | undefined;

/** The app's firmware store: FIRMWARE_STORAGE_DIR, or .data/firmware next to the embedded database. */
export function firmwareStorage(): FirmwareStorage {
  storage ??= filesystemStorage(path.resolve(/*turbopackIgnore: true*/ process.env.FIRMWARE_STORAGE_DIR ?? ".data/firmware"));
  return storage;
}

/** The largest image an upload may carry (FIRMWARE_MAX_MB, 512 MiB by default). */
export const maxImageBytes = () => Number(process.env.FIRMWARE_MAX_MB ?? 512) * 1024 * 1024;

/** Stores bytes already in memory (the demo seed's images) through the streaming interface. */
export function bytesStorer(storage: FirmwareStorage = firmwareStorage()) {
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
