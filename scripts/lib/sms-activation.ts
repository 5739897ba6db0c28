// Activation as a terminal does it: ask for a code with the merchant's phone, read the SMS, send
// the code back. The simulator receives the SMS itself when the app runs with
// SMS_PROVIDER=webhook and SMS_WEBHOOK_URL pointing at startSmsInbox's port.
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface SmsInbox {
  /** The code of the latest SMS for the serial number, waiting up to `timeoutMs`. */
  codeFor(serialNumber: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startSmsInbox(port: number): Promise<SmsInbox> {
  const received: { body: string; code: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      try {
        const sms = JSON.parse(body) as { body: string; params: { code: string } };
        received.push({ body: sms.body, code: sms.params.code });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, resolve));
  return {
    async codeFor(serialNumber, timeoutMs = 30_000) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
        // The latest message for exactly this terminal: a resend replaces the earlier code.
        const forTerminal = (sms: { body: string }) => sms.body.includes(`Terminal ${serialNumber} `);
        const latest = received.findLast(forTerminal);
        if (latest) {
          received.splice(0, received.length, ...received.filter((sms) => !forTerminal(sms)));
          return latest.code;
        }
      }
      throw new Error(`No SMS for ${serialNumber} arrived; is the app running with SMS_PROVIDER=webhook and SMS_WEBHOOK_URL=http://localhost:${port}/sms?`);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function post(base: URL, path: string, body: unknown) {
  const response = await fetch(new URL(`/api/device/v1${path}`, base), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } };
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${json.error?.code ?? ""} ${json.error?.message ?? ""}`.trim());
  return json;
}

/** Activates an in-stock terminal through the device API and returns its device token. */
export async function activateBySms(base: URL, inbox: SmsInbox, serialNumber: string, phone: string): Promise<string> {
  await post(base, "/activation/request", { serialNumber, phone });
  const code = await inbox.codeFor(serialNumber);
  const verified = await post(base, "/activation/verify", { serialNumber, code });
  return verified.deviceToken as string;
}
