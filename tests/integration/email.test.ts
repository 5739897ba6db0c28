import type { AddressInfo } from "node:net";
import { and, asc, eq, sql } from "drizzle-orm";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, emailOutbox } from "@/db/schema";
import { ConfigError } from "@/server/env";
import { deliverDueEmails, EMAIL_CLAIM_SECONDS, EMAIL_RETRY_DELAYS_SECONDS, queueEmail } from "@/server/email/outbox";
import { alertEmail, digestEmail } from "@/server/email/templates";
import { emailTransportFromEnv } from "@/server/email/transport";
import { logger } from "@/server/logger";
import { claimDueMessages } from "@/server/outbox";
import { inviteUser, linkInfo } from "@/server/services/account-links";
import { createTestDatabase, demoEmails, merchantNamed, viewerByEmail } from "../helpers/db";

// A real SMTP server in this process: the e-mails go out through nodemailer (EMAIL_PROVIDER=smtp)
// and the tests read them as a mail client would, parsed by mailparser.
let handle: DbHandle;
let smtp: SMTPServer;
let received: { to: string[]; mail: ParsedMail }[] = [];
let refuse: string | null = null;

const T0 = new Date("2027-03-01T09:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

beforeAll(async () => {
  handle = await createTestDatabase();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (refuse) return callback(Object.assign(new Error(refuse), { responseCode: 550 }));
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  vi.stubEnv("EMAIL_PROVIDER", "smtp");
  vi.stubEnv("SMTP_URL", `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`);
  vi.stubEnv("EMAIL_FROM", "POS Fleet <fleet@example.test>");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await handle?.close();
});
beforeEach(async () => {
  received = [];
  refuse = null;
  // Each test counts only its own messages.
  await handle.db.delete(emailOutbox);
});

const queue = (to: string, subject = "Hello") => queueEmail(handle.db, { to, subject, text: `Text for ${to}`, html: `<p>HTML for ${to}</p>` }, { kind: "alert" }, T0);

async function outboxRow(id: string) {
  const [row] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.id, id));
  return row!;
}

