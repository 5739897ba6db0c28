import { spawn } from "node:child_process";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { asFirmwareImage } from "../helpers/firmware-image";
import { demo, open, signIn } from "./helpers";

const serials = Array.from({ length: 20 }, (_, i) => `DEMO-${String(i + 1).padStart(4, "0")}`);

/** A tRPC call over HTTP with the page's session, as the console makes it. */
async function trpc<T>(request: APIRequestContext, path: string, input: unknown, method: "GET" | "POST" = "GET"): Promise<T> {
  const response =
    method === "GET" ? await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`) : await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/** A fixed-offset zone in which it is now between 03:00 and 04:00, inside the default 02:00–05:00 window. */
function zoneAtThreeInTheMorning(now = new Date()): string {
  let offset = (3 - now.getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  // The Etc zones' signs are inverted: Etc/GMT-8 is UTC+8.
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

test("an admin uploads firmware and rolls it out to 20 terminals; at 30% failures the rollout pauses itself in the first phase past its threshold", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  await signIn(page, demo.admin);

  // Installs run only inside each store's maintenance window: put Demo Coffee's stores where it is night now.
  const options = await trpc<{ stores: { id: string; name: string }[] }>(page.request, "terminals.filterOptions", undefined);
  const timeZone = zoneAtThreeInTheMorning();
  for (const store of options.stores.filter((s) => s.name.startsWith("Demo Coffee"))) {
    await trpc(page.request, "merchants.updateStore", { id: store.id, timeZone, maintenanceStarts: "02:00", maintenanceEnds: "05:00" }, "POST");
  }

  // Upload and publish a release for every model.
  await open(page, "/firmware");
  await page.getByRole("button", { name: "New release" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Version", { exact: true }).fill("20.0.0");
  for (const model of await dialog.getByRole("checkbox").all()) {
    if ((await model.getAttribute("name")) === "modelIds") await model.check();
  }
  await dialog.getByLabel("Firmware image").setInputFiles({ name: "fleet-20.0.0.bin", mimeType: "application/octet-stream", buffer: asFirmwareImage(Buffer.alloc(300_000, 7)) });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId("release-20.0.0");
  await expect(row).toContainText("293.0 KiB");
  await row.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish" }).click();
  await expect(row).toContainText("Published");

  // Create the rollout from a pasted list, in two phases (25%, then all) that pause at 10% failures.
  await row.getByRole("link", { name: "Roll out" }).click();
  await page.getByLabel("List of serial numbers").check();
  await page.getByRole("textbox", { name: "Serial numbers" }).fill(serials.join("\n"));
  await expect(page.getByTestId("rollout-preview")).toContainText("Hits 20 terminals");
  await page.getByLabel("Name", { exact: true }).fill("E2E fleet update");
  await page.getByRole("button", { name: "Remove phase 3" }).click();
  await page.getByRole("button", { name: "Remove phase 2" }).click();
  await page.getByLabel("Share of terminals (%)").first().fill("25");
  await page.getByRole("button", { name: "Create rollout" }).click();
  await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/);
  const rolloutId = page.url().split("/").at(-1)!;
  await expect(page.getByTestId("rollout-status")).toContainText("Running");

  const simulator = spawn(
    "node_modules/.bin/tsx",
    ["scripts/simulate.ts", "--base", baseURL!, "--serials", serials.join(","), "--interval", "2", "--duration", "200", "--fail-rate", "0.3", "--seed", "7"],
    { stdio: "pipe" },
  );
  let output = "";
  simulator.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  simulator.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    // The open page follows the rollout live and shows the automatic pause.
    await expect(page.getByTestId("rollout-status")).toContainText("Paused", { timeout: 180_000 });
    await expect(page.getByTestId("pause-reason")).toContainText("Paused automatically");
  } finally {
    simulator.kill("SIGTERM");
    await test.info().attach("simulator output", { body: output, contentType: "text/plain" });
  }

  type Phase = { position: number; status: string; terminalCount: number; failureThreshold: number; acceptedFailures: number; counts: Record<string, number> };
  const rollout = await trpc<{ status: string; pauseReason: string; phases: Phase[]; failureCodes: { errorCode: string }[] }>(page.request, "rollouts.get", { id: rolloutId });
  expect(rollout).toMatchObject({ status: "paused", pauseReason: "failure_threshold" });
  const pastThreshold = (p: Phase) => ((p.counts.failed! - p.acceptedFailures) / p.terminalCount) * 100 > p.failureThreshold;
  const paused = rollout.phases.find(pastThreshold)!;
  expect(paused).toBeDefined();
  // Every phase before it finished below its threshold; none after it started.
  for (const p of rollout.phases) {
    if (p.position < paused.position) expect(p).toMatchObject({ status: "completed" });
    if (p.position > paused.position) expect(p.status).toBe("pending");
  }
  expect(rollout.failureCodes.map((f) => f.errorCode)).toContain("install_failed");
  // A terminal that installed the update reports the new version.
  await open(page, `/rollouts/${rolloutId}?status=succeeded`);
  const updated = (await page.getByTestId("rollout-jobs").getByRole("link").first().textContent())!;
  await open(page, `/terminals/${updated}`);
  await expect(page.getByTestId("terminal-updates")).toContainText("Succeeded");
  await expect(page.getByText("20.0.0").first()).toBeVisible();
});
