import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// Issue 18's journey: an admin filters the terminal list down to 20 terminals, selects them, sends
// Reboot to all of them in one bulk action and watches the progress reach 20 done.
// Demo Coffee Jing'an holds the even DEMO-0002 … DEMO-0040 (20, active) and 5 DEMO-01xx in stock;
// "DEMO-00" leaves those 5 out. Twenty fit on one page, so selecting the page selects all matching.
test("an admin reboots the 20 terminals a filter matches and watches the job reach 20 done", async ({ page }) => {
  await signIn(page, demo.admin);
  await open(page, "/terminals?q=DEMO-00");
  await page.getByRole("combobox", { name: "Store" }).selectOption({ label: "Demo Coffee Jing'an" });
  const list = page.getByTestId("terminals");
  await expect(page.getByText("1–20 of 20")).toBeVisible();
  await expect(list.getByRole("link", { name: "DEMO-0002", exact: true })).toBeVisible();
  await expect(list.getByRole("link", { name: "DEMO-0001", exact: true })).toHaveCount(0);

  await list.getByRole("checkbox", { name: "Select all on this page" }).check();
  const bar = page.getByTestId("bulk-actions");
  await expect(bar).toContainText("20 selected");
  // Every matching terminal is on this page already: nothing more to offer.
  await expect(page.getByTestId("select-all-matching")).toHaveCount(0);

  await bar.getByRole("button", { name: "Send command" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: "Send a command to 20 terminals" })).toBeVisible();
  await dialog.getByLabel("Command").selectOption({ label: "Reboot" });
  await dialog.getByRole("button", { name: "Reboot", exact: true }).click();
  await expect(dialog).toBeHidden();

  // The job runs in the background; its panel follows it live, without a reload.
  const progress = page.getByTestId("bulk-progress");
  await expect(progress.getByTestId("bulk-counts")).toHaveText(/^20 done · 0 skipped · 0 failed · of 20$/, { timeout: 30_000 });
  await expect(progress).toContainText("Finished");
  await expect(progress.getByRole("heading", { name: /^Bulk action: Reboot/ })).toBeVisible();
  await expect(progress.getByRole("link", { name: "Audit log" })).toHaveAttribute("href", /\/audit\?entityType=bulk_job&entityId=/);
  // The selection went with the start.
  await expect(bar).toHaveCount(0);

  // Each terminal got its own reboot, as if sent by hand.
  await open(page, "/terminals/DEMO-0002");
  await expect(page.getByTestId("terminal-commands").getByTestId("command-reboot").first()).toContainText("Ada Admin");
});

// "All N matching this filter" turns the selection into the filter itself, which is what the server gets.
test("selecting all matching a filter selects the filter, not the rows on the page", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, demo.admin);
  await open(page, "/terminals?q=DEMO-00");
  const list = page.getByTestId("terminals");
  await list.getByRole("checkbox", { name: "Select all on this page" }).check();
  const banner = page.getByTestId("select-all-matching");
  await expect(banner).toContainText("All 25 on this page are selected.");

  await banner.getByRole("button", { name: "Select all 40 matching this filter" }).click();
  const bar = page.getByTestId("bulk-actions");
  await expect(bar).toContainText("All 40 terminals matching this filter are selected");
  await expect(bar.getByRole("link", { name: "Export selected" })).toHaveAttribute("href", "/api/terminals/export?q=DEMO-00");
  // A rollout is made from serial numbers, which a filter selection does not list.
  await expect(bar.getByRole("link", { name: "Create rollout" })).toHaveCount(0);
  await bar.getByRole("button", { name: "Send command" }).click();
  await expect(page.getByRole("dialog").getByRole("heading", { name: "Send a command to all 40 terminals matching this filter" })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

  // Unticking one terminal falls back to this page's rows without it.
  await list.getByRole("checkbox", { name: "Select DEMO-0001" }).uncheck();
  await expect(bar).toContainText("24 selected");
  await expect(bar.getByRole("link", { name: "Create rollout" })).toHaveAttribute("href", /^\/rollouts\/new\?serials=DEMO-0002%2C/);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // Chosen rows export by id: the CSV holds exactly those 24 terminals.
  const download = page.waitForEvent("download");
  await bar.getByRole("button", { name: "Export selected" }).click();
  const csv = fs
    .readFileSync((await (await download).path())!, "utf8")
    .trim()
    .split("\n");
  expect(csv).toHaveLength(25);
  expect(csv.slice(1).map((line) => line.split(",")[0])).not.toContain("DEMO-0001");

  // They join the audience of the seeded draft notice, which then lists them.
  await bar.getByRole("button", { name: "Add to notice" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Notice").selectOption({ label: "Use only the supplied thermal paper rolls (draft, no terminals listed)" });
  await dialog.getByRole("button", { name: "Add to notice" }).click();
  await expect(dialog).toBeHidden();
  await expect(bar.getByRole("status")).toContainText("24 terminals added; the notice lists 24.");
  await bar.getByRole("link", { name: "Open the notice" }).click();
  await expect(page.getByText("24 chosen terminals")).toBeVisible();
});
