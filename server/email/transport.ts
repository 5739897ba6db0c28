import nodemailer from "nodemailer";
import { ConfigError, isProductionMode, setting, type EnvSource } from "../env";
import { logger } from "../logger";
import { maskLinks } from "./links";
import type { EmailMessage } from "./outbox";

export interface EmailTransport {
  name: string;
  /** Resolves with the server's message id; throws when the server refused the message or could not be reached. */
  send(message: EmailMessage): Promise<{ messageId: string | null }>;
}

/**
 * To the log. The demo's operator follows the links from there, so demo mode logs the text as it
 * is. In production mode the log is read by more people, and kept longer, than a single-use link may
 * be: its links are masked there (production delivers e-mail with EMAIL_PROVIDER=smtp).
 */
function consoleTransport(production: boolean): EmailTransport {
  return {
    name: "console",
    async send(message) {
      const text = production ? maskLinks(message.text) : message.text;
      logger.info({ to: message.to, subject: message.subject }, `E-mail to ${message.to}: ${message.subject}\n\n${text}`);
      return { messageId: null };
    },
  };
}

/**
 * Through an SMTP server, both parts in one multipart/alternative message. Short timeouts: a claim
 * holds its messages for two minutes, and a server that hangs must fail the attempt well within it.
 */
function smtpTransport(url: string, from: string): EmailTransport {
  const transporter = nodemailer.createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
  return {
    name: "smtp",
    async send(message) {
      const info = await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      return { messageId: info.messageId ?? null };
    },
  };
}

/** The transport chosen by EMAIL_PROVIDER (default console), read when the messages are sent. */
export function emailTransportFromEnv(env?: EnvSource): EmailTransport {
  if (setting("EMAIL_PROVIDER", env) === "console") return consoleTransport(isProductionMode(env));
  const url = setting("SMTP_URL", env);
  if (!url) throw new ConfigError("EMAIL_PROVIDER=smtp needs SMTP_URL, e.g. smtp://user:password@mail.example.com:587.");
  return smtpTransport(url, setting("EMAIL_FROM", env));
}
