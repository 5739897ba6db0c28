/** The client's address as the proxy in front reports it (X-Forwarded-For), else the direct peer's. */
export function clientIp(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}
