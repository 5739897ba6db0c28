import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@/db/client";
import { logger } from "../logger";
import { DEVICE_API_PREFIX, findDeviceRoute } from "./endpoints";
import { isTransientDatabaseError } from "../errors";
import { databaseUnavailable, MAX_BODY_BYTES, methodNotAllowed, noSuchEndpoint } from "./http";

type Serve = (db: Db, req: Request) => Promise<Response>;

/** How the lane answers a request: through an endpoint, with 404/405 in the contract's shape, or not at all. */
function deviceRouteOf(req: IncomingMessage): Serve | undefined {
  const path = req.url?.split("?")[0] ?? "";
  if (!path.startsWith(`${DEVICE_API_PREFIX}/`)) return undefined;
  const found = findDeviceRoute(req.method ?? "", path.slice(DEVICE_API_PREFIX.length));
  if ("route" in found) return (db, request) => found.route.serve(db, request, found.params);
  return async () => (found.allowed.length ? methodNotAllowed(found.allowed) : noSuchEndpoint());
}

/** Reads the body, stopping one byte past the limit: the endpoint then answers 413 whatever was declared. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_BODY_BYTES) {
        req.pause();
        resolve(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES + 1));
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Serves a device API request straight from node:http through the same endpoint code as the route
 * handlers, without Next's per-request work (about 1 ms of CPU, the heartbeat path's main cost).
 */
async function serveDeviceNode(db: Db, req: IncomingMessage, res: ServerResponse, serve: Serve) {
  try {
    const declared = Number(req.headers["content-length"] ?? 0);
    const body = declared > MAX_BODY_BYTES ? Buffer.alloc(0) : await readBody(req);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    // A fixed origin: the endpoints never read the host, and a malformed Host header must not fail the request.
    const request = new Request(new URL(req.url ?? "/", "http://device-api.local"), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body),
    });
    const response = await serve(db, request);
    const complete = req.readableEnded;
    if (response.headers.has("content-length") && response.body) {
      // A firmware image: streamed, never held in memory.
      res.writeHead(response.status, Object.fromEntries(response.headers));
      await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), res);
      return;
    }
    const payload = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), "content-length": payload.length, ...(complete ? {} : { connection: "close" }) });
    res.end(payload);
    // An oversize body was not read to the end; the connection cannot be reused.
    if (!complete) req.destroy();
  } catch (error) {
    if (isTransientDatabaseError(error)) return sendUnavailable(res);
    logger.error({ err: error }, "device API request failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal_error", message: "The server could not handle the request." } }));
  }
}

/** The contract's 503 for a database out of reach, as handleDeviceRequest answers it. */
function sendUnavailable(res: ServerResponse) {
  if (res.headersSent) return void res.destroy();
  const response = databaseUnavailable();
  void response.text().then((body) => res.writeHead(response.status, Object.fromEntries(response.headers)).end(body));
}

/**
 * A node:http handler for the device API's endpoints; returns false for any other request, which
 * the caller hands to Next. The caller stamps the client address first (stampClientAddress).
 */
export function deviceApiLane(getDb: () => Promise<Db>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const serve = deviceRouteOf(req);
    if (!serve) return false;
    void getDb().then(
      (db) => serveDeviceNode(db, req, res, serve),
      (error: unknown) => {
        logger.error({ err: error }, "device API request failed: no database");
        sendUnavailable(res);
      },
    );
    return true;
  };
}
