export const locales = ["en", "zh-CN"] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = "en";
export const localeCookie = "NEXT_LOCALE";

export function isLocale(value: string | undefined): value is Locale {
  return locales.includes(value as Locale);
}

/** A stored language, or the default for anything else. */
export const localeOf = (value: string | null | undefined): Locale => (isLocale(value ?? undefined) ? (value as Locale) : defaultLocale);

/**
 * The reader's language: the language switch's cookie, else the browser's preference. The pages
 * (app/_lib/i18n.ts) and the server's error messages (server/trpc.ts) both ask here, so a refusal
 * reads in the language of the page that caused it.
 */
export function chooseLocale(chosen: string | undefined, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(chosen)) return chosen;
  return /^zh\b/i.test((acceptLanguage ?? "").trim()) ? "zh-CN" : defaultLocale;
}

/** The same rule on a request's raw headers, for code outside a page render (tRPC's context). */
export function localeOfHeaders(headers: Headers): Locale {
  const cookie = (headers.get("cookie") ?? "")
    .split(";")
    .map((part) => part.trim().split("="))
    .find(([name]) => name === localeCookie)?.[1];
  return chooseLocale(cookie === undefined ? undefined : decodeURIComponent(cookie), headers.get("accept-language"));
}
