/** One SMS as every provider receives it; `body` holds the code as its only 6-digit number. */
export interface SmsMessage {
  to: string;
  body: string;
  template: "activation_code";
  params: Record<string, string>;
}

export interface SmsProvider {
  name: string;
  /** Resolves with the provider's message id; throws when the provider refused or could not be reached. */
  send(message: SmsMessage): Promise<{ messageId: string | null }>;
}

export class SmsConfigError extends Error {}

const consoleProvider: SmsProvider = {
  name: "console",
  async send(message) {
    console.log(`SMS to ${message.to}: ${message.body}`);
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

/** The provider chosen by SMS_PROVIDER (default console), read when a message is sent. */
export function smsProviderFromEnv(env: NodeJS.ProcessEnv = process.env): SmsProvider {
  const name = env.SMS_PROVIDER ?? "console";
  switch (name) {
    case "console":
      return consoleProvider;
    case "webhook":
      if (!env.SMS_WEBHOOK_URL) throw new SmsConfigError("SMS_PROVIDER=webhook needs SMS_WEBHOOK_URL.");
      return webhookProvider(env.SMS_WEBHOOK_URL);
    default:
      throw new SmsConfigError(`SMS_PROVIDER=${name} is not supported; use console or webhook.`);
  }
}
