import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { firmwareReleases, terminalModels } from "@/db/schema";
import { AppError } from "@/server/errors";
import { createRelease, uploadReleaseImage } from "@/server/services/firmware";
import { filesystemStorage } from "@/server/storage/filesystem-storage";
import { createTestDatabase, demoEmails } from "../helpers/db";
import { asFirmwareImage } from "../helpers/firmware-image";
import { sessionCookie } from "../helpers/sessions";
import { zipOf } from "../helpers/zip";

const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

type Route = (req: Request, segments: { params: Promise<Record<string, string>> }) => Promise<Response>;

let handle: DbHandle;
let storageDir: string;
let modelId: string;
const actor = { id: null, label: "test", ip: null };
const streamOf = (bytes: Uint8Array) => new Blob([new Uint8Array(bytes)]).stream();
const padding = (n: number) => new Uint8Array(n).map((_, i) => (i * 17) % 256);

beforeAll(async () => {
  handle = await createTestDatabase();
  testDb.handle = handle;
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-firmware-format-"));
  modelId = (await handle.db.select({ id: terminalModels.id }).from(terminalModels).limit(1))[0]!.id;
});
afterAll(async () => {
  await handle?.close();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

let versions = 0;
const draft = () => createRelease(handle.db, actor, { version: `80.0.${versions++}`, modelIds: [modelId], channel: "stable", notes: "", isRollback: false });

async function refusal(bytes: Uint8Array) {
  const release = await draft();
  const before = fs.readdirSync(storageDir);
  const error = await uploadReleaseImage(handle.db, actor, release.id, "upload.bin", streamOf(bytes), filesystemStorage(storageDir)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  // Refused means nothing kept: no image on the release, no bytes in the store.
  const [after] = await handle.db.select().from(firmwareReleases).where(eq(firmwareReleases.id, release.id));
  expect(after).toMatchObject({ storageKey: null, sizeBytes: null, sha256: null });
  expect(fs.readdirSync(storageDir)).toEqual(before);
  return error as AppError;
}

describe("firmware upload format check", () => {
  it("refuses a file that is too small, saying it was the size check", async () => {
    const error = await refusal(asFirmwareImage(padding(200)));
    expect(error).toMatchObject({ code: "invalid", reason: "firmwareImageTooSmall", field: "image", params: { sizeBytes: 200, minBytes: 1024 } });
    expect(error.message).toMatch(/^Size check failed: the file has 200 bytes/);
  });

  it("refuses a file of no known format, quoting its first bytes", async () => {
    const error = await refusal(new TextEncoder().encode(`Release notes for 2.4.0\n${"-".repeat(3000)}`));
    expect(error).toMatchObject({ reason: "firmwareImageUnknownFormat", field: "image", params: { found: "52 65 6C 65" } });
    expect(error.message).toMatch(/^Format check failed: the file begins with the bytes 52 65 6C 65/);
  });

  it("refuses a ZIP package without a manifest, saying it was the manifest check", async () => {
    const error = await refusal(zipOf({ "rootfs.img": padding(5000) }));
    expect(error).toMatchObject({ reason: "firmwarePackageNoManifest", field: "image" });
    expect(error.message).toMatch(/^Manifest check failed: .*manifest\.json/);
  });

  it("stores an image of a known format and a package with its manifest", async () => {
    for (const bytes of [asFirmwareImage(padding(300_000)), zipOf({ "manifest.json": '{"version":"80.1"}', "rootfs.img": padding(50_000) })]) {
      const release = await draft();
      const stored = await uploadReleaseImage(handle.db, actor, release.id, "good.bin", streamOf(bytes), filesystemStorage(storageDir));
      expect(stored.sizeBytes).toBe(bytes.length);
      const [after] = await handle.db.select().from(firmwareReleases).where(eq(firmwareReleases.id, release.id));
      expect(fs.readdirSync(storageDir)).toContain(after!.storageKey);
    }
  });

  it("answers the console's upload of a wrong file with 400 and the failed check", async () => {
    const release = await draft();
    const imageRoute = (await import("@/app/api/firmware/releases/[id]/image/route")) as unknown as Record<"PUT", Route>;
    const upload = await imageRoute.PUT(
      new Request(`http://localhost:3000/api/firmware/releases/${release.id}/image`, {
        method: "PUT",
        headers: { cookie: await sessionCookie(demoEmails.admin, "192.0.2.61"), origin: "http://localhost:3000", "x-file-name": "notes.txt", "content-type": "application/octet-stream" },
        body: streamOf(new TextEncoder().encode("x".repeat(4000))),
        duplex: "half",
      } as RequestInit),
      { params: Promise.resolve({ id: release.id }) },
    );
    expect(upload.status).toBe(400);
    const body = (await upload.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^Format check failed/);
    const [after] = await handle.db.select().from(firmwareReleases).where(eq(firmwareReleases.id, release.id));
    expect(after!.storageKey).toBeNull();
  });
});