describe("delivery through SMTP", () => {
  it("sends an invitation in the merchant's language, with both parts and a link that works", async () => {
    const admin = await viewerByEmail(handle.db, demoEmails.admin);
    const merchant = await merchantNamed(handle.db, "Demo Coffee");
    await inviteUser(
      handle.db,
      { actor: { id: admin.id, label: admin.name, ip: null }, role: "admin", merchantId: null },
      { name: "王芳", email: "wang.fang@example.test", role: "merchant", merchantId: merchant.id },
      T0,
      // The admin reads English; Demo Coffee's language is Chinese, and its login is invited in it.
      "en",
    );
    expect(merchant.language).toBe("zh-CN");

    expect(await deliverDueEmails(handle.db, T0)).toEqual({ sent: 1, failed: 0 });

    expect(received).toHaveLength(1);
    const { to, mail } = received[0]!;
    expect(to).toEqual(["wang.fang@example.test"]);
    expect(mail.from?.value).toEqual([{ name: "POS Fleet", address: "fleet@example.test" }]);
    expect(mail.subject).toBe(`${admin.name} 邀请您使用 POS Fleet`);
    expect(mail.text).toContain("王芳，您好");
    expect(mail.text).toContain("7 天后失效");
    expect(mail.html).toContain("设置密码");
    const link = /http:\/\/localhost:3000\/invite\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? "");
    expect(link).not.toBeNull();
    expect(mail.html).toContain(`href="${link![0]}"`);
    // The link in the e-mail is the invitation: it names the invitee.
    expect(await linkInfo(handle.db, "invitation", link![1]!, T0)).toMatchObject({ state: "valid", name: "王芳", email: "wang.fang@example.test" });

    const [row] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.to, "wang.fang@example.test"));
    expect(row).toMatchObject({ status: "sent", attempts: 1, secret: null, provider: "smtp", kind: "invitation" });
    // The admins' outbox shows the message with its link masked.
    expect(row!.preview).not.toContain(link![1]!);
    expect(row!.preview).toContain("/invite/••••••");
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "email.sent"), eq(auditLog.entityId, row!.id)));
    expect(audit).toHaveLength(1);
  });

  it("escapes what people wrote in the HTML part and keeps it as written in the text part", async () => {
    const content = alertEmail("en", {
      title: 'Terminal <b>DEMO-0001</b> "offline"',
      message: "Owner's note: 5 > 3 & <script>x</script>",
      severity: "critical",
      url: "http://localhost:3000/alerts?id=1&x=2",
    });
    await queueEmail(handle.db, { to: "ops@example.test", ...content }, { kind: "alert" }, T0);
    await deliverDueEmails(handle.db, T0);
    const { mail } = received[0]!;
    expect(mail.subject).toBe('[Critical] Terminal <b>DEMO-0001</b> "offline"');
    expect(mail.text).toContain("Owner's note: 5 > 3 & <script>x</script>");
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("Owner&#39;s note: 5 &gt; 3 &amp; &lt;script&gt;x&lt;/script&gt;");
    expect(mail.html).toContain('href="http://localhost:3000/alerts?id=1&amp;x=2"');
  });

  it("words a digest in Chinese with each alert and its time in the reader's zone", () => {
    const digest = digestEmail("zh-CN", {
      period: "hourly",
      timeZone: "Asia/Shanghai",
      url: "http://localhost:3000/alerts",
      alerts: [
        { title: "DEMO-0001 离线", message: "已离线 12 分钟", severity: "warning", url: "http://localhost:3000/alerts?id=a", raisedAt: new Date("2027-03-01T09:05:00Z") },
        { title: "DEMO-0002 防拆检查未通过", message: "终端已停用", severity: "critical", url: "http://localhost:3000/alerts?id=b", raisedAt: new Date("2027-03-01T09:10:00Z") },
      ],
    });
    expect(digest.subject).toBe("过去一小时的 2 条告警");
    expect(digest.text).toContain("[警告] DEMO-0001 离线");
    expect(digest.text).toContain("[严重] DEMO-0002 防拆检查未通过");
    // 09:05 UTC is 17:05 in Shanghai.
    expect(digest.text).toContain("17:05");
    expect(digest.html).toContain('href="http://localhost:3000/alerts?id=b"');
  });

  it("retries a refused message with back-off, then gives up and wipes it", async () => {
    refuse = "Mailbox unavailable";
    const id = await queue("refused@example.test");
    let now = T0;
    for (const [attempt, delay] of EMAIL_RETRY_DELAYS_SECONDS.entries()) {
      expect(await deliverDueEmails(handle.db, now)).toEqual({ sent: 0, failed: 0 });
      const row = await outboxRow(id);
      expect(row).toMatchObject({ status: "queued", attempts: attempt + 1 });
      expect(row.lastError).toContain("Mailbox unavailable");
      expect(row.nextAttemptAt).toEqual(new Date(now.getTime() + delay * 1000));
      // Not a second earlier.
      await deliverDueEmails(handle.db, new Date(now.getTime() + delay * 1000 - 1000));
      expect((await outboxRow(id)).attempts).toBe(attempt + 1);
      now = new Date(now.getTime() + delay * 1000);
    }
    expect(await deliverDueEmails(handle.db, now)).toEqual({ sent: 0, failed: 1 });
    expect(await outboxRow(id)).toMatchObject({ status: "failed", attempts: EMAIL_RETRY_DELAYS_SECONDS.length + 1, secret: null });
    expect(received).toEqual([]);
    const actions = await handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, id)).orderBy(asc(auditLog.id));
    expect(actions.map((a) => a.action)).toEqual([...EMAIL_RETRY_DELAYS_SECONDS.map(() => "email.retry_scheduled"), "email.failed"]);
  });

  it("delivers a message after the server recovers", async () => {
    refuse = "Try again later";
    const id = await queue("recovers@example.test");
    await deliverDueEmails(handle.db, T0);
    refuse = null;
    expect(await deliverDueEmails(handle.db, at(EMAIL_RETRY_DELAYS_SECONDS[0]!))).toEqual({ sent: 1, failed: 0 });
    expect(await outboxRow(id)).toMatchObject({ status: "sent", attempts: 2, lastError: null, secret: null });
    expect(received.map((r) => r.to)).toEqual([["recovers@example.test"]]);
  });

  it("sends each message exactly once with three deliveries running at the same time", async () => {
    const addresses = Array.from({ length: 12 }, (_, i) => `crowd-${i}@example.test`);
    for (const address of addresses) await queue(address);
    const runs = await Promise.all([deliverDueEmails(handle.db, T0), deliverDueEmails(handle.db, T0), deliverDueEmails(handle.db, T0)]);
    expect(runs.reduce((sum, run) => sum + run.sent, 0)).toBe(12);
    expect(received.flatMap((r) => r.to).sort()).toEqual([...addresses].sort());
    const statuses = await handle.db.select({ status: emailOutbox.status, attempts: emailOutbox.attempts }).from(emailOutbox);
    expect(statuses).toHaveLength(12);
    expect(statuses.every((s) => s.status === "sent" && s.attempts === 1)).toBe(true);
  });

  it("sends a message whose instance died mid-send again after its lease, and not before", async () => {
    const id = await queue("orphan@example.test");
    // An instance claims it and dies before it sends or records anything.
    const claimed = await claimDueMessages<{ id: string }>(handle.db, "email_outbox", sql`id`, T0, { leaseSeconds: EMAIL_CLAIM_SECONDS, limit: 10 });
    expect(claimed.map((c) => c.id)).toEqual([id]);

    expect(await deliverDueEmails(handle.db, at(EMAIL_CLAIM_SECONDS - 1))).toEqual({ sent: 0, failed: 0 });
    expect(received).toEqual([]);

    expect(await deliverDueEmails(handle.db, at(EMAIL_CLAIM_SECONDS))).toEqual({ sent: 1, failed: 0 });
    expect(received.map((r) => r.to)).toEqual([["orphan@example.test"]]);
    expect(await outboxRow(id)).toMatchObject({ status: "sent", attempts: 2 });
  });
});

