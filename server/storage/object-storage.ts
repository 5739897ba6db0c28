import { createHash } from "node:crypto";
import { AppError } from "../errors";

/**
 * Where firmware images and uploaded terminal logs live: a folder (filesystem-storage.ts) or an
 * S3-compatible bucket (s3-storage.ts), which several app instances share without a shared folder.
 */
export interface ObjectStorage {
  /** Streams bytes in under a new key; nothing is kept when the stream fails or passes `maxBytes`. */
  put(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<StoredObject>;
  /**
   * The stored bytes from `start` to `end`, both inclusive (all of them without a range). A key
   * that holds nothing is a MissingObjectError here, before any byte is streamed.
   */
  read(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>>;
  /** Removing a key that holds nothing is no error. */
  remove(key: string): Promise<void>;
}

export type StoredObject = { key: string; sizeBytes: number; sha256: string };
export type ByteRange = { start: number; end: number };

export class TooLargeError extends AppError {
  constructor(maxBytes: number) {
    super("invalid", "uploadTooLarge", { maxBytes }, { details: { code: "payload_too_large" } });
  }
}

export class MissingObjectError extends Error {
  constructor(key: string) {
    super(`The storage holds no object under the key ${key}.`);
  }
}

/** Keys are the UUIDs that put() makes; anything else is refused before it names a path or another object. */
export function checkedKey(key: string): string {
  if (!/^[0-9a-f-]{36}$/.test(key)) throw new Error(`Not a storage key: ${key}`);
  return key;
}

/**
 * The body as it passes through, counted and hashed; once it passes `maxBytes` the stream fails,
 * which makes the store's writer give up on what it wrote so far. `failure` is why the body failed,
 * if it did: a writer may report a later failure of its own cleanup instead.
 */
export function measured(body: ReadableStream<Uint8Array>, maxBytes: number) {
  const hash = createHash("sha256");
  const reader = body.getReader();
  let sizeBytes = 0;
  let failure: unknown;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        sizeBytes += value.byteLength;
        if (sizeBytes > maxBytes) throw new TooLargeError(maxBytes);
        hash.update(value);
        controller.enqueue(value);
      } catch (error) {
        failure = error;
        controller.error(error);
        // Stops the upload's sender; a body that failed by itself has nothing left to cancel.
        await reader.cancel(error).catch(() => undefined);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream, failure: () => failure, stored: (key: string): StoredObject => ({ key, sizeBytes, sha256: hash.digest("hex") }) };
}
