import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { auditActionGroups, auditActions, auditEntityTypes } from "@/server/schemas/audit";

const catalogues = { en, "zh-CN": zh } as const;

// Every parameter a sentence may use besides the actor and the subject, with a value a writer records.
const sampleParams = { reason: "phone_not_registered", status: "suspended", phase: 2, course: "Card security", terminal: "DEMO-0009", commandType: "reboot" };

const leaves = (node: object, prefix = ""): string[] => Object.entries(node).flatMap(([key, value]) => (typeof value === "object" ? leaves(value as object, `${prefix}${key}.`) : [`${prefix}${key}`]));

describe("the audit catalogue", () => {
  for (const [locale, messages] of Object.entries(catalogues)) {
    it(`words every audit action the code can write in ${locale}, naming the actor or the subject`, () => {
      const errors: string[] = [];
      const t = createTranslator({ locale, messages, namespace: "auditActions", onError: (error) => errors.push(error.message) });
      for (const action of auditActions) {
        expect(t.has(action), `auditActions.${action} is missing in ${locale}`).toBe(true);
        const sentence = t(action, { ...sampleParams, actor: "«actor»", subject: "«subject»" });
        // demo.seeded has neither: the system loaded the data.
        if (action !== "demo.seeded") expect(sentence, action).toMatch(/«actor»|«subject»|DEMO-0009|Card security/);
      }
      expect(errors).toEqual([]);
    });

    it(`holds no sentence for an action the code no longer writes in ${locale}`, () => {
      expect(leaves(messages.auditActions).sort()).toEqual([...auditActions].sort());
    });

    it(`names every entity type and action group in ${locale}`, () => {
      for (const type of auditEntityTypes) expect(messages.auditEntities, type).toHaveProperty([type]);
      for (const group of auditActionGroups) expect(messages.auditActionGroups, group).toHaveProperty([group]);
    });
  }

  it("words a failed tamper check as a sentence in both languages", () => {
    const params = { actor: "Tom Technician", subject: "DEMO-0009" };
    expect(createTranslator({ locale: "en", messages: en, namespace: "auditActions" })("terminal.tamper_suspended", params)).toBe("Tom Technician suspended DEMO-0009: tamper check failed");
    expect(createTranslator({ locale: "zh-CN", messages: zh, namespace: "auditActions" })("terminal.tamper_suspended", params)).toBe("Tom Technician 停用了 DEMO-0009：防拆检查未通过");
  });
});
