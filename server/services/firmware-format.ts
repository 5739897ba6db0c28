/**
 * What an uploaded firmware file must be: at least MIN_IMAGE_BYTES long, and either an image whose
 * first bytes are the magic number of a format terminals boot or flash, or a ZIP package that
 * carries a manifest. The checks read the upload's first and last bytes as it streams to storage,
 * so an image of hundreds of megabytes is never held in memory.
 */
import { AppError } from "../errors";

/** Smaller than any real firmware image: such a file is a mistake (a text file, a truncated download). */
export const MIN_IMAGE_BYTES = 1024;

/** Image formats known by the magic number at their start. */
export const imageMagics: readonly { format: string; magic: readonly number[] }[] = [
  { format: "ELF", magic: [0x7f, 0x45, 0x4c, 0x46] },
  { format: "Android boot image", magic: [...Buffer.from("ANDROID!")] },
  { format: "Android sparse image", magic: [0x3a, 0xff, 0x26, 0xed] },
  { format: "U-Boot image", magic: [0x27, 0x05, 0x19, 0x56] },
  { format: "FIT / device tree", magic: [0xd0, 0x0d, 0xfe, 0xed] },
  { format: "UBI image", magic: [...Buffer.from("UBI#")] },
  { format: "SquashFS", magic: [...Buffer.from("hsqs")] },
];

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/**
 * A package's manifest, any one of them: our own, an Android OTA package's metadata, an Android app's.
 * Names are compared without case, as the tools that write them differ.
 */
export const packageManifests = ["manifest.json", "META-INF/com/android/metadata", "AndroidManifest.xml"] as const;

/** How much of the start and the end of the upload the checks read. */
export const HEAD_BYTES = 16;
// The end of a ZIP file: its central directory (a few hundred bytes per entry) and the closing record.
export const TAIL_BYTES = 1024 * 1024;

export type ImageCheck =
  | { ok: true; format: string }
  | { ok: false; check: "size"; sizeBytes: number; minBytes: number }
  | { ok: false; check: "magic"; found: string }
  | { ok: false; check: "package"; problem: "no_manifest" | "unreadable" };

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");

/** The verdict on an upload of `sizeBytes` bytes, from its first bytes (`head`) and its last (`tail`). */
export function checkFirmwareImage(head: Uint8Array, tail: Uint8Array, sizeBytes: number): ImageCheck {
  if (sizeBytes < MIN_IMAGE_BYTES) return { ok: false, check: "size", sizeBytes, minBytes: MIN_IMAGE_BYTES };
  if (startsWith(head, ZIP_MAGIC)) {
    const names = zipEntryNames(tail, sizeBytes);
    if (!names) return { ok: false, check: "package", problem: "unreadable" };
    const manifests = new Set(packageManifests.map((m) => m.toLowerCase()));
    return names.some((name) => manifests.has(name.toLowerCase())) ? { ok: true, format: "ZIP package" } : { ok: false, check: "package", problem: "no_manifest" };
  }
  const known = imageMagics.find(({ magic }) => startsWith(head, magic));
  return known ? { ok: true, format: known.format } : { ok: false, check: "magic", found: hex(head.subarray(0, 4)) };
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;

/**
 * The names in a ZIP file's central directory, read from the file's last bytes; null when the
 * directory is not there (a cut-short file, or not a ZIP file after all) or does not fit in `tail`.
 */
export function zipEntryNames(tail: Uint8Array, sizeBytes: number): string[] | null {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  // Where the tail starts in the file: ZIP offsets count from the file's start.
  const tailStart = sizeBytes - tail.byteLength;
  // The closing record is 22 bytes plus a comment of up to 65,535.
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= Math.max(0, tail.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD && i + 22 + view.getUint16(i + 20, true) === tail.byteLength) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let entries = view.getUint16(eocd + 10, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (directoryOffset === 0xffffffff || entries === 0xffff) {
    // ZIP64: the real counts are in a record the locator before the closing record points to.
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) return null;
    const record = Number(view.getBigUint64(locator + 8, true)) - tailStart;
    if (record < 0 || record + 56 > tail.byteLength || view.getUint32(record, true) !== ZIP64_EOCD) return null;
    entries = Number(view.getBigUint64(record + 32, true));
    directoryOffset = Number(view.getBigUint64(record + 48, true));
  }
  const names: string[] = [];
  const decoder = new TextDecoder();
  for (let at = directoryOffset - tailStart, n = 0; n < entries; n++) {
    if (at < 0 || at + 46 > tail.byteLength || view.getUint32(at, true) !== CENTRAL_ENTRY) return null;
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > tail.byteLength) return null;
    names.push(decoder.decode(tail.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/**
 * The body as it passes through, keeping its first HEAD_BYTES and last TAIL_BYTES for
 * checkFirmwareImage once the stream has ended.
 */
export function inspected(body: ReadableStream<Uint8Array>) {
  const head = new Uint8Array(HEAD_BYTES);
  let headLength = 0;
  let tailChunks: Uint8Array[] = [];
  let tailLength = 0;
  let sizeBytes = 0;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sizeBytes += chunk.byteLength;
        if (headLength < HEAD_BYTES) {
          const part = chunk.subarray(0, HEAD_BYTES - headLength);
          head.set(part, headLength);
          headLength += part.byteLength;
        }
        // A copy: the sender may reuse its chunk's memory once it has been passed on.
        tailChunks.push(chunk.slice(Math.max(0, chunk.byteLength - TAIL_BYTES)));
        tailLength += Math.min(chunk.byteLength, TAIL_BYTES);
        while (tailLength - tailChunks[0]!.byteLength >= TAIL_BYTES) tailLength -= tailChunks.shift()!.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  return {
    stream,
    check(): ImageCheck {
      const joined = new Uint8Array(tailLength);
      let at = 0;
      for (const chunk of tailChunks) {
        joined.set(chunk, at);
        at += chunk.byteLength;
      }
      tailChunks = [];
      const tail = joined.subarray(Math.max(0, tailLength - TAIL_BYTES));
      return checkFirmwareImage(head.subarray(0, headLength), tail, sizeBytes);
    },
  };
}

/** The refusal of an upload that failed a check, saying which check and what it found. */
export function imageRefusal(check: Exclude<ImageCheck, { ok: true }>): AppError {
  const options = { field: "image" };
  switch (check.check) {
    case "size":
      return new AppError("invalid", "firmwareImageTooSmall", { sizeBytes: check.sizeBytes, minBytes: check.minBytes }, options);
    case "magic":
      return new AppError("invalid", "firmwareImageUnknownFormat", { found: check.found, formats: [...imageMagics.map((m) => m.format), "ZIP package"].join(", ") }, options);
    case "package":
      return check.problem === "no_manifest"
        ? new AppError("invalid", "firmwarePackageNoManifest", { manifests: packageManifests.join(", ") }, options)
        : new AppError("invalid", "firmwarePackageUnreadable", {}, options);
  }
}
