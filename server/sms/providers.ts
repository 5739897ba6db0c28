import { createHmac, randomUUID } from "node:crypto";
import { setting, type EnvSource, type Settings } from "../env";
import { logger } from "../logger";

/** One SMS as every provider receives it; `body` holds the code as its only 6-digit number. */
export interface SmsMessage {
  to: string;
  body: string;
  template: "activation_code" | "notice" | "alert";
  params: Record<string, string>;
}

export interface SmsProvider {
  name: string;
  /** Resolves with the provider's message id; throws when the provider refused or could not be reached. */
  send(message: SmsMessage): Promise<{ messageId: string | null }>;
  /** Whether it can send this kind of message at all (a template-based provider needs one per kind). */
  supports?(template: SmsMessage["template"]): boolean;
}

export class SmsConfigError extends Error {}

const consoleProvider: SmsProvider = {
  name: "console",
  async send(message) {
    // The demo's delivery: whoever runs it reads the code here, so the body is logged as it is.
    logger.info({ to: message.to, template: message.template }, `SMS to ${message.to}: ${message.body}`);
    return { messageId: null };
  },
};

/** POSTs the contract's JSON to a company's own SMS gateway. */
function webhookProvider(url: string): SmsProvider {
  return {
    name: "webhook",
    async send(message) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ to: message.to, body: message.body, template: message.template, params: message.params }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`The SMS webhook answered HTTP ${response.status}.`);
      return { messageId: response.headers.get("x-message-id") };
    },
  };
}

/** Twilio's Messages REST API: a form POST with HTTP basic auth by account SID and auth token. */
function twilioProvider(config: { accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; baseUrl: string }): SmsProvider {
  return {
    name: "twilio",
    async send(message) {
      const form = new URLSearchParams({ To: message.to, Body: message.body });
      if (config.messagingServiceSid) form.set("MessagingServiceSid", config.messagingServiceSid);
      else form.set("From", config.from!);
      const response = await fetch(new URL(`/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`, config.baseUrl), {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body: form,
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
      if (!response.ok) throw new Error(`Twilio refused the message: HTTP ${response.status} ${body.code ?? ""} ${body.message ?? ""}`.trim());
      return { messageId: body.sid ?? null };
    },
  };
}

/** RFC 3986 encoding as Alibaba Cloud's signature (version 1.0) requires it. */
export const aliyunPercentEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The signature of an Alibaba Cloud RPC request: HMAC-SHA1 of the sorted, encoded parameters. */
export function aliyunSignature(method: string, params: Record<string, string>, accessKeySecret: string): string {
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `${aliyunPercentEncode(key)}=${aliyunPercentEncode(params[key]!)}`)
    .join("&");
  const stringToSign = `${method}&${aliyunPercentEncode("/")}&${aliyunPercentEncode(canonical)}`;
  return createHmac("sha1", `${accessKeySecret}&`).update(stringToSign).digest("base64");
}

/**
 * Alibaba Cloud SMS SendSms with a sign name and an approved template per message kind: one taking
 * ${code} for activation codes, one taking ${title} for critical notices, one taking ${message} for alerts.
 */
function aliyunProvider(config: {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  noticeTemplateCode?: string;
  alertTemplateCode?: string;
  endpoint: string;
}): SmsProvider {
  const templateOf = { activation_code: config.templateCode, notice: config.noticeTemplateCode, alert: config.alertTemplateCode };
  const settingOf = { activation_code: "ALIYUN_SMS_TEMPLATE_CODE", notice: "ALIYUN_SMS_NOTICE_TEMPLATE_CODE", alert: "ALIYUN_SMS_ALERT_TEMPLATE_CODE" };
  return {
    name: "aliyun",
    supports: (template) => Boolean(templateOf[template]),
    async send(message) {
      const templateCode = templateOf[message.template];
      if (!templateCode) throw new Error(`No Alibaba Cloud template for ${message.template} messages: set ${settingOf[message.template]}.`);
      // Mainland numbers go without the country code; others as digits with it.
      const phone = message.to.startsWith("+86") ? message.to.slice(3) : message.to.replace(/^\+/, "");
      const params: Record<string, string> = {
        AccessKeyId: config.accessKeyId,
        Action: "SendSms",
        Format: "JSON",
        PhoneNumbers: phone,
        RegionId: "cn-hangzhou",
        SignName: config.signName,
        SignatureMethod: "HMAC-SHA1",
        SignatureNonce: randomUUID(),
        SignatureVersion: "1.0",
        TemplateCode: templateCode,
        TemplateParam: JSON.stringify(message.params),
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        Version: "2017-05-25",
      };
      const url = new URL(config.endpoint);
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      url.searchParams.set("Signature", aliyunSignature("GET", params, config.accessKeySecret));
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json().catch(() => ({}))) as { Code?: string; Message?: string; BizId?: string };
      if (!response.ok || body.Code !== "OK") throw new Error(`Alibaba Cloud SMS refused the message: HTTP ${response.status} ${body.Code ?? ""} ${body.Message ?? ""}`.trim());
      return { messageId: body.BizId ?? null };
    },
  };
}

type OptionalText = { [Name in keyof Settings]-?: Settings[Name] extends string | undefined ? (undefined extends Settings[Name] ? Name : never) : never }[keyof Settings];

function required<Name extends OptionalText>(env: EnvSource | undefined, provider: string, names: Name[]): Record<Name, string> {
  const values = {} as Record<Name, string>;
  const missing: Name[] = [];
  for (const name of names) {
    const value = setting(name, env) as string | undefined;
    if (value) values[name] = value;
    else missing.push(name);
  }
  if (missing.length) throw new SmsConfigError(`SMS_PROVIDER=${provider} needs ${missing.join(", ")}.`);
  return values;
}

/** The provider chosen by SMS_PROVIDER (default console), read when a message is sent. */
export function smsProviderFromEnv(env?: EnvSource): SmsProvider {
  const name = setting("SMS_PROVIDER", env);
  switch (name) {
    case "console":
      return consoleProvider;
    case "webhook":
      return webhookProvider(required(env, name, ["SMS_WEBHOOK_URL"]).SMS_WEBHOOK_URL);
    case "twilio": {
      const c = required(env, name, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]);
      const from = setting("TWILIO_FROM", env);
      const messagingServiceSid = setting("TWILIO_MESSAGING_SERVICE_SID", env);
      if (!from && !messagingServiceSid) throw new SmsConfigError("SMS_PROVIDER=twilio needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID.");
      return twilioProvider({ accountSid: c.TWILIO_ACCOUNT_SID, authToken: c.TWILIO_AUTH_TOKEN, from, messagingServiceSid, baseUrl: setting("TWILIO_API_BASE_URL", env) });
    }
    case "aliyun": {
      const c = required(env, name, ["ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME", "ALIYUN_SMS_TEMPLATE_CODE"]);
      return aliyunProvider({
        accessKeyId: c.ALIYUN_ACCESS_KEY_ID,
        accessKeySecret: c.ALIYUN_ACCESS_KEY_SECRET,
        signName: c.ALIYUN_SMS_SIGN_NAME,
        templateCode: c.ALIYUN_SMS_TEMPLATE_CODE,
        noticeTemplateCode: setting("ALIYUN_SMS_NOTICE_TEMPLATE_CODE", env),
        alertTemplateCode: setting("ALIYUN_SMS_ALERT_TEMPLATE_CODE", env),
        endpoint: setting("ALIYUN_SMS_ENDPOINT", env),
      });
    }
  }
}
