import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { merchants, rollouts, smsOutbox, terminalModels, terminals, updateJobs } from "@/db/schema";
import { activationRequestEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest } from "@/server/device-api/http";
import { noticeCreateInput } from "@/server/schemas/notices";
import { createNotice, publishNotice } from "@/server/services/notices";
import { createTestDatabase, demoCallers, FIXED_NOW, merchantNamed } from "../helpers/db";

// SMS are written in the merchant's language, which defaults from the registered phone (+86:
// Chinese). The console SMS provider keeps each message's text (code masked) in the outbox.
let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let ip = 0;

const requestCode = (serialNumber: string, phone: string) =>
  handleDeviceRequest(
    handle.db,
    activationRequestEndpoint,
    new Request("http://localhost/api/device/v1/activation/request", {
      method: "POST",
      headers: { "content-type": "application/json", "x-real-ip": `10.9.0.${++ip}` },
      body: JSON.stringify({ serialNumber, phone }),
    }),
  );

async function newTerminal(serialNumber: string, merchantId: string | null, storeId: string | null = null) {
  const [model] = await handle.db.select({ id: terminalModels.id }).from(terminalModels).limit(1);
  const [terminal] = await handle.db.insert(terminals).values({ serialNumber, modelId: model!.id, merchantId, storeId, status: "in_stock" }).returning();
  return terminal!;
}

const outboxOf = async (column: "activationId" | "noticeId", id: string) => handle.db.select().from(smsOutbox).where(eq(smsOutbox[column], id));

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => {
  await handle?.close();
});

