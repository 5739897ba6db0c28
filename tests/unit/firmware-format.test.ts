import { describe, expect, it } from "vitest";
import { imageMagics, inspected, MIN_IMAGE_BYTES, TAIL_BYTES, type ImageCheck } from "@/server/services/firmware-format";
import { asFirmwareImage } from "../helpers/firmware-image";
import { zipOf } from "../helpers/zip";

/** The verdict on bytes as the upload reaches it: streamed in chunks of `chunk` bytes. */
async function verdict(bytes: Uint8Array, chunk = 64 * 1024): Promise<ImageCheck> {
  const upload = inspected(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
        controller.close();
      },
    }),
  );
  // The bytes pass through unchanged.
  const received = Buffer.from(await new Response(upload.stream).arrayBuffer());
  expect(received.equals(bytes)).toBe(true);
  return upload.check();
}

const padding = (n: number) => new Uint8Array(n).map((_, i) => (i * 13) % 256);

describe("firmware image format check", () => {
  it("accepts an image of each known format by its magic number", async () => {
    for (const { format, magic } of imageMagics) {
      const bytes = padding(4096);
      bytes.set(magic, 0);
      expect(await verdict(bytes, 1000)).toEqual({ ok: true, format });
    }
    // The helper the other tests make images with writes its magic number out; it must stay one the upload accepts.
    expect(await verdict(asFirmwareImage(padding(4096)))).toEqual({ ok: true, format: "ELF" });
  });

  it("refuses a file below the minimum size, whatever it starts with", async () => {
    expect(await verdict(asFirmwareImage(padding(MIN_IMAGE_BYTES - 1)))).toEqual({ ok: false, check: "size", sizeBytes: MIN_IMAGE_BYTES - 1, minBytes: MIN_IMAGE_BYTES });
    expect(await verdict(new Uint8Array(0))).toMatchObject({ ok: false, check: "size", sizeBytes: 0 });
  });

  it("refuses a file of no known format and says what it starts with", async () => {
    const html = new TextEncoder().encode(`<!DOCTYPE html>${" ".repeat(2000)}`);
    expect(await verdict(html)).toEqual({ ok: false, check: "magic", found: "3C 21 44 4F" });
  });

  it("accepts a ZIP package by its manifest, found in the central directory at the end", async () => {
    expect(await verdict(zipOf({ "rootfs.img": padding(5000), "manifest.json": '{"version":"2.4.0"}' }))).toEqual({ ok: true, format: "ZIP package" });
    expect(await verdict(zipOf({ "META-INF/com/android/metadata": "ota-type=AB", "payload.bin": padding(3000) }, { comment: "signed by the vendor" }))).toMatchObject({ ok: true });
    expect(await verdict(zipOf({ "AndroidManifest.xml": padding(2000) }))).toMatchObject({ ok: true });
  });

  it("reads the directory of a package larger than the tail it keeps, streamed in small chunks", async () => {
    const large = zipOf({ "system.img": padding(TAIL_BYTES * 2 + 12345), "MANIFEST.JSON": "{}" });
    expect(await verdict(large, 4093)).toEqual({ ok: true, format: "ZIP package" });
  });

  it("refuses a ZIP package without a manifest, and one cut short", async () => {
    expect(await verdict(zipOf({ "readme.txt": padding(2000) }))).toEqual({ ok: false, check: "package", problem: "no_manifest" });
    const whole = zipOf({ "manifest.json": "{}", "rootfs.img": padding(4000) });
    expect(await verdict(whole.subarray(0, whole.length - 30))).toEqual({ ok: false, check: "package", problem: "unreadable" });
  });
});
