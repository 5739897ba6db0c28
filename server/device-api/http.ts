import type { z } from "zod";
import type { Db } from "@/db/client";
import { BatcherOverloadedError } from "../batcher";
import { AppError, isTransientDatabaseError, issueMessage, TRANSIENT_RETRY_AFTER_SECONDS } from "../errors";
import { readBodyWithin } from "../http-body";
import { logger } from "../logger";
import { noteRequestTerminal } from "../request-log";
import { pathId } from "../schemas/device";
import { authenticateDevice, type AuthenticatedDevice, type DeviceAuthResult } from "../services/device-tokens";

export const MAX_BODY_BYTES = 64 * 1024;

/** A refusal in the contract's shape: {"error": {"code", "message", ...}}. */
export class DeviceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * A JSON answer, kept as data until it is sent: a route handler turns it into a Response, the
 * production server's lane (node.ts) writes it straight to node:http.
 */
export class JsonAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}

  toResponse(): Response {
    return Response.json(this.body, { status: this.status, headers: this.headers });
  }
}

/** What an endpoint answers: JSON, or a Response of its own (a firmware image, a 202). */
export type DeviceAnswer = JsonAnswer | Response;

/**
 * What the endpoints read of a request. From a route handler it wraps the Fetch API's Request; the
 * production server's lane reads node:http directly, without a Request and its body stream.
 */
export interface DeviceRequest {
  /** A header's value (a repeated header's values joined by ", "), or null; the name in lower case. */
  header(name: string): string | null;
  /** Every header, for code that takes a Headers (the lane builds it only when asked). */
  readonly headers: Headers;
  /** The body, or null when it is larger than MAX_BODY_BYTES. */
  body(): Promise<Uint8Array | null>;
  /** The body as it arrives, unread, for an upload endpoint (DeviceEndpoint.upload) that streams it on. */
  stream(): ReadableStream<Uint8Array>;
  /** Notes the terminal whose token the request carried, for the request's log line. */
  noteTerminal(device: AuthenticatedDevice): void;
}

/** A route handler's Request as the endpoints read it. */
export function fetchDeviceRequest(req: Request): DeviceRequest {
  return {
    header: (name) => req.headers.get(name),
    headers: req.headers,
    body: () => readBodyWithin(req, MAX_BODY_BYTES),
    stream: () => req.body ?? new Blob().stream(),
    noteTerminal: (device) => noteRequestTerminal(device),
  };
}

export function errorAnswer(error: DeviceApiError): JsonAnswer {
  return new JsonAnswer(error.status, { error: { code: error.code, message: error.message, ...error.extra } }, error.headers);
}

export function errorResponse(error: DeviceApiError): Response {
  return errorAnswer(error).toResponse();
}

const statusOfAppError = { not_found: 404, conflict: 409, invalid: 422, forbidden: 401, rate_limited: 429 } as const;
const defaultCodeOfAppError = { not_found: "not_found", conflict: "conflict", invalid: "rule_refused", forbidden: "unauthorized", rate_limited: "rate_limited" } as const;

const utf8 = new TextDecoder();

/** Reads at most 64 KiB, whatever Content-Length claims, and parses it as JSON. */
async function readJson(req: DeviceRequest): Promise<unknown> {
  const body = await req.body();
  if (!body) throw new DeviceApiError(413, "payload_too_large", `The body may be at most ${MAX_BODY_BYTES} bytes.`);
  const text = utf8.decode(body);
  if (text.trim() === "") throw new DeviceApiError(400, "invalid_request", "The body must be a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw new DeviceApiError(400, "invalid_request", "The body is not valid JSON.");
  }
}

function validationError(error: z.ZodError): DeviceApiError {
  const issue = error.issues[0]!;
  const field = issue.path.join(".");
  const message = issueMessage(issue);
  return new DeviceApiError(400, "invalid_request", field ? `${field}: ${message}` : message, field ? { field } : {});
}

function bearerToken(req: DeviceRequest): string {
  const match = /^Bearer\s+(\S{10,200})\s*$/i.exec(req.header("authorization") ?? "");
  if (!match) throw new DeviceApiError(401, "unauthorized", "A device token is required: Authorization: Bearer <deviceToken>.");
  return match[1]!;
}

/** A token check's result: the device (noted for the request's log line), or the contract's 401 or 429. */
export function deviceOrRefusal(req: DeviceRequest, result: DeviceAuthResult): AuthenticatedDevice {
  if (result.ok) {
    req.noteTerminal(result.device);
    return result.device;
  }
  if (result.reason === "rate_limited") {
    throw new DeviceApiError(429, "rate_limited", "Too many requests for this device token.", {}, { "Retry-After": String(result.retryAfterSeconds) });
  }
  throw new DeviceApiError(401, "unauthorized", "The device token is unknown or revoked, or the terminal may not use the API.");
}

const authenticate = async (db: Db, req: DeviceRequest, token: string) => deviceOrRefusal(req, await authenticateDevice(db, token));

