import http from "node:http";
import { expect, test } from "@playwright/test";
import { smsGatewayPort } from "../../playwright.config";
import { demo, open, signIn } from "./helpers";

test("a merchant watches a terminal go from in stock to active through the SMS code", async ({ page, request }) => {
  // The SMS gateway the app posts to (SMS_PROVIDER=webhook): the "phone" that receives the code.
  const codes: string[] = [];
  const gateway = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      codes.push((JSON.parse(body) as { params: { code: string } }).params.code);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(smsGatewayPort, "127.0.0.1", resolve));
  try {
    await signIn(page, demo.merchant);
    await open(page, "/activations");
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-live", "true");
    const row = page.getByTestId("activations").getByRole("row").filter({ hasText: "DEMO-0110" });
    await expect(row).toHaveCount(0);
    const waiting = page.getByTestId("in-stock").getByRole("link", { name: "DEMO-0110" });
    await expect(waiting).toBeVisible();

    // On the terminal: the merchant's registered number, without +86.
    const asked = await request.post("/api/device/v1/activation/request", { data: { serialNumber: "DEMO-0110", phone: "13800138000" } });
    expect(asked.status()).toBe(202);
    await expect(row).toContainText("Pending", { timeout: 15_000 });
    await expect(row).toContainText("+86138****8000");
    await expect.poll(() => codes.length).toBe(1);

    const verified = await request.post("/api/device/v1/activation/verify", { data: { serialNumber: "DEMO-0110", code: codes[0] } });
    expect(verified.status()).toBe(200);
    expect(((await verified.json()) as { terminal: { status: string } }).terminal.status).toBe("active");
    await expect(row).toContainText("Activated", { timeout: 20_000 });
    await expect(waiting).toHaveCount(0);

    await row.getByRole("link", { name: "DEMO-0110" }).click();
    await expect(page.getByRole("heading", { name: "DEMO-0110" })).toBeVisible();
    await expect(page.getByText("Active", { exact: true }).first()).toBeVisible();
  } finally {
    await new Promise((resolve) => gateway.close(resolve));
  }
});
