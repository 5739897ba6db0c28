import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, objectStorageSettings } from "@/server/env";
import { filesystemStorage } from "@/server/storage/filesystem-storage";
import { MissingObjectError, TooLargeError, type ObjectStorage } from "@/server/storage/object-storage";
import { s3Storage } from "@/server/storage/s3-storage";
import { startS3Server } from "../helpers/s3-server";

// Over one 5 MiB part, so the S3 store uploads it in several parts.
const image = Buffer.alloc(6 * 1024 * 1024 + 123);
for (let i = 0; i < image.length; i++) image[i] = (i * 31) % 251;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
// Compared by length and digest: a deep comparison of megabytes takes the test runner minutes.
const summary = (bytes: Uint8Array) => ({ length: bytes.length, sha256: sha256(bytes) });

/** The bytes in chunks, as an upload arrives; `failAfter` bytes in, the stream breaks as a dropped connection would. */
const streamOf = (bytes: Buffer, failAfter?: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 65_536) {
        if (failAfter !== undefined && i >= failAfter) return controller.error(new Error("connection reset"));
        controller.enqueue(new Uint8Array(bytes.subarray(i, i + 65_536)));
      }
      controller.close();
    },
  });

const bytesOf = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());

interface StoreUnderTest {
  store: ObjectStorage;
  /** What the folder or bucket holds, by name. */
  held(): Promise<string[]>;
  /** The name under which a key is held. */
  nameOf(key: string): string;
  close(): Promise<void>;
}

const stores: Record<string, () => Promise<StoreUnderTest>> = {
  filesystem: async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "posfleet-objects-"));
    return {
      store: filesystemStorage(dir),
      held: async () => (await fs.promises.readdir(dir)).sort(),
      nameOf: (key) => key,
      close: () => fs.promises.rm(dir, { recursive: true, force: true }),
    };
  },
  s3: async () => {
    const server = await startS3Server();
    return { store: s3Storage({ ...server.options, prefix: "fleet/" }), held: server.keys, nameOf: (key) => `fleet/${key}`, close: server.close };
  },
};

describe.each(Object.keys(stores))("the %s object store", (kind) => {
  let subject: StoreUnderTest;
  beforeAll(async () => {
    subject = await stores[kind]!();
  });
  afterAll(() => subject?.close());

  it("streams an object in, with its size and sha256, and reads it whole and by ranges", async () => {
    const { store, held, nameOf } = subject;
    const stored = await store.put(streamOf(image), image.length);
    expect(stored).toEqual({ key: expect.stringMatching(/^[0-9a-f-]{36}$/), sizeBytes: image.length, sha256: sha256(image) });
    expect(await held()).toEqual([nameOf(stored.key)]);

    expect(summary(await bytesOf(await store.read(stored.key)))).toEqual(summary(image));
    const last = image.length - 1;
    for (const range of [
      { start: 0, end: 0 },
      { start: 1_000_000, end: 5_300_000 },
      { start: last, end: last },
      { start: 5_000_000, end: last },
    ]) {
      expect(summary(await bytesOf(await store.read(stored.key, range))), `${range.start}-${range.end}`).toEqual(summary(image.subarray(range.start, range.end + 1)));
    }

    await store.remove(stored.key);
    expect(await held()).toEqual([]);
    await expect(store.read(stored.key)).rejects.toThrow(MissingObjectError);
    // Removing again is no error.
    await store.remove(stored.key);
  });

  it("stores an empty body as 0 bytes", async () => {
    const stored = await subject.store.put(streamOf(Buffer.alloc(0)), 10);
    expect(stored).toMatchObject({ sizeBytes: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await bytesOf(await subject.store.read(stored.key))).toEqual(Buffer.alloc(0));
    await subject.store.remove(stored.key);
  });

  it("keeps nothing of a body that passes maxBytes or breaks off", async () => {
    const { store, held } = subject;
    // Past the limit within the first part, and after a whole part has gone up.
    await expect(store.put(streamOf(image.subarray(0, 2000)), 1999)).rejects.toThrow(TooLargeError);
    await expect(store.put(streamOf(image), image.length - 1)).rejects.toThrow(TooLargeError);
    await expect(store.put(streamOf(image, 5_500_000), image.length)).rejects.toThrow("connection reset");
    expect(await held()).toEqual([]);
  });

  it("says clearly when a key holds nothing, and refuses what is no key", async () => {
    await expect(subject.store.read("0b0e7a1c-5f4e-4e8e-9d43-5c1f0b6f2a11", { start: 0, end: 9 })).rejects.toThrow(MissingObjectError);
    await expect(subject.store.read("../../etc/passwd")).rejects.toThrow("Not a storage key");
  });
});

describe("the object storage settings", () => {
  it("keep a folder by default and a bucket with STORAGE=s3", () => {
    expect(objectStorageSettings({})).toEqual({ storage: "filesystem", dir: ".data/firmware" });
    expect(objectStorageSettings({ STORAGE: "s3", S3_BUCKET: "images" })).toEqual({
      storage: "s3",
      bucket: "images",
      region: "us-east-1",
      endpoint: undefined,
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: undefined,
      prefix: "",
    });
    const minio = { STORAGE: "s3", S3_BUCKET: "images", S3_ENDPOINT: "http://minio:9000", S3_ACCESS_KEY_ID: "id", S3_SECRET_ACCESS_KEY: "secret", S3_PREFIX: "posfleet" };
    expect(objectStorageSettings(minio)).toMatchObject({ endpoint: "http://minio:9000", accessKeyId: "id", secretAccessKey: "secret", prefix: "posfleet/" });
    expect(objectStorageSettings({ ...minio, S3_FORCE_PATH_STYLE: "0" })).toMatchObject({ forcePathStyle: false });
  });

  it("refuse a combination that would not work", () => {
    const refusal = (env: Record<string, string>) => {
      try {
        objectStorageSettings(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refusal({ STORAGE: "s3" })).toMatch(/needs S3_BUCKET/);
    expect(refusal({ S3_BUCKET: "images" })).toMatch(/set STORAGE=s3/);
    expect(refusal({ STORAGE: "s3", S3_BUCKET: "images", S3_ACCESS_KEY_ID: "id" })).toMatch(/go together/);
    expect(refusal({ STORAGE: "minio" })).toMatch(/^STORAGE must be/);
    expect(refusal({ STORAGE: "s3", S3_BUCKET: "images", S3_ENDPOINT: "minio:9000" })).toMatch(/^S3_ENDPOINT must be/);
  });
});
