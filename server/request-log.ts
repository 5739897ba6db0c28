import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { logger as appLogger } from "./logger";
import { metrics } from "./metrics";
import type { RouteOf } from "./route-label";

/** What the code serving a request learns about it, for the request's log line. */
export interface RequestFacts {
  id: string;
  userId?: string;
  terminal?: { id: string; serialNumber: string };
}

// On globalThis: the device lane runs in the production server's modules, the console in Next's
// bundle of the same files, and both must note facts on the one request the server logs.
const holder = globalThis as unknown as { posFleetRequestFacts?: AsyncLocalStorage<RequestFacts> };
const requestFacts = (holder.posFleetRequestFacts ??= new AsyncLocalStorage<RequestFacts>());
// The device lane's requests run outside that context (see withRequestLog): their facts hang on the request.
const factsOfRequest = new WeakMap<IncomingMessage, RequestFacts>();

/** Notes the signed-in console user of the current request (outside a request, nothing happens). */
export function noteRequestUser(userId: string): void {
  const facts = requestFacts.getStore();
  if (facts) facts.userId = userId;
}

/** Notes the terminal whose device token the current request (or `req`, in the device lane) carried. */
export function noteRequestTerminal(terminal: { terminalId: string; serialNumber: string }, req?: IncomingMessage): void {
  const facts = (req && factsOfRequest.get(req)) ?? requestFacts.getStore();
  if (facts) facts.terminal = { id: terminal.terminalId, serialNumber: terminal.serialNumber };
}

// A caller's (a proxy's) id is kept when it is a plain token, so it cannot forge log content.
const saneRequestId = /^[\w.:@-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && saneRequestId.test(header) ? header : randomUUID();
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps the production server's handler: every request gets an id (the caller's X-Request-Id when
 * sane, else a new one), answers with it in X-Request-Id, and ends in one log line and the request
 * metrics, whichever lane served it. The route is a pattern (see route-label.ts), never the URL:
 * URLs carry ids and, for calendar feeds, a secret token.
 */
export function withRequestLog(handle: Handler, options: { routeOf: RouteOf; logger?: Logger }): Handler {
  // The line is made here of known fields (a sane id, a route pattern, an address, ids), none of
  // them a secret: redaction, a third of the line's cost, would find nothing. Other log calls keep it.
  const log = (options.logger ?? appLogger).child({}, { redact: [] });
  return (req, res) => {
    const started = performance.now();
    const facts: RequestFacts = { id: requestIdOf(req.headers["x-request-id"]) };
    // Next's handlers and anything they call read the same id from the request.
    req.headers["x-request-id"] = facts.id;
    res.setHeader("X-Request-Id", facts.id);
    // As the request arrived: a handler may rewrite req.url.
    const method = req.method ?? "GET";
    const { lane, route } = options.routeOf(method, req.url ?? "/");
    res.once("close", () => {
      const ms = performance.now() - started;
      const status = String(res.statusCode);
      metrics.httpRequests.inc({ lane, method, route, status });
      metrics.httpDuration.observe({ lane, method, route, status }, ms / 1000);
      const line = {
        reqId: facts.id,
        lane,
        method,
        route,
        status: res.statusCode,
        durationMs: Math.round(ms * 10) / 10,
        ip: req.headers["x-real-ip"],
        ...(facts.userId ? { userId: facts.userId } : {}),
        ...(facts.terminal ? { terminal: facts.terminal } : {}),
        // The client went away before the answer was complete (a closed event stream, a dropped download).
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) log.error(line, "request");
      // Probes and scrapes come every few seconds from every balancer and Prometheus: debug, unless they fail.
      else if (lane === "server" && res.statusCode < 400) log.debug(line, "request");
      else log.info(line, "request");
    });
    // The device lane notes its facts on the request and needs no context, which would cost every
    // promise its requests make (the context is propagated through async hooks).
    if (lane === "device") {
      factsOfRequest.set(req, facts);
      handle(req, res);
    } else requestFacts.run(facts, () => handle(req, res));
  };
}
