const OWN_ORIGIN = "http://console.invalid";

/**
 * Where to go after sign-in: the path of `next` when it stays on the console's own origin, else "/".
 * The URL parser decides, as the browser would ("/\\evil.example" and "/\t/evil.example" are other
 * hosts), and a path that the browser would read as protocol-relative ("//…") is refused too.
 */
export function sameOriginPath(next: string | null | undefined): string {
  if (!next) return "/";
  try {
    const url = new URL(next, OWN_ORIGIN);
    if (url.origin !== OWN_ORIGIN || url.pathname.startsWith("//")) return "/";
    return url.pathname + url.search + url.hash;
  } catch {
    return "/";
  }
}
