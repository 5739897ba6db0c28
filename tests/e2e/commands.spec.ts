import { spawn } from "node:child_process";
import { expect, test } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// Issue 18's journey: a merchant owner locks a (stolen) terminal from a phone, the simulated
// terminal takes the lock at its next check-in and reports it, the console shows "Locked" live; the
// owner unlocks it and "Locked" goes away.
test("a merchant owner locks a terminal from a phone, sees it locked live, and unlocks it", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const serial = "DEMO-0027";
  const screenMessage = "Stolen terminal: please call Demo Coffee on 400-800-1234.";
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, demo.merchant);

  const simulator = spawn("node_modules/.bin/tsx", ["scripts/simulate.ts", "--base", baseURL!, "--serials", serial, "--interval", "3", "--duration", "60"], { stdio: "pipe" });
  let output = "";
  simulator.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  simulator.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await open(page, `/terminals/${serial}`);
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-live", "true");
    await expect(page.getByTestId("terminal-locked")).toHaveCount(0);

    // An owner may lock, unlock and reboot, and nothing else.
    const commands = page.getByTestId("terminal-commands");
    for (const kind of ["Lock", "Unlock", "Reboot"]) await expect(commands.getByRole("button", { name: kind, exact: true })).toBeVisible();
    for (const kind of ["Ping", "Collect logs"]) await expect(commands.getByRole("button", { name: kind, exact: true })).toHaveCount(0);

    // Lock asks for the message the terminal's screen shows.
    await commands.getByRole("button", { name: "Lock", exact: true }).click();
    const lockDialog = page.getByRole("dialog");
    await expect(lockDialog.getByRole("heading", { name: `Lock ${serial}` })).toBeVisible();
    await lockDialog.getByLabel("Message on the terminal's screen").fill(screenMessage);
    await lockDialog.getByRole("button", { name: "Lock", exact: true }).click();
    await expect(lockDialog).toBeHidden();
    const lock = commands.getByTestId("command-lock");
    await expect(lock).toContainText(`Screen: “${screenMessage}”`);
    await expect(lock).toContainText("Li Wei");

    // The simulated terminal picks it up at a check-in and reports it done: no reload.
    await expect(lock).toContainText("Succeeded", { timeout: 30_000 });
    await expect(page.getByTestId("terminal-locked")).toHaveText("Locked", { timeout: 15_000 });
    // Done commands cannot be taken back.
    await expect(lock.getByRole("button", { name: /^Cancel/ })).toHaveCount(0);

    // The terminal list shows the lock beside the status.
    const list = await page.context().newPage();
    await list.setViewportSize({ width: 390, height: 844 });
    await open(list, `/terminals?q=${serial}`);
    const card = list
      .getByTestId("terminals")
      .getByTestId("list-card")
      .filter({ has: list.getByRole("link", { name: serial }) });
    await expect(card.getByRole("img", { name: "Locked" })).toBeVisible();
    await list.close();

    // Unlock asks for confirmation, then the terminal reports it and "Locked" goes.
    await commands.getByRole("button", { name: "Unlock", exact: true }).click();
    const unlockDialog = page.getByRole("dialog");
    await expect(unlockDialog).toContainText(`${serial} takes payments again`);
    await unlockDialog.getByRole("button", { name: "Unlock", exact: true }).click();
    await expect(unlockDialog).toBeHidden();
    await expect(commands.getByTestId("command-unlock")).toContainText("Succeeded", { timeout: 30_000 });
    await expect(page.getByTestId("terminal-locked")).toHaveCount(0, { timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    expect(output).toContain(`${serial}: lock succeeded`);
    expect(output).toContain(`${serial}: unlock succeeded`);
  } finally {
    simulator.kill("SIGTERM");
    await test.info().attach("simulator output", { body: output, contentType: "text/plain" });
  }
});
