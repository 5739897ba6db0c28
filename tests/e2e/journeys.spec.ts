import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// The three journeys of issue 16, each on a phone (390 × 844) and on a laptop (1280 × 800): a
// merchant owner checking terminals and reporting a fault (in Chinese), a technician doing a work
// order through a dropped connection, and an admin importing terminals, rolling out firmware and
// publishing a notice. Each run works on its own terminals, so the runs and the other specs can
// share the database in any order.

const viewports = {
  phone: { width: 390, height: 844 },
  laptop: { width: 1280, height: 800 },
} as const;
type Device = keyof typeof viewports;

/** A signed-in page of its own, at the device's size (a phone also has touch). */
async function signedIn(browser: Browser, device: Device, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: viewports[device], hasTouch: device === "phone", isMobile: device === "phone" });
  const page = await context.newPage();
  await signIn(page, email);
  return { context, page };
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `/tmp/shots/e1-${name}.png`, fullPage: true });
}

/** A tRPC call with the page's session, as the console makes it. */
async function trpc<T>(page: Page, path: string, input: unknown, method: "GET" | "POST" = "GET"): Promise<T> {
  const origin = new URL(page.url()).origin;
  const response =
    method === "GET"
      ? await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`)
      : await page.request.post(`/api/trpc/${path}`, { headers: { origin }, data: { json: input } });
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

// Words of English sentences. Serial numbers, brand and model names (PAX A920 Pro, Sunmi P2), and
// the demo's merchant, store and people names ("Demo Coffee Xuhui", "Li Wei") contain none of them.
const englishWords =
  /\b(the|and|your|you|is|are|was|of|to|for|with|this|terminals?|offline|online|since|ago|today|report|fault|search|filters?|status|battery|firmware|store|never|seen|repair|save|cancel|close|loading|maintenance|history|details|work order)\b/i;

/**
 * The page is in Chinese: its language is zh-CN, it shows the expected Chinese text, and no English
 * sentence is on it. What an admin wrote (a critical notice's title in the banner) is content, not
 * the console's wording, and is left out.
 */
async function expectChinese(page: Page, chinese: string | RegExp) {
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByText(chinese).filter({ visible: true }).first()).toBeVisible();
  const text = await page.evaluate(() => {
    const written = [...document.querySelectorAll('[data-testid="critical-notice-banner"] p > span:nth-of-type(2)')].map((e) => (e as HTMLElement).innerText);
    return written.reduce((body, title) => body.split(title).join(" "), document.body.innerText);
  });
  const english = text.split("\n").filter((line) => englishWords.test(line));
  expect(english, `English on ${page.url()}`).toEqual([]);
}

/** Nothing on the page is wider than the screen: it never scrolls sideways. */
async function expectNoSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `sideways scroll on ${page.url()}`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** The element lies wholly inside the viewport: seen without scrolling. */
async function expectOnFirstScreen(page: Page, element: Locator) {
  const box = (await element.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
}

// Demo Coffee Xuhui's terminals: DEMO-0037 has been offline for two days (the seed's), the others
// report faults and get repaired here only (one per run).
const offlineSerial = "DEMO-0037";
const merchantSerial: Record<Device, string> = { phone: "DEMO-0031", laptop: "DEMO-0033" };
const technicianSerial: Record<Device, string> = { phone: "DEMO-0035", laptop: "DEMO-0029" };

for (const device of ["phone", "laptop"] as const) {
  test.describe(`on a ${device} (${viewports[device].width} × ${viewports[device].height})`, () => {
    test("a merchant owner, in Chinese, finds a store's terminals, sees an offline one in words and reports a fault, then adds to the open repair", async ({ browser, baseURL }) => {
      test.setTimeout(90_000);
      const serial = merchantSerial[device];
      const { context, page } = await signedIn(browser, device, demo.merchant);
      // The sign-in form is read in English; from here on the console is in Chinese, as the language switch leaves it.
      await context.addCookies([{ name: "NEXT_LOCALE", value: "zh-CN", url: baseURL! }]);

      await open(page, "/terminals");
      await expect(page.getByRole("heading", { name: "终端", level: 1 })).toBeVisible();
      const list = page.getByTestId("terminals");
      const connectivity = page.getByRole("combobox", { name: "连接状态" });
      if (device === "phone") {
        // Cards, not a table squeezed sideways; the filters wait behind one button.
        await expect(list.getByRole("table")).toHaveCount(0);
        await expect(list.getByTestId("list-card").first()).toBeVisible();
        await expect(connectivity).toBeHidden();
        await page.getByRole("button", { name: "筛选" }).click();
        await expect(connectivity).toBeVisible();
      } else {
        await expect(list.getByRole("table")).toBeVisible();
        await expect(page.getByRole("button", { name: "筛选" })).toBeHidden();
        await expect(connectivity).toBeVisible();
      }
      await expectChinese(page, "终端");
      await expectNoSidewaysScroll(page);

      // Search by the store's name: only that store's terminals are listed.
      await page.getByRole("textbox", { name: "按序列号、门店或商户搜索" }).fill("Xuhui");
      await expect(page).toHaveURL(/q=Xuhui/);
      await expect(list.getByRole("link", { name: serial })).toBeVisible();
      const rows = device === "phone" ? list.getByTestId("list-card") : list.locator("tbody tr");
      for (const store of await rows.allInnerTexts()) expect(store).toContain("Demo Coffee Xuhui");

      // Offline is said in words, with the time the terminal was last seen.
      await connectivity.selectOption({ label: "离线" });
      await expect(page).toHaveURL(/connectivity=offline/);
      const offline = device === "phone" ? list.getByTestId("list-card").filter({ has: page.getByRole("link", { name: offlineSerial }) }) : list.locator("tbody tr").filter({ hasText: offlineSerial });
      await expect(offline.getByTestId("connectivity")).toHaveText(/^自 .+ 起离线$/);
      await expect(offline).toContainText("已激活");
      await expectChinese(page, "起离线");
      await shot(page, `merchant-terminals-${device}`);
      await connectivity.selectOption({ label: "全部连接状态" });
      await expect(page).not.toHaveURL(/connectivity=/);

      // Open the terminal: on a phone the whole card is the one tap target.
      if (device === "phone") {
        const card = list.getByTestId("list-card").filter({ has: page.getByRole("link", { name: serial }) });
        await expect(card.getByRole("link")).toHaveCount(1);
        const cardBox = (await card.boundingBox())!;
        const linkBox = (await card.getByRole("link").boundingBox())!;
        expect(cardBox.height).toBeGreaterThanOrEqual(44);
        expect(linkBox.width).toBeGreaterThanOrEqual(cardBox.width - 1);
        expect(linkBox.height).toBeGreaterThanOrEqual(cardBox.height - 1);
        // A tap anywhere on the card opens it: here on its store line, away from the serial number.
        await card.scrollIntoViewIfNeeded();
        const storeLine = (await card.getByText("Demo Coffee Xuhui").boundingBox())!;
        await page.touchscreen.tap(storeLine.x + storeLine.width / 2, storeLine.y + storeLine.height / 2);
      } else {
        await list.getByRole("link", { name: serial }).click();
      }
      await page.waitForURL(`**/terminals/${serial}`);
      await page.waitForLoadState("networkidle");
      await expect(page.getByRole("heading", { name: serial })).toBeVisible();
      await expectChinese(page, "报告故障");
      await expectNoSidewaysScroll(page);

      // Report a fault: it opens a repair.
      await page.getByRole("button", { name: "报告故障" }).click();
      let dialog = page.getByRole("dialog");
      await expect(dialog.getByTestId("open-repair")).toHaveCount(0);
      await dialog.getByLabel("插卡无反应").check();
      await dialog.getByLabel("详细说明").fill("第二台收银机插卡后没有反应。");
      await dialog.getByRole("button", { name: "报告故障" }).click();
      await page.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
      const repairId = page.url().split("/").at(-1)!;
      await page.waitForLoadState("networkidle");
      const number = (await page.getByRole("heading", { level: 1 }).textContent())!.match(/WO-\d+/)![0];
      await expect(page.getByTestId("fault-report")).toContainText("插卡无反应");
      await expectChinese(page, "插卡无反应");
      await expectNoSidewaysScroll(page);
      await shot(page, `merchant-repair-${device}`);

      // A second report on the same terminal: the dialog says a repair is open and offers to add to it.
      await open(page, `/terminals/${serial}`);
      await page.getByRole("button", { name: "报告故障" }).click();
      dialog = page.getByRole("dialog");
      await expect(dialog.getByTestId("open-repair")).toContainText(`该终端已有未完成的维修工单 ${number}`);
      await expect(dialog.getByTestId("open-repair").getByRole("link", { name: number })).toHaveAttribute("href", `/work-orders/${repairId}`);
      await dialog.getByLabel("打印机故障").check();
      await expectChinese(page, "补充到");
      await shot(page, `merchant-add-to-repair-${device}`);
      await dialog.getByRole("button", { name: `补充到 ${number}` }).click();
      // The same work order, now with both reports.
      await page.waitForURL(`**/work-orders/${repairId}`);
      await expect(page.getByTestId("fault-report")).toContainText("打印机故障");
      await expect(page.getByTestId("fault-report")).toContainText("插卡无反应");
      await expectChinese(page, "打印机故障");
      await context.close();
    });

    test("a technician lands on My work, opens the first screen's work order and completes a repair through a dropped connection", async ({ browser }) => {
      test.setTimeout(90_000);
      const serial = technicianSerial[device];
      const resolution = `Cleaned the card slot and reseated the reader (${device}).`;

      // The repair to do: Demo Coffee's owner reports a fault; with one technician, it is theirs.
      const owner = await signedIn(browser, device, demo.merchant);
      const { items } = await trpc<{ items: { id: string; serialNumber: string }[] }>(owner.page, "terminals.list", { q: serial });
      const terminalId = items.find((t) => t.serialNumber === serial)!.id;
      const repair = await trpc<{ id: string }>(owner.page, "maintenance.reportFault", { terminalId, symptoms: ["card_insert_no_response"], description: "The reader stays silent." }, "POST");
      await owner.context.close();

      const { context, page } = await signedIn(browser, device, demo.technician);
      // The start page is My work, today first.
      await expect(page).toHaveURL(/\/maintenance\?mine=true&open=true$/);
      await page.waitForLoadState("networkidle");
      await expect(page.getByRole("heading", { name: "My work", level: 1 })).toBeVisible();
      const myWork = page.getByTestId("my-work");
      await expect(myWork.getByRole("heading", { name: /^Today/ })).toBeVisible();
      const first = myWork.getByRole("listitem").getByRole("link").first();
      await expect(first).toBeVisible();
      await expectOnFirstScreen(page, first);
      await expectNoSidewaysScroll(page);
      await shot(page, `technician-my-work-${device}`);

      const card = myWork.getByRole("link").filter({ hasText: `Fault: ${serial}` });
      await expect(card).toHaveAttribute("href", `/work-orders/${repair.id}`);
      await card.click();
      await page.waitForURL(`**/work-orders/${repair.id}`);
      await page.waitForLoadState("networkidle");
      const status = page.getByTestId("work-order-status");
      await page.getByRole("button", { name: "Start work" }).click();
      await expect(status).toHaveText("In progress");

      // Checklist, work log and completion are one form with one primary button.
      for (const pass of await page.getByTestId("checklist").getByRole("radio", { name: "Pass" }).all()) await pass.click();
      await page.getByLabel("Resolution").fill(resolution);
      await page.getByLabel("Minutes spent").fill("20");
      await page.getByLabel("Merchant's name (sign-off)").fill("Li Wei");
      const form = page.locator("form").filter({ has: page.getByTestId("checklist") });
      await expect(form.locator('button[type="submit"]')).toHaveCount(1);
      const complete = form.getByRole("button", { name: "Save and complete" });
      await expect(complete).toHaveAttribute("type", "submit");
      await expect(complete).toBeInViewport();
      await expectNoSidewaysScroll(page);

      // The connection drops as the technician saves: the work waits and says so.
      await context.setOffline(true);
      await complete.click();
      await expect(page.getByTestId("save-state")).toHaveText("Offline, will send");
      await expect(status).toHaveText("In progress");
      await shot(page, `technician-offline-${device}`);
      // Back online, it goes out by itself.
      await context.setOffline(false);
      await expect(status).toHaveText("Done", { timeout: 15_000 });
      await expect(page.getByTestId("work-log")).toContainText(resolution);

      // It reached the server: a reload shows the same.
      await page.reload();
      await expect(status).toHaveText("Done");
      await expect(page.getByTestId("work-log")).toContainText(resolution);
      await expect(page.getByTestId("work-log")).toContainText("Li Wei");
      await context.close();
    });

    test("an admin imports terminals by merchant and store names, rolls firmware out to chosen terminals and publishes a notice", async ({ browser }) => {
      test.setTimeout(90_000);
      // Serial numbers and terminals of this run only: the rollout's Ingenico terminals run 11.4.2, and 11.6.0 is published for them.
      const prefix = device === "phone" ? "J390" : "J1280";
      const rolloutSerial = device === "phone" ? "HRB-0003" : "MPH-0003";
      const { context, page } = await signedIn(browser, device, demo.admin);

      // 1. Import terminals from a CSV that names the merchant and the store.
      await open(page, "/terminals");
      await page.getByRole("button", { name: "Import CSV" }).click();
      const dialog = page.getByRole("dialog");
      // Nothing in it (the long column line) makes it wider than the screen.
      expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
      await expect(dialog.getByRole("link", { name: "Download template" })).toHaveAttribute("download", "terminals-template.csv");
      const csv = [
        "serial_number,manufacturer,model,merchant,store,firmware_version",
        `${prefix}-0001,Ingenico,Move/5000,Harbor Books,Harbor Books Tianhe,11.4.2`,
        `${prefix}-0002,PAX,A80,Harbor Books,Harbor Books Yuexiu,1.9.0`,
        `${prefix}-0003,PAX,A80,Harbor Books,Harbour Books Tianhe,1.9.0`,
      ].join("\n");
      await dialog.getByLabel("CSV file").setInputFiles({ name: "new-terminals.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      const result = dialog.getByTestId("import-result");
      await expect(result).toContainText("2 of 3 rows are valid; 1 has problems.");
      // The bad row quotes what it says, so the admin can find the typo.
      await expect(result).toContainText("Row 4, store “Harbour Books Tianhe”");
      await shot(page, `admin-import-${device}`);
      await dialog.getByRole("button", { name: "Import 2 valid rows" }).click();
      await expect(result).toContainText("Imported 2 terminals; 1 row was skipped.");
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();
      await open(page, `/terminals?q=${prefix}-`);
      await expect(page.getByTestId("list-range")).toHaveText("1–2 of 2");
      await page
        .getByTestId("terminals")
        .getByRole("link", { name: `${prefix}-0002` })
        .click();
      await page.waitForURL(`**/terminals/${prefix}-0002`);
      await expect(page.getByText("Harbor Books Yuexiu").first()).toBeVisible();

      // 2. A rollout of the published 11.6.0 to one chosen terminal.
      await open(page, "/rollouts/new");
      await page.getByLabel("Release").selectOption({ label: "11.6.0 (Ingenico Move/5000)" });
      await page.getByLabel("List of serial numbers").check();
      await page.getByRole("textbox", { name: "Serial numbers" }).fill(rolloutSerial);
      await expect(page.getByTestId("rollout-preview")).toContainText("Hits 1 terminal");
      await expectNoSidewaysScroll(page);
      const rolloutName = `Journey ${device} Move/5000 11.6.0`;
      await page.getByLabel("Name", { exact: true }).fill(rolloutName);
      await page.getByRole("button", { name: "Create rollout" }).click();
      await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/);
      await expect(page.getByRole("heading", { name: rolloutName })).toBeVisible();
      await expect(page.getByTestId("rollout-status")).toContainText(/Running|Scheduled/);
      await expectNoSidewaysScroll(page);
      await shot(page, `admin-rollout-${device}`);

      // 3. A notice for one merchant, published after the confirmation.
      const title = `Reader cleaning visit this week (${device} ${Date.now()})`;
      await open(page, "/notices/new");
      await page.getByLabel("Title").fill(title);
      await page.getByLabel("Message").fill("A technician will clean the card readers of **every** till.");
      await page.getByLabel("Severity").selectOption("info");
      await page.getByLabel("Chosen merchants, places or devices").check();
      await page.getByRole("group", { name: "Merchants" }).getByLabel("Harbor Books").check();
      await expectNoSidewaysScroll(page);
      await page.getByRole("button", { name: "Publish now" }).click();
      const confirm = page.getByRole("dialog");
      // The confirmation says how far it reaches: Harbor Books has no console users, only terminals.
      await expect(confirm).toContainText(/goes to 0 people and \d+ terminals/);
      await confirm.getByRole("button", { name: "Publish now" }).click();
      await page.waitForURL(/\/notices\/[0-9a-f-]{36}$/);
      await expect(page.getByRole("heading", { name: title })).toBeVisible();
      await expectNoSidewaysScroll(page);
      await open(page, "/notices");
      await expect(page.getByText(title).first()).toBeVisible();
      await shot(page, `admin-notices-${device}`);
      await context.close();
    });
  });
}
