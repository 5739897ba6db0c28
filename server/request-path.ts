import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Whether the path's percent-escapes decode (as UTF-8). Next decodes dynamic segments and answers
 * 500 for one that does not, e.g. /terminals/%E0%A4%A.
 */
export function pathDecodes(url: string): boolean {
  try {
    decodeURIComponent(url.split("?")[0]!);
    return true;
  } catch {
    return false;
  }
}

/** Answers 400 for a path that does not decode, before any lane sees it; returns whether it did. */
export function refuseUndecodablePath(req: IncomingMessage, res: ServerResponse): boolean {
  if (pathDecodes(req.url ?? "/")) return false;
  res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "invalid_request", message: "The address is malformed: a %-escape in its path does not decode." } }));
  return true;
}
