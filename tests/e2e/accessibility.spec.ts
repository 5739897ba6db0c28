import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { demo, open, signIn } from "./helpers";

// Every console page, as each role, in both languages, has no serious or critical violation of
// WCAG 2.1 A/AA as axe finds them. One signed-in page per role and language visits all its pages,
// so the suite signs in six times, not once per page.

type Role = "admin" | "technician" | "merchant";

/** Fixed pages per role; pages with an id in their path (a merchant, a rollout, a work order…) come from the demo data. */
const fixedPages: Record<Role, string[]> = {
  admin: [
    "/",
    "/terminals",
    "/terminals/DEMO-0001",
    "/merchants",
    "/activations",
    "/firmware",
    "/rollouts",
    "/rollouts/new",
    "/maintenance",
    "/training",
    "/notices",
    "/notices/new",
    "/models",
    "/users",
    "/audit",
    "/alerts",
    "/alerts?view=rules",
    "/alerts?view=delivery",
    "/alerts/webhooks",
    "/account",
  ],
  technician: ["/", "/terminals", "/terminals/DEMO-0001", "/merchants", "/activations", "/maintenance", "/training", "/notices", "/alerts", "/alerts?view=rules", "/account"],
  merchant: ["/", "/terminals", "/terminals/DEMO-0001", "/activations", "/maintenance", "/training", "/notices", "/alerts", "/alerts?view=rules", "/alerts/webhooks", "/account"],
};

const emails: Record<Role, string> = { admin: demo.admin, technician: demo.technician, merchant: demo.merchant };

/** A query's answer as the signed-in page's cookies allow it. */
async function query<T>(page: Page, path: string, input: unknown): Promise<T> {
  const response = await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

type Listed = { items: { id: string }[] };
async function firstId(page: Page, path: string, input: unknown = {}): Promise<string> {
  const { items } = await query<Listed>(page, path, input);
  expect(items.length, `${path} lists something to open`).toBeGreaterThan(0);
  return items[0]!.id;
}

/** The role's pages with an id in their path, from the demo data the role can see. */
async function pagesWithIds(page: Page, role: Role): Promise<string[]> {
  const { items: merchants } = await query<{ items: { id: string; name: string }[] }>(page, "merchants.list", {});
  const demoCoffee = merchants.find((m) => m.name === "Demo Coffee")!;
  const { stores } = await query<{ stores: { id: string }[] }>(page, "merchants.getById", { id: demoCoffee.id });
  const pages = [
    `/merchants/${demoCoffee.id}`,
    `/training/evidence/${stores[0]!.id}`,
    `/training/records/${await firstId(page, "training.records")}`,
    `/work-orders/${await firstId(page, "maintenance.list")}`,
    `/notices/${await firstId(page, role === "admin" ? "notices.list" : "notices.inbox")}`,
  ];
  if (role === "admin") pages.push(`/rollouts/${await firstId(page, "rollouts.list")}`);
  return pages;
}

/** The serious and critical violations on the open page, one line each, naming the elements. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 5)
          .join(", ")}${v.nodes.length > 5 ? ` (+${v.nodes.length - 5} more)` : ""}`,
    );
}

for (const role of ["admin", "technician", "merchant"] as const) {
  for (const language of ["en", "zh-CN"] as const) {
    test(`every page as ${role} in ${language} has no serious or critical accessibility violation`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      const context = await browser.newContext();
      const page = await context.newPage();
      // The sign-in form is read in English; the language switch's cookie then chooses the console's language.
      await signIn(page, emails[role]);
      await context.addCookies([{ name: "NEXT_LOCALE", value: language, url: baseURL! }]);
      const found: Record<string, string[]> = {};
      for (const path of [...fixedPages[role], ...(await pagesWithIds(page, role))]) {
        const response = await open(page, path);
        expect(response?.status(), `${path} answers`).toBe(200);
        await expect(page.locator("html")).toHaveAttribute("lang", language);
        const violations = await seriousViolations(page);
        if (violations.length) found[path] = violations;
      }
      await context.close();
      expect(found, `serious or critical violations as ${role} in ${language}`).toEqual({});
    });
  }
}
