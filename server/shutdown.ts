import type { IncomingMessage, Server, ServerResponse } from "node:http";
import net, { type Socket } from "node:net";
import { logger } from "./logger";

/** Work to finish before the process exits; it should give up once `deadline` aborts. */
type ShutdownHook = (deadline: AbortSignal) => Promise<void>;

interface ShutdownState {
  draining: AbortController;
  hooks: { name: string; run: ShutdownHook }[];
  done?: Promise<void>;
}

// On globalThis: server/main.ts and the modules Next bundles (route handlers, instrumentation)
// are separate module instances in one process, and must share one drain.
const holder = globalThis as unknown as { posFleetShutdown?: ShutdownState };
const state = (): ShutdownState => (holder.posFleetShutdown ??= { draining: new AbortController(), hooks: [] });

/**
 * Registers work to finish on shutdown, after the requests in flight: hooks run one at a time,
 * the last registered first, so the database (opened before whatever uses it) closes last.
 * Returns a function that unregisters the hook.
 */
export function onShutdown(name: string, run: ShutdownHook): () => void {
  const hook = { name, run };
  state().hooks.push(hook);
  return () => {
    const { hooks } = state();
    if (hooks.includes(hook)) hooks.splice(hooks.indexOf(hook), 1);
  };
}

/** Aborts when shutdown begins: readiness answers 503 and long-lived work (event streams, the job runner) ends. */
export function drainingSignal(): AbortSignal {
  return state().draining.signal;
}

export const isDraining = (): boolean => drainingSignal().aborted;

/** A request's own signal that also aborts when shutdown begins, for responses that would otherwise stay open. */
export function untilShutdown(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, drainingSignal()]);
}

/**
 * A kept-alive connection idle this long is closed while draining. A proxy in front closes its idle
 * upstream connections sooner (deploy/nginx.conf: `keepalive_timeout 4s`), so it never sends a
 * request down one the app is closing: closing a connection while a request races towards it loses
 * that request (nginx answers 502 and does not retry a POST it has sent).
 */
const IDLE_BEFORE_CLOSE_MS = 5_000;

/**
 * Lets a server drain: a request arriving on a kept-alive connection while draining is still
 * served, with `Connection: close`, and idle connections close once they have been idle a while.
 */
export function trackForDrain(server: Server): void {
  const inFlight = new Set<ServerResponse>();
  const idleSince = new Map<Socket, number>();
  server.on("connection", (socket: Socket) => {
    idleSince.set(socket, Date.now());
    socket.on("close", () => idleSince.delete(socket));
  });
  // Ahead of the app's own listener, which may answer at once.
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    if (isDraining()) res.setHeader("connection", "close");
    idleSince.delete(req.socket);
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
      if (!req.socket.destroyed) idleSince.set(req.socket, Date.now());
    });
  });
  drainingSignal().addEventListener("abort", () => {
    for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
    setInterval(() => {
      const now = Date.now();
      for (const [socket, since] of idleSince) if (now - since >= IDLE_BEFORE_CLOSE_MS) socket.destroy();
    }, 250).unref();
  });
}

/**
 * Shuts the instance down gracefully: readiness turns 503 at once, the server stops accepting
 * connections, requests in flight get until the deadline (then their connections are destroyed),
 * and the registered hooks run (flush the check-in batcher, stop the job runner and release its
 * leases, close the database). A second call waits for the first.
 */
export function shutDown(server: Server, timeoutSeconds: number): Promise<void> {
  return (state().done ??= (async () => {
    const deadline = AbortSignal.timeout(timeoutSeconds * 1000);
    state().draining.abort();
    await new Promise<void>((resolve) => {
      const giveUp = () => {
        logger.warn({ timeoutSeconds }, "shutdown deadline passed: closing the connections still open");
        server.closeAllConnections();
      };
      deadline.addEventListener("abort", giveUp, { once: true });
      // net.Server's close stops listening and waits for the open connections to end; http.Server's
      // would also close every idle kept-alive connection at once (see IDLE_BEFORE_CLOSE_MS).
      net.Server.prototype.close.call(server, () => {
        deadline.removeEventListener("abort", giveUp);
        resolve();
      });
    });
    for (const { name, run } of [...state().hooks].reverse()) {
      try {
        await run(deadline);
      } catch (error) {
        logger.error({ err: error, hook: name }, "shutdown step failed");
      }
    }
  })());
}
