import { objectStorage } from "../storage";
import type { ObjectStorage } from "../storage/object-storage";
import { DeviceApiError } from "./http";

/** The byte range a Range header asks for (one range; several are served as the whole image). */
export function parseRange(header: string | null, size: number): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    // "-N": the last N bytes.
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== "" && Number(match[2]) < start) return null;
  }
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/** The image, whole (200) or the asked-for range (206), streamed from storage. */
export async function imageResponse(image: { storageKey: string; sizeBytes: number; sha256: string | null }, rangeHeader: string | null, storage: ObjectStorage = objectStorage()): Promise<Response> {
  const range = parseRange(rangeHeader, image.sizeBytes);
  if (range === "unsatisfiable") {
    throw new DeviceApiError(416, "range_not_satisfiable", `The image has ${image.sizeBytes} bytes.`, {}, { "Content-Range": `bytes */${image.sizeBytes}` });
  }
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, no-store",
    ...(image.sha256 ? { ETag: `"${image.sha256}"` } : {}),
  };
  if (!range) return new Response(await storage.read(image.storageKey), { status: 200, headers: { ...headers, "Content-Length": String(image.sizeBytes) } });
  return new Response(await storage.read(image.storageKey, range), {
    status: 206,
    headers: { ...headers, "Content-Length": String(range.end - range.start + 1), "Content-Range": `bytes ${range.start}-${range.end}/${image.sizeBytes}` },
  });
}
