"use server";

import { cookies } from "next/headers";
import { isLocale, localeCookie } from "@/server/locales";

export async function setLocale(locale: string) {
  if (!isLocale(locale)) return;
  (await cookies()).set(localeCookie, locale, { path: "/", maxAge: 60 * 60 * 24 * 365, sameSite: "lax" });
}
