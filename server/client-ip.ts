import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { setting } from "./env";

const validIp = (value: string | undefined): string | null => {
  const candidate = value?.trim().replace(/^::ffff:/, "") ?? "";
  return isIP(candidate) ? candidate : null;
};

/**
 * The one decision of who the client is, for every lane of the production server: the peer's
 * address, or, when TRUST_PROXY=1, the hop that the proxy in front appended to X-Forwarded-For
 * (its last entry; earlier entries are whatever the client claimed).
 */
export function clientAddress(req: IncomingMessage, trustProxy = setting("TRUST_PROXY")): string | null {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? "")).split(",");
    const appended = validIp(hops.at(-1));
    if (appended) return appended;
  }
  return validIp(req.socket.remoteAddress);
}

/**
 * Replaces what the client sent about its address with the decided one, in X-Real-IP, before any
 * lane reads the request: the sign-in rate limit, the device API's limits and the audit all read
 * that header and nothing else.
 */
export function stampClientAddress(req: IncomingMessage): void {
  const address = clientAddress(req);
  delete req.headers["x-forwarded-for"];
  if (address) req.headers["x-real-ip"] = address;
  else delete req.headers["x-real-ip"];
}

/** The client address stamped on a request by stampClientAddress; null when unknown. */
export function clientIp(headers: Headers): string | null {
  return validIp(headers.get("x-real-ip") ?? undefined);
}
