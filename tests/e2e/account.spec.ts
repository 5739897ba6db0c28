import { expect, test, type Browser, type Page } from "@playwright/test";
import { totp, wrongTotp } from "../helpers/totp";
import { demo, signIn } from "./helpers";

const PASSWORD = "lantern-harbour-7341";

/** A user of its own, made by the admin, so that no other spec's sign-in meets the code step. */
async function createUser(browser: Browser, email: string) {
  const context = await browser.newContext();
  const admin = await context.newPage();
  await signIn(admin, demo.admin);
  const response = await admin.request.post("/api/trpc/users.create", {
    headers: { origin: new URL(admin.url()).origin },
    data: { json: { name: "Two-Factor Tester", email, password: PASSWORD, role: "technician", merchantId: null } },
  });
  expect(response.ok(), await response.text()).toBe(true);
  await context.close();
}

async function submitPassword(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a user turns on two-factor sign-in on /account and then signs in with a code from the app", async ({ browser, page }) => {
  const email = `totp-${Date.now()}@example.com`;
  await createUser(browser, email);

  await submitPassword(page, email);
  await page.getByRole("link", { name: "Account and security" }).first().click();
  await expect(page.getByRole("heading", { name: "Account and security" })).toBeVisible();
  await expect(page.getByTestId("two-factor-status")).toHaveText("Off");
  await expect(page.getByTestId("sessions").getByText("This device")).toBeVisible();

  const twoFactor = page.getByRole("region", { name: "Two-factor sign-in" });
  await twoFactor.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await twoFactor.getByLabel("Current password").fill(PASSWORD);
  await twoFactor.getByRole("button", { name: "Continue" }).click();
  await expect(twoFactor.getByRole("img", { name: "QR code to add POS Fleet to an authenticator app" })).toBeVisible();
  // What a person would type into the app by hand.
  const secret = (await twoFactor.getByTestId("totp-secret").textContent())!.replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await twoFactor.getByLabel("Code from the app").fill("12345");
  await twoFactor.getByRole("button", { name: "Turn on" }).click();
  await expect(twoFactor.getByRole("alert")).toHaveText("Enter the 6 digits that the app shows.");
  await twoFactor.getByLabel("Code from the app").fill(totp(secret));
  await twoFactor.getByRole("button", { name: "Turn on" }).click();
  await expect(twoFactor.getByTestId("backup-codes").getByRole("listitem")).toHaveCount(10);
  await expect(twoFactor.getByTestId("two-factor-status")).toHaveText("On");
  await twoFactor.getByRole("button", { name: "I have saved them" }).click();
  await expect(twoFactor.getByRole("button", { name: "New backup codes" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/login/);
  await submitPassword(page, email);
  const step = page.getByTestId("two-factor-step");
  await expect(step.getByRole("heading", { name: "Two-factor sign-in" })).toBeVisible();
  const code = step.getByLabel("Code", { exact: true });
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await code.fill(wrongTotp(secret));
  await code.press("Enter");
  await expect(step.getByRole("alert")).toContainText("That code is not right.");
  await code.fill(totp(secret));
  await code.press("Enter");
  await expect(page.getByTestId("viewer-name").first()).toHaveText("Two-Factor Tester");
  // A technician's start page is their work.
  await expect(page).toHaveURL(/\/maintenance\?mine=true/);
});
