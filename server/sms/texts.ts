import type { MerchantLanguage } from "@/db/schema/values";

// SMS are written in the merchant's language. Chinese carriers expect the sender's signature in
// 【】 at the start; the code stays the message's only 6-digit number in both languages.

/** The activation code message; a serial number with six digits in a row is left out so the code stays unambiguous. */
export function activationCodeSms(language: MerchantLanguage, p: { serialNumber: string; code: string; validMinutes: number }): string {
  const serial = /\d{6}/.test(p.serialNumber) ? null : p.serialNumber;
  if (language === "zh-CN") return `【POS Fleet】${serial ? `终端 ${serial} 的` : "终端"}激活码：${p.code}，${p.validMinutes} 分钟内有效。请勿告诉他人。`;
  return `[POS Fleet] Terminal${serial ? ` ${serial}` : ""} activation code: ${p.code}. Valid for ${p.validMinutes} minutes. Never share it.`;
}

/** A critical notice's message: the title only, the console has the rest. */
export function criticalNoticeSms(language: MerchantLanguage, title: string): string {
  if (language === "zh-CN") return `【POS Fleet】${title}。详情请登录 POS Fleet 控制台查看。`;
  return `[POS Fleet] ${title}. Details in your POS Fleet console.`;
}
