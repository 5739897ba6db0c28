import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aliyunSignature, SmsConfigError, smsProviderFromEnv, type SmsMessage } from "@/server/sms/providers";

// Local stubs of the providers' HTTP APIs that check what real providers check.
type Seen = { method: string; url: URL; headers: http.IncomingHttpHeaders; body: string };
let stub: http.Server;
let base: string;
let seen: Seen[] = [];
let reply: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  stub = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, url: new URL(req.url!, "http://stub"), headers: req.headers, body });
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => stub?.close(resolve)));
beforeEach(() => {
  seen = [];
});

const message: SmsMessage = { to: "+8613800138000", body: "[POS Fleet] Terminal DEMO-0101 activation code: 123456.", template: "activation_code", params: { code: "123456" } };

describe("Alibaba Cloud SMS", () => {
  it("signs requests as the published example does", () => {
    const params = {
      AccessKeyId: "testId",
      Action: "SendSms",
      Format: "XML",
      OutId: "123",
      PhoneNumbers: "15300000001",
      RegionId: "cn-hangzhou",
      SignName: "阿里云短信测试专用",
      SignatureMethod: "HMAC-SHA1",
      SignatureNonce: "45e25e9b-0a6f-4070-8c85-2956eda1b466",
      SignatureVersion: "1.0",
      TemplateCode: "SMS_71390007",
      TemplateParam: '{"customer":"test"}',
      Timestamp: "2017-07-12T02:42:19Z",
      Version: "2017-05-25",
    };
    expect(aliyunSignature("GET", params, "testSecret")).toBe("zJDF+Lrzhj/ThnlvIToysFRq6t4=");
  });

  const env = () => ({
    SMS_PROVIDER: "aliyun",
    ALIYUN_ACCESS_KEY_ID: "LTAI-test",
    ALIYUN_ACCESS_KEY_SECRET: "secret-test",
    ALIYUN_SMS_SIGN_NAME: "POS Fleet",
    ALIYUN_SMS_TEMPLATE_CODE: "SMS_123456789",
    ALIYUN_SMS_ENDPOINT: `${base}/`,
  });

  it("sends SendSms with the template parameters and a valid signature", async () => {
    reply = { status: 200, body: { Code: "OK", Message: "OK", BizId: "900619746936498440^0", RequestId: "r1" } };
    const result = await smsProviderFromEnv(env()).send(message);
    expect(result.messageId).toBe("900619746936498440^0");
    const request = seen[0]!;
    expect(request.method).toBe("GET");
    const params = Object.fromEntries(request.url.searchParams);
    expect(params).toMatchObject({
      Action: "SendSms",
      Version: "2017-05-25",
      AccessKeyId: "LTAI-test",
      PhoneNumbers: "13800138000",
      SignName: "POS Fleet",
      TemplateCode: "SMS_123456789",
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
    });
    expect(JSON.parse(params.TemplateParam!)).toEqual({ code: "123456" });
    expect(params.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const { Signature, ...signed } = params;
    expect(Signature).toBe(aliyunSignature("GET", signed, "secret-test"));
  });

  it("fails on a refusal, so the outbox retries", async () => {
    reply = { status: 200, body: { Code: "isv.BUSINESS_LIMIT_CONTROL", Message: "触发分钟级流控" } };
    await expect(smsProviderFromEnv(env()).send(message)).rejects.toThrow("isv.BUSINESS_LIMIT_CONTROL");
  });
});

describe("Twilio", () => {
  const env = () => ({ SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC0123", TWILIO_AUTH_TOKEN: "token-test", TWILIO_FROM: "+15005550006", TWILIO_API_BASE_URL: base });

  it("posts the message form with basic auth to the account's Messages resource", async () => {
    reply = { status: 201, body: { sid: "SM0123", status: "queued" } };
    const result = await smsProviderFromEnv(env()).send(message);
    expect(result.messageId).toBe("SM0123");
    const request = seen[0]!;
    expect(request.method).toBe("POST");
    expect(request.url.pathname).toBe("/2010-04-01/Accounts/AC0123/Messages.json");
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from("AC0123:token-test").toString("base64")}`);
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ To: "+8613800138000", From: "+15005550006", Body: message.body });
  });

  it("fails with Twilio's reason", async () => {
    reply = { status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number." } };
    await expect(smsProviderFromEnv(env()).send(message)).rejects.toThrow("21211");
  });
});

describe("choosing the provider", () => {
  it("defaults to the console and refuses incomplete settings with the missing names", () => {
    expect(smsProviderFromEnv({}).name).toBe("console");
    expect(() => smsProviderFromEnv({ SMS_PROVIDER: "webhook" })).toThrow(SmsConfigError);
    expect(() => smsProviderFromEnv({ SMS_PROVIDER: "aliyun", ALIYUN_ACCESS_KEY_ID: "x" })).toThrow(/ALIYUN_ACCESS_KEY_SECRET/);
    expect(() => smsProviderFromEnv({ SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC", TWILIO_AUTH_TOKEN: "t" })).toThrow(/TWILIO_FROM/);
    expect(() => smsProviderFromEnv({ SMS_PROVIDER: "carrier-pigeon" })).toThrow('SMS_PROVIDER must be "console", "webhook", "twilio" or "aliyun", not "carrier-pigeon".');
  });
});