describe("the transport setting", () => {
  it("needs SMTP_URL for smtp", () => {
    expect(() => emailTransportFromEnv({ EMAIL_PROVIDER: "smtp" })).toThrow(ConfigError);
    expect(() => emailTransportFromEnv({ EMAIL_PROVIDER: "smtp" })).toThrow(/SMTP_URL/);
  });

  it("writes the message to the log with the console transport, so the demo's links can be followed", async () => {
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    try {
      const id = await queue("demo@example.test", "Reset your POS Fleet password");
      expect(await deliverDueEmails(handle.db, T0, emailTransportFromEnv({ EMAIL_PROVIDER: "console" }))).toEqual({ sent: 1, failed: 0 });
      expect(info).toHaveBeenCalledWith({ to: "demo@example.test", subject: "Reset your POS Fleet password" }, expect.stringContaining("Text for demo@example.test"));
      expect(await outboxRow(id)).toMatchObject({ status: "sent", secret: null });
      expect(received).toEqual([]);
    } finally {
      info.mockRestore();
    }
  });

  it("masks single-use links in the log in production mode, and keeps them whole for the demo's operator", async () => {
    const token = "Qm9yZWQ_b2YtdGhlLWxvbmctdG9rZW4tZm9yLXRlc3Q";
    const message = { to: "ops@example.test", subject: "Reset", text: `Open http://localhost:3000/reset-password/${token} within 30 minutes.`, html: "<p>Reset</p>" };
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    try {
      await emailTransportFromEnv({ EMAIL_PROVIDER: "console", NODE_ENV: "production", SEED_DEMO: "0" }).send(message);
      await emailTransportFromEnv({ EMAIL_PROVIDER: "console", NODE_ENV: "production", SEED_DEMO: "1" }).send(message);
      const [production, demo] = info.mock.calls.map((call) => String(call[1]));
      expect(production).not.toContain(token);
      expect(production).toContain("http://localhost:3000/reset-password/•••••• within 30 minutes.");
      expect(demo).toContain(`/reset-password/${token} within`);
    } finally {
      info.mockRestore();
    }
  });
});
