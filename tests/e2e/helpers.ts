import { expect, type Page } from "@playwright/test";

export const demo = {
  admin: "admin@demo.posfleet.dev",
  technician: "tech@demo.posfleet.dev",
  merchant: "owner@demo.posfleet.dev",
  otherMerchant: "owner2@demo.posfleet.dev",
} as const;

/** Navigates and waits until the page's scripts have loaded, so clicks reach React. */
export async function open(page: Page, url: string) {
  const response = await page.goto(url);
  await page.waitForLoadState("networkidle");
  return response;
}

export async function signIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill("demo-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("viewer-name").first()).toBeAttached();
}
