import { setting } from "../env";

/**
 * An absolute link into the console for e-mails: under BETTER_AUTH_URL, the address people open
 * the console at, else this machine's port for the demo.
 */
export function consoleUrl(path: string): string {
  const base = setting("BETTER_AUTH_URL") ?? `http://localhost:${setting("PORT")}`;
  // Relative to the base, so a console served under a path prefix keeps it.
  return new URL(path.replace(/^\//, ""), base.endsWith("/") ? base : `${base}/`).toString();
}

/** The text with its links' long tokens masked, for what people other than the recipient read (the admins' outbox, a production log). */
export const maskLinks = (text: string) => text.replace(/([/=])[A-Za-z0-9_-]{20,}/g, "$1••••••");
