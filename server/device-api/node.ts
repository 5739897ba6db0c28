import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@/db/client";
import { logger } from "../logger";
import { noteRequestTerminal } from "../request-log";
import type { AuthenticatedDevice } from "../services/device-tokens";
import { DEVICE_API_PREFIX, findDeviceRoute } from "./endpoints";
import { isTransientDatabaseError } from "../errors";
import { databaseUnavailableAnswer, JsonAnswer, MAX_BODY_BYTES, methodNotAllowed, noSuchEndpoint, type DeviceAnswer, type DeviceRequest } from "./http";

type Answer = (db: Db, req: DeviceRequest) => Promise<DeviceAnswer>;
/** How to answer, and whether the endpoint streams the body itself (an upload) rather than having it read first. */
type LaneRoute = { answer: Answer; streamsBody: boolean };

/** How the lane answers a request: through an endpoint, with 404/405 in the contract's shape, or not at all. */
function deviceRouteOf(req: IncomingMessage): LaneRoute | undefined {
  const path = req.url?.split("?")[0] ?? "";
  if (!path.startsWith(`${DEVICE_API_PREFIX}/`)) return undefined;
  const found = findDeviceRoute(req.method ?? "", path.slice(DEVICE_API_PREFIX.length));
  if ("route" in found) return { answer: (db, request) => found.route.answer(db, request, found.params), streamsBody: found.route.streamsBody };
  return { answer: async () => (found.allowed.length ? methodNotAllowed(found.allowed) : noSuchEndpoint()), streamsBody: false };
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
    // A heartbeat's body is one chunk: no copy then.
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const joined = (value: string | string[]) => (Array.isArray(value) ? value.join(", ") : value);

/**
 * A node:http request as the endpoints read it: no Request, Headers or body stream unless an
 * endpoint asks for Headers, or streams an upload (then `raw` is empty: the body was not read).
 */
class NodeDeviceRequest implements DeviceRequest {
  private all?: Headers;

  constructor(
    private readonly req: IncomingMessage,
    private readonly raw: Buffer,
  ) {}

  header(name: string): string | null {
    const value = this.req.headers[name];
    return value === undefined ? null : joined(value);
  }

  get headers(): Headers {
    if (!this.all) {
      this.all = new Headers();
      for (const [name, value] of Object.entries(this.req.headers)) if (value !== undefined) this.all.set(name, joined(value));
    }
    return this.all;
  }

  body(): Promise<Uint8Array | null> {
    return Promise.resolve(this.raw.length > MAX_BODY_BYTES ? null : this.raw);
  }

  stream(): ReadableStream<Uint8Array> {
    return Readable.toWeb(this.req) as ReadableStream<Uint8Array>;
  }

  noteTerminal(device: AuthenticatedDevice): void {
    noteRequestTerminal(device, this.req);
  }
}

const EMPTY = Buffer.alloc(0);

/** Writes a JSON answer in one write (headers and body together); `close` when the request was not read to its end. */
function sendJson(res: ServerResponse, answer: JsonAnswer, close: boolean) {
  const payload = JSON.stringify(answer.body) as string | undefined;
  // As Response.json would refuse it.
  if (payload === undefined) throw new TypeError("The answer is not JSON-serializable.");
  res.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...answer.headers, ...(close ? { connection: "close" } : {}) });
  res.end(payload);
}

/**
 * Serves a device API request straight from node:http through the same endpoint code as the route
 * handlers, without Next's per-request work (about 1 ms of CPU, the heartbeat path's main cost)
 * and without the Fetch API's Request and Response, whose body streams cost a heartbeat more CPU
 * than its JSON: a JSON answer is written directly.
 */
async function serveDeviceNode(db: Db, req: IncomingMessage, res: ServerResponse, route: LaneRoute) {
  try {
    const declared = Number(req.headers["content-length"] ?? 0);
    const body = route.streamsBody || declared > MAX_BODY_BYTES ? EMPTY : await readBody(req);
    const answer = await route.answer(db, new NodeDeviceRequest(req, body));
    const complete = req.readableEnded;
    if (answer instanceof JsonAnswer) {
      sendJson(res, answer, !complete);
    } else if (answer.headers.has("content-length") && answer.body) {
      // A firmware image: streamed, never held in memory.
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      await pipeline(Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream<Uint8Array>), res);
      return;
    } else {
      const payload = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), "content-length": payload.length, ...(complete ? {} : { connection: "close" }) });
      res.end(payload);
    }
    // An oversize body was not read to the end; the connection cannot be reused.
    if (!complete) req.destroy();
  } catch (error) {
    if (isTransientDatabaseError(error)) return sendUnavailable(res);
    logger.error({ err: error }, "device API request failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal_error", message: "The server could not handle the request." } }));
  }
}

/** The contract's 503 for a database out of reach, as answerDeviceRequest answers it. */
function sendUnavailable(res: ServerResponse) {
  if (res.headersSent) return void res.destroy();
  sendJson(res, databaseUnavailableAnswer(), false);
}

/**
 * A node:http handler for the device API's endpoints; returns false for any other request, which
 * the caller hands to Next. The caller stamps the client address first (stampClientAddress).
 */
export function deviceApiLane(getDb: () => Promise<Db>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const route = deviceRouteOf(req);
    if (!route) return false;
    void getDb().then(
      (db) => serveDeviceNode(db, req, res, route),
      (error: unknown) => {
        logger.error({ err: error }, "device API request failed: no database");
        sendUnavailable(res);
      },
    );
    return true;
  };
}