describe("a merchant's language", () => {
  it("defaults to Chinese for a +86 phone and to English otherwise, and can be changed", async () => {
    expect((await merchantNamed(handle.db, "Demo Coffee")).language).toBe("zh-CN");
    const chinese = await as.admin.merchants.create({ name: "Tea Corner", registeredPhone: "139 1234 5678", contactName: "", contactEmail: "" });
    expect(chinese.language).toBe("zh-CN");
    const english = await as.admin.merchants.create({ name: "London Café", registeredPhone: "+44 7911 123456", contactName: "", contactEmail: "" });
    expect(english.language).toBe("en");
    const chosen = await as.admin.merchants.create({ name: "Expat Bistro", registeredPhone: "+86 137 1111 2222", contactName: "", contactEmail: "", language: "en" });
    expect(chosen.language).toBe("en");
    await as.admin.merchants.update({ id: chosen.id, language: "zh-CN" });
    expect((await as.admin.merchants.getById({ id: chosen.id })).language).toBe("zh-CN");
    await expect(as.admin.merchants.update({ id: chosen.id, language: "fr" as "en" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await as.admin.merchants.getById({ id: chosen.id })).language).toBe("zh-CN");
  });

  it("words the activation code SMS in Chinese for a +86 merchant and in English for another", async () => {
    const zhResponse = await requestCode("DEMO-0105", "+8613800138000");
    expect(zhResponse.status).toBe(202);
    const { activationId: zhId } = (await zhResponse.json()) as { activationId: string };
    const [zhSms] = await outboxOf("activationId", zhId);
    expect(zhSms!.preview).toBe("【POS Fleet】终端 DEMO-0105 的激活码：••••••，10 分钟内有效。请勿告诉他人。");

    const london = await merchantNamed(handle.db, "London Café");
    await newTerminal("LDN-0001", london.id);
    const enResponse = await requestCode("LDN-0001", london.registeredPhone);
    expect(enResponse.status).toBe(202);
    const { activationId: enId } = (await enResponse.json()) as { activationId: string };
    const [enSms] = await outboxOf("activationId", enId);
    expect(enSms!.preview).toBe("[POS Fleet] Terminal LDN-0001 activation code: ••••••. Valid for 10 minutes. Never share it.");
  });

  it("words a critical notice's SMS in each merchant's language", async () => {
    const demo = await merchantNamed(handle.db, "Demo Coffee");
    const london = await merchantNamed(handle.db, "London Café");
    const input = noticeCreateInput.parse({
      title: "Card reader recall",
      body: "Details.",
      severity: "critical",
      audience: { merchantIds: [demo.id, london.id] },
      channels: { inbox: true, sms: true },
    });
    const admin = { id: null, label: "test", ip: null };
    const notice = await createNotice(handle.db, admin, input, FIXED_NOW);
    await publishNotice(handle.db, admin, notice.id, FIXED_NOW);
    const sent = await outboxOf("noticeId", notice.id);
    expect(sent.map((s) => [s.to, s.preview]).sort()).toEqual(
      [
        [demo.registeredPhone, "【POS Fleet】Card reader recall。详情请登录 POS Fleet 控制台查看。"],
        [london.registeredPhone, "[POS Fleet] Card reader recall. Details in your POS Fleet console."],
      ].sort(),
    );
  });
});

describe("activations", () => {
  it("count only terminals that can activate, and a terminal without a merchant is refused with its own reason", async () => {
    const before = await as.admin.activations.activatable();
    const orphan = await newTerminal("ORPH-0001", null);
    const after = await as.admin.activations.activatable();
    expect(after.total).toBe(before.total);
    expect(after.withoutMerchant).toBe(before.withoutMerchant + 1);
    expect(after.items.map((t) => t.serialNumber)).not.toContain(orphan.serialNumber);
    // Merchant users count their own terminals; the unassigned one is nobody's.
    const own = await as.merchant.activations.activatable();
    const demo = await merchantNamed(handle.db, "Demo Coffee");
    const demoInStock = await handle.db.select({ id: terminals.id }).from(terminals).where(eq(terminals.merchantId, demo.id));
    expect(own.withoutMerchant).toBe(0);
    expect(own.total).toBeLessThanOrEqual(demoInStock.length);
    expect((await as.otherMerchant.activations.activatable()).items.map((t) => t.serialNumber)).not.toContain("DEMO-0101");

    // The contract's 422 phone_not_registered, with the reason: assign the terminal first.
    const refused = await requestCode("ORPH-0001", "+8613800138000");
    expect(refused.status).toBe(422);
    const { error } = (await refused.json()) as { error: { code: string; message: string; reason: string } };
    expect(error).toMatchObject({ code: "phone_not_registered", reason: "terminal_has_no_merchant" });
    expect(error.message).toMatch(/not assigned to a merchant/);

    // The console shows refused requests: this one, and a wrong phone number.
    expect((await requestCode("DEMO-0106", "+8613900139000")).status).toBe(422);
    const seen = await as.admin.activations.refused();
    expect(seen.slice(0, 2).map((r) => [r.serialNumber, r.reason])).toEqual([
      ["DEMO-0106", "phone_not_registered"],
      ["ORPH-0001", "terminal_has_no_merchant"],
    ]);
    expect(seen[0]!.phone).toBe("+86139****9000");
    // Demo Coffee's owner sees the attempt on its terminal, not the unassigned one; Other Bakery sees neither.
    expect((await as.merchant.activations.refused()).map((r) => r.serialNumber)).toContain("DEMO-0106");
    expect((await as.merchant.activations.refused()).map((r) => r.serialNumber)).not.toContain("ORPH-0001");
    expect(await as.otherMerchant.activations.refused()).toEqual([]);
  });
});

describe("the Announce to merchants draft", () => {
  it("is written in the rollout's merchants' language, or the admin's when they differ", async () => {
    const [rollout] = await handle.db.select({ id: rollouts.id }).from(rollouts).where(eq(rollouts.status, "running")).limit(1);
    const merchantsOf = await handle.db
      .selectDistinct({ id: terminals.merchantId })
      .from(updateJobs)
      .innerJoin(terminals, eq(terminals.id, updateJobs.terminalId))
      .where(eq(updateJobs.rolloutId, rollout!.id));
    const ids = merchantsOf.map((m) => m.id!);
    const announce = async (language: "en" | "zh-CN") => {
      const draft = await as.admin.notices.createForRollout({ rolloutId: rollout!.id, language });
      // Announcing again would reopen this draft: remove it, so each case writes its own.
      await as.admin.notices.deleteDraft({ id: draft.id });
      return draft;
    };
    // Every demo merchant has a +86 phone: Chinese, whatever the admin reads.
    expect((await announce("en")).title).toMatch(/^固件 /);
    await handle.db.update(merchants).set({ language: "en" }).where(inArray(merchants.id, ids));
    expect((await announce("zh-CN")).title).toMatch(/^Firmware /);
    if (ids.length > 1) {
      await handle.db.update(merchants).set({ language: "zh-CN" }).where(eq(merchants.id, ids[0]!));
      expect((await announce("zh-CN")).title).toMatch(/^固件 /);
      expect((await announce("en")).title).toMatch(/^Firmware /);
    }
    await handle.db.update(merchants).set({ language: "zh-CN" }).where(inArray(merchants.id, ids));
  });
});
