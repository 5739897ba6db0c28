import { createTranslator, type AbstractIntlMessages } from "next-intl";
import type { AlertRuleKind, AlertSeverity } from "@/db/schema/values";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import type { Locale } from "../locales";

/**
 * An alert's words in one language, for e-mail, SMS and webhooks (the console words them itself
 * from the same messages, alertTexts.*): the kind as a title and the sentence made from its params.
 */
const catalogues: Record<Locale, AbstractIntlMessages> = { en: { alertTexts: en.alertTexts }, "zh-CN": { alertTexts: zh.alertTexts } };
type Translate = (key: string, params?: Record<string, string | number>) => string;
const translators = new Map<Locale, Translate>();

function translator(locale: Locale): Translate {
  let translate = translators.get(locale);
  if (!translate) {
    translate = createTranslator({ locale, messages: catalogues[locale], namespace: "alertTexts" }) as unknown as Translate;
    translators.set(locale, translate);
  }
  return translate;
}

export function alertText(locale: Locale, alert: { kind: AlertRuleKind; severity: AlertSeverity; params: Record<string, string | number> }) {
  const t = translator(locale);
  return { title: t(`kinds.${alert.kind}`), message: t(`messages.${alert.kind}`, alert.params), severity: t(`severities.${alert.severity}`) };
}
