import { expect, test } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// Demo Coffee Xuhui's seeded staff: three cashiers (Gao Yan, He Na, Lin Tao) hold no valid card and
// PIN safety pass, so the store starts at 3 of 6 current. No other test changes training data.
const store = "Demo Coffee Xuhui";
const attendees = ["Gao Yan", "He Na", "Lin Tao"];

test("a merchant records a session for three staff members and sees the store's compliance change", async ({ page, browser }) => {
  test.setTimeout(90_000);
  await signIn(page, demo.merchant);
  await open(page, "/training");
  const row = page.getByTestId("store-compliance").getByTestId(`store-${store}`);
  await expect(row.getByRole("meter")).toHaveAccessibleName("3 of 6 current");
  await expect(row.getByRole("meter")).toHaveAttribute("aria-valuenow", "50");

  await page.getByRole("button", { name: "Record a session" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Store").selectOption({ label: `${store} · Demo Coffee` });
  await dialog.getByLabel("Course").selectOption({ label: "Card and PIN safety" });
  // The owner records a session they gave; the name starts as theirs.
  await expect(dialog.getByLabel("Trainer's name")).toHaveValue("Li Wei");
  // "Select who needs it" picks exactly the three whose role requires the course and who are not current.
  await dialog.getByRole("button", { name: "Select who needs it" }).click();
  for (const name of attendees) await expect(dialog.getByRole("checkbox", { name: new RegExp(name) })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { checked: true })).toHaveCount(3);
  await dialog.getByLabel("Score for Gao Yan (optional)").fill("92");
  await dialog.getByRole("button", { name: "Record for 3 people" }).click();
  await expect(dialog).toBeHidden();

  // The compliance table refreshes without a reload.
  await expect(row.getByRole("meter")).toHaveAccessibleName("6 of 6 current");
  await expect(row.getByRole("meter")).toHaveAttribute("aria-valuenow", "100");

  // The records list carries the three new passes, and the store's PCI DSS 9.5.1 evidence shows everyone current.
  await open(page, `/training?view=records&q=${encodeURIComponent("Card and PIN")}`);
  for (const name of attendees) await expect(page.getByTestId("training-records").getByRole("row").filter({ hasText: name }).filter({ hasText: "Current" }).first()).toBeVisible();
  await open(page, "/training");
  await row.getByRole("link", { name: store }).click();
  await expect(page.getByRole("heading", { name: "PCI DSS 9.5.1 evidence" })).toBeVisible();
  await expect(page.getByTestId("evidence-summary")).toContainText("100% (6/6)");
  for (const name of attendees) await expect(page.getByTestId("evidence-staff").locator(`li[data-staff="${name}"]`)).not.toContainText(/Not trained|Expired/);

  // The evidence as CSV: the store's devices, then each person's standing per required course.
  const storeId = page.url().split("/").at(-1)!;
  const csv = await page.request.get(`/api/training/evidence/${storeId}`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const text = await csv.text();
  expect(text).toMatch(/^section,serial_number,manufacturer,model,location,/);
  expect(text).toMatch(/\ndevice,DEMO-0003,/);
  for (const name of attendees) expect(text).toMatch(new RegExp(`\ntraining,.*,${name},cashier,Card and PIN safety,[0-9-]+,[0-9-]+,current`));
  expect((await page.request.get("/api/training/evidence/not-a-store")).status()).toBe(404);
  // The records export keeps the list's filters.
  const expired = await (await page.request.get("/api/training/records/export?state=expired")).text();
  expect(
    expired
      .trim()
      .split("\n")
      .slice(1)
      .every((line) => line.endsWith(",expired")),
  ).toBe(true);

  // Another merchant's owner cannot read this store's evidence: it answers like a store that does not exist.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, demo.otherMerchant);
  expect((await otherPage.request.get(`/api/training/evidence/${storeId}`)).status()).toBe(404);
  expect((await otherPage.goto(`/training/evidence/${storeId}`))!.status()).toBe(404);
  await other.close();
});

test("the training CSV downloads need a signed-in user", async ({ request }) => {
  expect((await request.get("/api/training/records/export")).status()).toBe(401);
  expect((await request.get("/api/training/evidence/00000000-0000-4000-8000-000000000000")).status()).toBe(401);
});
