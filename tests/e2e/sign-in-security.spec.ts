import { expect, test } from "@playwright/test";
import { demo } from "./helpers";

const port = Number(process.env.E2E_PORT ?? 3100);

async function fillSignIn(page: import("@playwright/test").Page, email: string) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill("demo-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("signs in at 127.0.0.1 as well as at localhost", async ({ page }) => {
  // The language cookie makes the browser's sign-in carry cookies, which is when the origin is checked.
  await page.goto(`http://127.0.0.1:${port}/login`);
  await page.waitForLoadState("networkidle");
  await fillSignIn(page, demo.technician);
  await expect(page.getByTestId("viewer-name").first()).toBeAttached();
  expect(new URL(page.url()).host).toBe(`127.0.0.1:${port}`);
});

for (const next of ["/%5Cevil.example/a", "/%09/evil.example", "//evil.example/", "https://evil.example/"]) {
  test(`after sign-in, next=${next} stays on the console`, async ({ page }) => {
    await page.goto(`/login?next=${next}`);
    await page.waitForLoadState("networkidle");
    await fillSignIn(page, demo.technician);
    await expect(page.getByTestId("viewer-name").first()).toBeAttached();
    expect(new URL(page.url()).origin).toBe(`http://localhost:${port}`);
  });
}

test("a same-origin next is honoured", async ({ page }) => {
  await page.goto("/login?next=%2Fterminals%3Fstatus%3Dactive");
  await page.waitForLoadState("networkidle");
  await fillSignIn(page, demo.technician);
  await expect(page).toHaveURL(/\/terminals\?status=active$/);
});

test("signs out after 15 minutes without activity and says why", async ({ page }) => {
  await page.clock.install();
  await page.goto("/login?next=%2Fterminals");
  await page.waitForLoadState("networkidle");
  await fillSignIn(page, demo.merchant);
  await expect(page).toHaveURL(/\/terminals$/);
  await page.clock.fastForward("14:00");
  await expect(page).toHaveURL(/\/terminals$/);
  // Activity restarts the count.
  await page.keyboard.press("Shift");
  await page.clock.fastForward("14:00");
  await expect(page).toHaveURL(/\/terminals$/);
  await page.clock.fastForward("02:00");
  await expect(page).toHaveURL(/\/login\?idle=1&next=%2Fterminals/);
  await expect(page.getByRole("status")).toContainText("signed out after 15 minutes without activity");
  // The session really ended: the console asks for a sign-in again.
  await page.goto("/terminals");
  await expect(page).toHaveURL(/\/login/);
});
