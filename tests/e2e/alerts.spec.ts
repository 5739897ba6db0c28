import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { smtpPort } from "../../playwright.config";
import { demo, open, signIn } from "./helpers";

// MPH-0004 (Metro Pharmacy) stopped checking in hours before the demo was seeded, and no other test
// touches it: an offline rule for Metro Pharmacy raises its alert, and the simulator brings it back.
const SERIAL = "MPH-0004";
const RULE = "Metro Pharmacy offline 10 min";

test("an offline rule reaches the inbox live, by e-mail and by signed webhook, and resolves when the terminal checks in", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  // The mail server the console's SMTP_URL points at (playwright.config.ts).
  const mails: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((mail) => mails.push(mail))
        .then(() => done(), done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, "127.0.0.1", resolve));
  // The receiver checks nothing itself: the test verifies each delivery's signature below, from the raw bytes.
  const deliveries: { headers: http.IncomingHttpHeaders; raw: Buffer }[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  let simulator: ReturnType<typeof spawn> | undefined;

  try {
    await signIn(page, demo.admin);

    // The fleet's webhook; its secret is shown once.
    await open(page, "/alerts/webhooks");
    await page.getByRole("button", { name: "Add webhook" }).click();
    const webhookDialog = page.getByRole("dialog");
    await webhookDialog.getByLabel("URL").fill(receiverUrl);
    await webhookDialog.getByRole("button", { name: "Save" }).click();
    const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "I have copied it" }).click();

    // The rule: Metro Pharmacy's terminals offline for 10 minutes, by e-mail and webhook.
    await open(page, "/alerts?view=rules");
    await page.getByRole("button", { name: "New rule" }).click();
    const ruleDialog = page.getByRole("dialog");
    await ruleDialog.getByLabel("Name").fill(RULE);
    await ruleDialog.getByLabel("Kind").selectOption("terminal_offline");
    await ruleDialog.getByLabel("Offline for more than (minutes)").fill("10");
    await ruleDialog.getByLabel("Metro Pharmacy").check();
    await ruleDialog.getByRole("checkbox", { name: /^Webhook/ }).check();
    await ruleDialog.getByRole("button", { name: "Create rule" }).click();
    await expect(ruleDialog).toBeHidden();
    await expect(page.getByTestId("alert-rules")).toContainText(RULE);

    // The inbox, open before the alert exists, shows it without a reload.
    await open(page, "/alerts");
    const message = `${SERIAL} has not checked in for more than 10 minutes.`;
    await expect(page.getByTestId("alerts").getByText(message)).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("unread-alerts").first()).toBeVisible();

    // The e-mail to the admin, both parts, with a link to the alert.
    await expect.poll(() => mails.find((m) => m.text?.includes(message)), { timeout: 60_000 }).toBeTruthy();
    const mail = mails.find((m) => m.text?.includes(message))!;
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toContain(demo.admin);
    expect(mail.html).toContain(SERIAL);
    expect(mail.text).toMatch(/\/alerts\?alert=[0-9a-f-]{36}/);

    // The webhook delivery, signed over its raw body exactly as a receiver checks it.
    await expect.poll(() => deliveries.find((d) => d.raw.toString().includes(SERIAL)), { timeout: 60_000 }).toBeTruthy();
    const delivery = deliveries.find((d) => d.raw.toString().includes(SERIAL))!;
    expect(delivery.headers["x-posfleet-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(delivery.raw).digest("hex")}`);
    expect(delivery.headers["x-posfleet-event"]).toBe("terminal_offline");
    expect(delivery.headers["x-posfleet-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(delivery.raw.toString())).toMatchObject({
      type: "terminal_offline",
      severity: "warning",
      merchant: { name: "Metro Pharmacy" },
      terminal: { serialNumber: SERIAL },
      message,
      url: expect.stringMatching(/\/alerts\?alert=/),
    });

    // The terminal checks in again: its alert resolves, and the open inbox drops it live.
    simulator = spawn("node_modules/.bin/tsx", ["scripts/simulate.ts", "--base", baseURL!, "--serials", SERIAL, "--interval", "3", "--duration", "60"], { stdio: "ignore" });
    await expect(page.getByTestId("alerts").getByText(message)).toHaveCount(0, { timeout: 60_000 });
    await page.getByLabel("Status").selectOption("resolved");
    await expect(page.getByTestId("alerts").getByText(message)).toBeVisible();
  } finally {
    simulator?.kill("SIGTERM");
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
