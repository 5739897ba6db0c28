import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import * as trpcRoute from "@/app/api/trpc/[trpc]/route";
import { createTestDatabase, demoCallers, demoEmails } from "../helpers/db";
import { sessionCookie } from "../helpers/sessions";

// The route handler opens the app's database; here it is this file's test database.
const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

type TrpcError = {
  error: { json: { message: string; data: { code: string; reason: string | null; params: Record<string, unknown> | null; fieldErrors: Record<string, string[]> | null; invalidInput: boolean } } };
};

let handle: DbHandle;
let admin: string;
let storeId: string;

beforeAll(async () => {
  handle = testDb.handle = await createTestDatabase();
  admin = await sessionCookie(demoEmails.admin, "192.0.2.51");
  const merchant = (await demoCallers(handle.db)).merchant;
  storeId = (await merchant.merchants.storeChoices())[0]!.id;
});
afterAll(async () => handle?.close());

/** One call through the real route, as the console makes it, with the language a browser would send. */
async function call(procedure: string, input: unknown, language: { cookie?: string; acceptLanguage?: string; signedOut?: boolean } = {}, method: "GET" | "POST" = "GET") {
  const cookie = [language.signedOut ? "" : admin, language.cookie].filter(Boolean).join("; ");
  const headers: Record<string, string> = { cookie, origin: "http://localhost:3000", "content-type": "application/json" };
  if (language.acceptLanguage) headers["accept-language"] = language.acceptLanguage;
  const url = `http://localhost:3000/api/trpc/${procedure}`;
  const response =
    method === "GET"
      ? await trpcRoute.GET(new Request(`${url}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers }))
      : await trpcRoute.POST(new Request(url, { method: "POST", headers, body: JSON.stringify({ json: input }) }));
  return { status: response.status, error: ((await response.json()) as TrpcError).error.json };
}

describe("errors in the caller's language", () => {
  it("words a refusal in English by default, with its reason and parameters", async () => {
    const { status, error } = await call("terminals.getBySerial", { serialNumber: "NOPE-0001" });
    expect(status).toBe(404);
    expect(error.message).toBe("This terminal was not found.");
    expect(error.data).toMatchObject({ reason: "terminalNotFound", params: {} });
  });

  it("follows the language switch's cookie, then the browser's Accept-Language", async () => {
    expect((await call("terminals.getBySerial", { serialNumber: "NOPE-0001" }, { cookie: "NEXT_LOCALE=zh-CN" })).error.message).toBe("未找到该终端。");
    expect((await call("terminals.getBySerial", { serialNumber: "NOPE-0001" }, { acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8" })).error.message).toBe("未找到该终端。");
    // The switch wins over the browser.
    expect((await call("terminals.getBySerial", { serialNumber: "NOPE-0001" }, { cookie: "NEXT_LOCALE=en", acceptLanguage: "zh-CN" })).error.message).toBe("This terminal was not found.");
  });

  it("words the procedure ladder's own refusals too", async () => {
    const { status, error } = await call("terminals.getBySerial", { serialNumber: "DEMO-0001" }, { signedOut: true, acceptLanguage: "zh-CN" });
    expect(status).toBe(401);
    expect(error.message).toBe("请先登录。");
    expect(error.data.reason).toBe("signInRequired");
  });

  it("words zod's own issues and the schemas' reasons field by field", async () => {
    const { status, error } = await call("terminals.create", { serialNumber: "x", modelId: "nope" }, { cookie: "NEXT_LOCALE=zh-CN" }, "POST");
    expect(status).toBe(400);
    expect(error.data.invalidInput).toBe(true);
    expect(error.data.reason).toBe("serialNumberFormat");
    expect(error.data.fieldErrors).toEqual({ serialNumber: ["请输入 3 至 40 位字母、数字或短横线，并以字母或数字开头，例如 DEMO-0001。"], modelId: ["请从提供的选项中选择。"] });
    const english = await call("terminals.list", { pageSize: 25, page: 0 });
    expect(english.error.data.fieldErrors).toEqual({ page: ["Enter a number of at least 1."] });
  });

  it("marks the closing time when a store would open as it closes", async () => {
    const hours = { mon: { opens: "09:00", closes: "09:00" } };
    const { status, error } = await call("merchants.updateStore", { id: storeId, businessHours: hours }, { cookie: "NEXT_LOCALE=zh-CN" }, "POST");
    expect(status).toBe(400);
    expect(error.data.fieldErrors).toEqual({ businessHours: ["关门时间必须晚于开门时间。"], "businessHours.mon.closes": ["关门时间必须晚于开门时间。"] });
  });

  it("puts a service's refusal on its field, in the caller's language", async () => {
    const { status, error } = await call(
      "users.create",
      { name: "Copy", email: demoEmails.merchant, password: "orange-tractor-harbour", role: "admin", merchantId: null },
      { cookie: "NEXT_LOCALE=zh-CN" },
      "POST",
    );
    expect(status).toBe(409);
    expect(error.data).toMatchObject({ reason: "userEmailTaken", params: { email: demoEmails.merchant } });
    expect(error.message).toBe(`电子邮箱为 ${demoEmails.merchant} 的用户已存在，请使用其他地址。`);
    expect(error.data.fieldErrors).toEqual({ email: [`电子邮箱为 ${demoEmails.merchant} 的用户已存在，请使用其他地址。`] });
  });

  it("names the rollout phase whose share does not grow", async () => {
    const { error } = await call(
      "rollouts.create",
      { releaseId: "00000000-0000-4000-8000-000000000000", name: "Spring", target: {}, phases: [10, 50, 50, 100].map((percent) => ({ percent })) },
      {},
      "POST",
    );
    expect(error.data.fieldErrors?.["phases.2.percent"]).toEqual(["Phase 3 must reach a larger share than phase 2 (50 %)."]);
  });
});
