/**
 * A request's body, or null when it is larger than `maxBytes`, whatever Content-Length claims:
 * reading stops one chunk past the limit, so an oversize body is never held in memory.
 */
export async function readBodyWithin(req: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}
