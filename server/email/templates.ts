import { createTranslator, type AbstractIntlMessages } from "next-intl";
import type { AlertSeverity } from "@/db/schema/values";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { defaultLocale, isLocale, type Locale } from "../locales";
import type { EmailMessage } from "./outbox";

/** What a template writes: the recipient's address is the caller's to add. */
export type EmailContent = Omit<EmailMessage, "to">;

const catalogues: Record<Locale, AbstractIntlMessages> = { en: { emails: en.emails }, "zh-CN": { emails: zh.emails } };

type Params = Record<string, string | number>;
type Translate = (key: string, params?: Params) => string;

// A stored preference may hold a language this version does not speak: such a reader gets the default.
const localeOf = (locale: string): Locale => (isLocale(locale) ? locale : defaultLocale);

function translator(locale: Locale): Translate {
  // The catalogue is typed loosely here; the messages test checks both languages have every key.
  return createTranslator({ locale, messages: catalogues[locale], namespace: "emails" }) as unknown as Translate;
}

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Text and attribute values alike: every parameter of a template comes from people (names, titles, messages). */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);

/** The pieces of one e-mail, as paragraphs and at most one button; both parts are built from them. */
interface Body {
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Items of a list (a digest's alerts), each a title line, a detail line and a link. */
  items?: { title: string; detail: string; url: string }[];
  after?: string[];
}

function render(t: Translate, subject: string, body: Body): EmailContent {
  const footer = t("footer");
  const text = [
    ...body.paragraphs,
    ...(body.items ?? []).map((item) => `- ${item.title}\n  ${item.detail}\n  ${item.url}`),
    ...(body.action ? [`${body.action.label}: ${body.action.url}`] : []),
    ...(body.after ?? []),
    `-- \n${footer}`,
  ].join("\n\n");
  const paragraph = (p: string) => `<p style="margin:0 0 16px">${escapeHtml(p).replace(/\n/g, "<br>")}</p>`;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;font-size:15px;line-height:1.5;color:#18181b">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e4e4e7;border-radius:8px;padding:24px">
<p style="margin:0 0 16px;font-weight:600">POS Fleet</p>
${body.paragraphs.map(paragraph).join("\n")}
${
  body.items?.length
    ? `<ul style="margin:0 0 16px;padding-left:20px">${body.items
        .map(
          (item) =>
            `<li style="margin-bottom:8px"><a href="${escapeHtml(item.url)}" style="color:#1d4ed8">${escapeHtml(item.title)}</a><br><span style="color:#52525b">${escapeHtml(item.detail)}</span></li>`,
        )
        .join("")}</ul>`
    : ""
}
${
  body.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(body.action.url)}" style="display:inline-block;background:#18181b;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px">${escapeHtml(body.action.label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#52525b">${escapeHtml(body.action.url)}</p>`
    : ""
}
${(body.after ?? []).map(paragraph).join("\n")}
<p style="margin:24px 0 0;font-size:12px;color:#71717a">${escapeHtml(footer)}</p>
</div></body></html>`;
  return { subject, text, html };
}

/** One alert, as it is raised. */
export function alertEmail(locale: string, alert: { title: string; message: string; severity: AlertSeverity; url: string }): EmailContent {
  const t = translator(localeOf(locale));
  const severity = t(`severity.${alert.severity}`);
  return render(t, t("alert.subject", { severity, title: alert.title }), {
    paragraphs: [t("alert.intro", { severity }), `${alert.title}\n${alert.message}`],
    action: { label: t("alert.open"), url: alert.url },
    after: [t("alert.settings")],
  });
}

/** The alerts gathered for an hourly or daily digest; times read in the recipient's time zone. */
export function digestEmail(
  locale: string,
  digest: { period: "hourly" | "daily"; alerts: { title: string; message: string; severity: AlertSeverity; url: string; raisedAt: Date }[]; url: string; timeZone?: string },
): EmailContent {
  const lang = localeOf(locale);
  const t = translator(lang);
  const when = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: digest.timeZone ?? "UTC", timeZoneName: "short" });
  const count = digest.alerts.length;
  return render(t, t(`digest.subject.${digest.period}`, { count }), {
    paragraphs: [t(`digest.intro.${digest.period}`, { count })],
    items: digest.alerts.map((alert) => ({
      title: `[${t(`severity.${alert.severity}`)}] ${alert.title}`,
      detail: `${alert.message} · ${t("digest.raisedAt", { time: when.format(alert.raisedAt) })}`,
      url: alert.url,
    })),
    action: { label: t("digest.open"), url: digest.url },
    after: [t("alert.settings")],
  });
}

/** An invitation: the link sets the password of the new login. */
export function invitationEmail(locale: string, invitation: { name: string; inviter: string; link: string }): EmailContent {
  const t = translator(localeOf(locale));
  return render(t, t("invitation.subject", { inviter: invitation.inviter }), {
    paragraphs: [t("greeting", { name: invitation.name }), t("invitation.body", { inviter: invitation.inviter })],
    action: { label: t("invitation.action"), url: invitation.link },
    after: [t("invitation.expiry")],
  });
}

export function passwordResetEmail(locale: string, reset: { name: string; link: string }): EmailContent {
  const t = translator(localeOf(locale));
  return render(t, t("passwordReset.subject"), {
    paragraphs: [t("greeting", { name: reset.name }), t("passwordReset.body")],
    action: { label: t("passwordReset.action"), url: reset.link },
    after: [t("passwordReset.expiry")],
  });
}

/** Sent to the new address: following the link proves the person can read it. */
export function emailChangeEmail(locale: string, change: { name: string; newEmail: string; link: string }): EmailContent {
  const t = translator(localeOf(locale));
  return render(t, t("emailChange.subject"), {
    paragraphs: [t("greeting", { name: change.name }), t("emailChange.body", { email: change.newEmail })],
    action: { label: t("emailChange.action"), url: change.link },
    after: [t("emailChange.expiry")],
  });
}

/** Sent to the old address once the change is made, so a change nobody asked for does not go unnoticed. */
export function emailChangedNotice(locale: string, change: { name: string; oldEmail: string; newEmail: string }): EmailContent {
  const t = translator(localeOf(locale));
  return render(t, t("emailChanged.subject"), {
    paragraphs: [t("greeting", { name: change.name }), t("emailChanged.body", { old: change.oldEmail, new: change.newEmail }), t("emailChanged.notYou")],
  });
}