export interface DeviceEndpoint<Body, Auth extends boolean> {
  auth: Auth;
  /**
   * With auth: the handler checks the token (`token` in its context) in its own statement, so that a
   * request costs one statement rather than two (the heartbeat). A request whose body is refused is
   * checked first, so that it is answered 401 or 429 before 400, as on every endpoint.
   */
  handlerChecksToken?: true;
  body?: z.ZodType<Body>;
  /** An upload: the handler streams the raw body (req.stream()) rather than a JSON body, and it may be this large. */
  upload?: { maxBytes: number };
  /** Returns the JSON body of a 200, or a Response of its own. */
  handle: (ctx: { db: Db; req: DeviceRequest; body: Body; device: Auth extends true ? AuthenticatedDevice : null; token: string | null; params: Record<string, string> }) => Promise<unknown>;
}

export function deviceEndpoint<Body, Auth extends boolean>(endpoint: DeviceEndpoint<Body, Auth>) {
  return endpoint;
}

/** Runs an endpoint on a route handler's Request. */
export async function handleDeviceRequest<Body, Auth extends boolean>(db: Db, endpoint: DeviceEndpoint<Body, Auth>, req: Request, params: Record<string, string> = {}): Promise<Response> {
  const answer = await answerDeviceRequest(db, endpoint, fetchDeviceRequest(req), params);
  return answer instanceof Response ? answer : answer.toResponse();
}

/** Runs an endpoint: size limit, auth, JSON, validation, the handler, and errors in the contract's shape. */
export async function answerDeviceRequest<Body, Auth extends boolean>(db: Db, endpoint: DeviceEndpoint<Body, Auth>, req: DeviceRequest, params: Record<string, string> = {}): Promise<DeviceAnswer> {
  try {
    const maxBytes = endpoint.upload?.maxBytes ?? MAX_BODY_BYTES;
    if (Number(req.header("content-length") ?? 0) > maxBytes) {
      throw new DeviceApiError(413, "payload_too_large", `The body may be at most ${maxBytes} bytes.`);
    }
    const token = endpoint.auth ? bearerToken(req) : null;
    const device = (token && !endpoint.handlerChecksToken ? await authenticate(db, req, token) : null) as Auth extends true ? AuthenticatedDevice : null;
    let body = undefined as Body;
    if (endpoint.body) {
      const schema = endpoint.body;
      body = await readJson(req)
        .then((json) => {
          const parsed = schema.safeParse(json);
          if (!parsed.success) throw validationError(parsed.error);
          return parsed.data;
        })
        .catch(async (refusal: unknown) => {
          if (token && endpoint.handlerChecksToken) await authenticate(db, req, token);
          throw refusal;
        });
    }
    const result = await endpoint.handle({ db, req, body, device, token, params });
    return result instanceof Response ? result : new JsonAnswer(200, result);
  } catch (error) {
    if (error instanceof DeviceApiError) return errorAnswer(error);
    if (error instanceof AppError) {
      const code = typeof error.details?.code === "string" ? error.details.code : defaultCodeOfAppError[error.code];
      const { code: _code, field: _field, retryAfterSeconds, ...extra } = error.details ?? {};
      const headers: Record<string, string> = typeof retryAfterSeconds === "number" ? { "Retry-After": String(retryAfterSeconds) } : {};
      // An upload that passed its limit while streaming (the storage's TooLargeError).
      const status = code === "payload_too_large" ? 413 : statusOfAppError[error.code];
      return errorAnswer(new DeviceApiError(status, code, error.message, extra, headers));
    }
    // The instance is saturated (or the database stalled): terminals retry later, as they do after a 429.
    if (error instanceof BatcherOverloadedError) return errorAnswer(new DeviceApiError(503, "overloaded", "The server is busy; retry later.", {}, { "Retry-After": "5" }));
    if (isTransientDatabaseError(error)) return databaseUnavailableAnswer();
    logger.error({ err: error }, "device API request failed");
    return errorAnswer(new DeviceApiError(500, "internal_error", "The server could not handle the request."));
  }
}

/** The database is briefly out of reach (restart, failover): terminals retry, as after a 429. */
export const databaseUnavailableAnswer = () =>
  errorAnswer(new DeviceApiError(503, "unavailable", "The database is not available; retry later.", {}, { "Retry-After": String(TRANSIENT_RETRY_AFTER_SECONDS) }));
export const databaseUnavailable = () => databaseUnavailableAnswer().toResponse();

/** Unknown paths and methods under the device API answer in the contract's shape too. */
export const noSuchEndpoint = () => errorResponse(new DeviceApiError(404, "not_found", "No such device API endpoint."));
export const methodNotAllowed = (allowed: string[] = ["POST"]) =>
  errorResponse(new DeviceApiError(405, "method_not_allowed", `This endpoint takes ${allowed.join(", ")}.`, {}, { Allow: allowed.join(", ") }));
/** For route files: every other method of a POST endpoint. */
export const postOnly = () => methodNotAllowed(["POST"]);
export const getOnly = () => methodNotAllowed(["GET"]);

/** A path id that is not a uuid names nothing: 404, never a database error. */
export function idFromPath(value: string | undefined, what: string): string {
  const parsed = pathId.safeParse(value);
  if (!parsed.success) throw new DeviceApiError(404, "not_found", `${what} was not found.`);
  return parsed.data;
}
