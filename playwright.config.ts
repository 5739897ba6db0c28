import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
// The activation test receives the SMS codes here, as a company's SMS gateway would.
export const smsGatewayPort = port + 99;
// The alerts test receives the e-mails here, as a mail server would.
export const smtpPort = port + 98;
// A fresh embedded database per run: the server seeds the demo data into it on first start.
const dataDir = process.env.E2E_PGLITE_DIR ?? path.join(os.tmpdir(), `posfleet-e2e-${process.pid}`, "pglite");

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [["list"]],
  timeout: 60_000,
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    // The production server, on the build that `npm test` makes just before.
    command: "node_modules/.bin/tsx server/main.ts",
    url: `http://localhost:${port}/login`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      PORT: String(port),
      PGLITE_DIR: dataDir,
      SEED_DEMO: "1",
      AUTH_SIGNIN_LIMIT_PER_MINUTE: "1000",
      DATABASE_URL: "",
      SMS_PROVIDER: "webhook",
      SMS_WEBHOOK_URL: `http://127.0.0.1:${smsGatewayPort}/sms`,
      EMAIL_PROVIDER: "smtp",
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    },
  },
});
