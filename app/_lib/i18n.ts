import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { chooseLocale, localeCookie, type Locale } from "@/server/locales";

/** The language comes from the switch's cookie, else the browser's preference. */
async function requestLocale(): Promise<Locale> {
  return chooseLocale((await cookies()).get(localeCookie)?.value, (await headers()).get("accept-language"));
}

export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return {
    locale,
    messages: (await import(`../../messages/${locale}.json`)).default,
    timeZone: "Asia/Shanghai",
  };
});
