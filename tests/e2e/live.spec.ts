import { spawn } from "node:child_process";
import { expect, test } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

test("an open console sees an offline terminal come online when it sends a heartbeat", async ({ page, request }) => {
  await signIn(page, demo.admin);
  await open(page, "/terminals/DEMO-0040");
  const lastSeen = page.getByTestId("last-seen");
  // Offline in words, with the time of the last check-in.
  await expect(lastSeen.getByTestId("connectivity")).toHaveText(/^Offline since /);
  await expect(lastSeen).toContainText("2 days ago");

  // The admin provisions the terminal; the token is shown once.
  await page.getByRole("button", { name: "Issue device token" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Issue token" }).click();
  const token = (await page.getByTestId("device-token").textContent())!.trim();
  expect(token).toMatch(/^pfd_/);
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).first().click();
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-live", "true");

  // A second console, on the offline list, watches too.
  const list = await page.context().newPage();
  await open(list, "/terminals?connectivity=offline");
  await expect(list.getByRole("link", { name: "DEMO-0040" })).toBeVisible();
  await expect(list.getByTestId("live-status")).toHaveAttribute("data-live", "true");

  const response = await request.post("/api/device/v1/heartbeat", {
    headers: { authorization: `Bearer ${token}` },
    data: { firmwareVersion: "2.4.1", batteryPercent: 77, signalDbm: -63, network: "wifi", transactionsSinceLast: 3 },
  });
  expect(response.status()).toBe(200);

  // No reload: the pages follow the server's events.
  await expect(lastSeen.getByTestId("connectivity")).toHaveText("Online", { timeout: 15_000 });
  await expect(page.getByText("77%").first()).toBeVisible();
  await expect(page.getByTestId("recent-checkins")).toContainText("2.4.1");
  await expect(list.getByRole("link", { name: "DEMO-0040" })).toHaveCount(0, { timeout: 15_000 });
});

test("a merchant watches a terminal come online when the simulator starts it", async ({ page, baseURL }) => {
  await signIn(page, demo.merchant);
  await open(page, "/terminals?connectivity=offline_day");
  await expect(page.getByRole("link", { name: "DEMO-0038" })).toBeVisible();
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-live", "true");

  const simulator = spawn("node_modules/.bin/tsx", ["scripts/simulate.ts", "--base", baseURL!, "--serials", "DEMO-0038", "--interval", "3", "--duration", "30"], { stdio: "pipe" });
  let output = "";
  simulator.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  simulator.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await expect(page.getByRole("link", { name: "DEMO-0038" })).toHaveCount(0, { timeout: 30_000 });
    await open(page, "/terminals/DEMO-0038");
    await expect(page.getByTestId("last-seen").getByTestId("connectivity")).toHaveText("Online");
  } finally {
    simulator.kill("SIGTERM");
    await test.info().attach("simulator output", { body: output, contentType: "text/plain" });
  }
});
