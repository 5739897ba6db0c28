import { expect, test } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// DEMO-0014 is an active Demo Coffee terminal no other test uses for maintenance. Its status must stay
// as it is (other tests roll firmware out to DEMO-0001..0020), so the tamper line is answered "Pass".
const serial = "DEMO-0014";
const phone = { width: 390, height: 844 };
const resolution = "Replaced the card reader flex cable; chip, swipe and tap test transactions approved.";

test("a merchant reports a fault, the technician completes the work order on a phone and the merchant sees it done in the terminal's maintenance history", async ({ page, browser }) => {
  test.setTimeout(120_000);

  // 1. The merchant reports the fault on the terminal's page.
  await signIn(page, demo.merchant);
  await open(page, `/terminals/${serial}`);
  await expect(page.getByRole("heading", { name: serial })).toBeVisible();
  await page.getByRole("button", { name: "Report a fault" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("No response when a card is inserted").check();
  await dialog.getByLabel("Details").fill("The reader stays silent when a chip card goes in, at the second till.");
  await dialog.getByRole("button", { name: "Report a fault" }).click();
  await page.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").at(-1)!;
  // Demo Coffee has one technician: the repair goes straight to them.
  await expect(page.getByTestId("work-order-status")).toHaveText("Scheduled");
  await expect(page.getByTestId("fault-report")).toContainText("No response when a card is inserted");
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.match(/WO-\d+/)![0];

  // 2. The technician, on a phone.
  const techContext = await browser.newContext({ viewport: phone, hasTouch: true });
  try {
    const tech = await techContext.newPage();
    await signIn(tech, demo.technician);
    // A technician's start page is My work: today first, and the first work order on the first screen.
    await open(tech, "/");
    await tech.waitForURL(/\/maintenance\?mine=true&open=true$/);
    await tech.waitForLoadState("networkidle");
    const myWork = tech.getByTestId("my-work");
    await expect(myWork.getByRole("heading", { name: /^Today/ })).toBeVisible();
    await expect(myWork.getByRole("link").first()).toBeInViewport();

    // The terminal may also have a preventive work order from the store's plan: the fault report is the repair.
    const card = myWork
      .getByRole("link")
      .filter({ hasText: serial })
      .filter({ hasText: `Fault: ${serial}` });
    await expect(card).toHaveCount(1);
    await expect(card).toContainText(number);
    await expect(card).toContainText("Repair");
    await expect(card).toContainText("Scheduled");
    await expect(card).toHaveAttribute("href", `/work-orders/${id}`);
    await card.click();
    await tech.waitForURL(`**/work-orders/${id}`);
    await tech.waitForLoadState("networkidle");
    const status = tech.getByTestId("work-order-status");
    await expect(status).toHaveText("Scheduled");

    // Tap-to-call and the map are one thumb away.
    await expect(tech.getByTestId("reach-store").getByRole("link", { name: /^Call / })).toHaveAttribute("href", /^tel:\+86/);
    await expect(tech.getByTestId("reach-store").getByRole("link", { name: "Open in map" })).toHaveAttribute("href", /^https:\/\/www\.openstreetmap\.org\/search\?query=/);

    await tech.getByRole("button", { name: "Start work" }).click();
    await expect(status).toHaveText("In progress");
    // Until everything completion needs is there, the one button saves.
    await expect(tech.getByRole("button", { name: "Save and complete" })).toHaveCount(0);

    // Every checklist line passes, the tamper check included.
    const checklist = tech.getByTestId("checklist");
    const passes = checklist.getByRole("radio", { name: "Pass" });
    await expect(passes).toHaveCount(3);
    for (const pass of await passes.all()) await pass.click();
    await expect(checklist.getByTestId("check-tamper_inspection").getByRole("radio", { name: "Pass" })).toHaveAttribute("aria-checked", "true");

    // The work log.
    await tech.getByLabel("Resolution").fill(resolution);
    await tech.getByLabel("Minutes spent").fill("35");
    await tech.getByLabel("Merchant's name (sign-off)").fill("Li Wei");
    await tech.getByRole("button", { name: "Add part" }).click();
    await tech.getByLabel("Part 1", { exact: true }).fill("Card reader flex cable");
    await tech.getByLabel("Quantity of part 1").fill("1");
    const note = "Old cable was pinched behind the till drawer; rerouted the new one.";
    await tech.getByLabel("Add a note").fill(note);

    // The connection drops: nothing typed is lost, and it is sent when the phone is back online.
    await techContext.setOffline(true);
    await tech.getByRole("button", { name: "Save without completing" }).click();
    await expect(tech.getByTestId("save-state")).toHaveText("Offline, will send");
    await techContext.setOffline(false);
    await expect(tech.getByTestId("save-state")).toHaveText("Saved");
    await expect(tech.getByTestId("work-order-notes")).toContainText(note);
    for (const pass of await passes.all()) await expect(pass).toHaveAttribute("aria-checked", "true");

    await tech.getByRole("button", { name: "Save and complete" }).click();
    await expect(status).toHaveText("Done");
    // A done work order is read-only: the saved work log shows instead of the form.
    await expect(tech.getByTestId("work-log")).toContainText(resolution);
    await expect(tech.getByTestId("work-log")).toContainText("1 × Card reader flex cable");
    await expect(tech.getByTestId("work-log")).toContainText("Li Wei");
    await expect(tech.getByRole("button", { name: "Start work" })).toHaveCount(0);
    // From the top, so the sticky header is not captured halfway down the full-page image.
    await tech.evaluate(() => window.scrollTo(0, 0));
    await tech.screenshot({ path: "/tmp/shots/e2e-tech-wo.png", fullPage: true });
  } finally {
    await techContext.close();
  }

  // 3. The merchant sees it done in the terminal's maintenance history.
  await open(page, `/terminals/${serial}`);
  const history = page.getByTestId("terminal-maintenance");
  // A table at 1280 px (cards only on phones).
  const entry = history.getByRole("row").filter({ has: page.getByRole("link", { name: `${number} Fault: ${serial}` }) });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText("Done");
  await expect(entry).toContainText(resolution);
  await expect(entry).toContainText("Tom Technician");
  await expect(entry.getByRole("link")).toHaveAttribute("href", `/work-orders/${id}`);
  // The terminal stayed active: the tamper check passed.
  await expect(page.getByText("Active", { exact: true }).first()).toBeVisible();
  await page.screenshot({ path: "/tmp/shots/e2e-merchant-history.png", fullPage: true });
});
