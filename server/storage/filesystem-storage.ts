import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { checkedKey, measured, MissingObjectError, type ObjectStorage } from "./object-storage";

/** Objects as files in one folder, each written to a temporary name and renamed once complete. */
export function filesystemStorage(dir: string): ObjectStorage {
  const fileOf = (key: string) => path.join(dir, checkedKey(key));
  return {
    async put(body, maxBytes) {
      await fs.promises.mkdir(dir, { recursive: true });
      const key = randomUUID();
      const partial = `${fileOf(key)}.partial`;
      const { stream, stored } = measured(body, maxBytes);
      // Opened before the body flows: a write stream opens its file lazily, and a body that fails at
      // once would leave a file created after the clean-up below.
      const file = await fs.promises.open(partial, "w");
      try {
        await pipeline(Readable.fromWeb(stream as NodeReadableStream<Uint8Array>), file.createWriteStream());
        await fs.promises.rename(partial, fileOf(key));
      } catch (error) {
        await fs.promises.rm(partial, { force: true });
        throw error;
      }
      return stored(key);
    },
    async read(key, range) {
      const file = await fs.promises.open(fileOf(key)).catch((error: NodeJS.ErrnoException) => {
        throw error.code === "ENOENT" ? new MissingObjectError(key) : error;
      });
      return Readable.toWeb(file.createReadStream(range)) as ReadableStream<Uint8Array>;
    },
    async remove(key) {
      await fs.promises.rm(fileOf(key), { force: true });
    },
  };
}
