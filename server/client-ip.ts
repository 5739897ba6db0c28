import { isIP } from "node:net";

/**
 * The client's address: X-Forwarded-For's first entry as the proxy in front reports it, else
 * X-Real-IP. The production server sets X-Real-IP to the peer's address and drops a client-sent
 * X-Forwarded-For unless TRUST_PROXY=1 (see server/device-api/node.ts). Anything that is not an
 * IP address counts as unknown.
 */
export function clientIp(headers: Headers): string | null {
  const candidate = headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip")?.trim() || "";
  return isIP(candidate) ? candidate : null;
}
