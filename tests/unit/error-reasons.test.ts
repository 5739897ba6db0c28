import fs from "node:fs";
import path from "node:path";
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { fieldErrorsOf, isErrorReason, issueReason, renderError, type ErrorReason } from "@/server/errors";
import { dateTime, day, pageInput, requiredText, trimmed, uuid } from "@/server/schemas/common";
import { rolloutCreateInput } from "@/server/schemas/firmware";
import { storeCreateInput } from "@/server/schemas/merchants";
import { phoneE164 } from "@/server/schemas/phone";
import { userCreateInput } from "@/server/schemas/users";

const root = path.resolve(__dirname, "../..");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) ? [relative] : [];
  });
}

// Where the code names a reason: a refusal, a not-found, a rendered message, a rule's verdict, and
// (in the shared schemas, which cannot import the reason type) a zod message.
const reasonPatterns = [
  /new AppError\(\s*"\w+",\s*"(\w+)"/g,
  /super\(\s*"\w+",\s*"(\w+)"/g,
  /ReasonedTRPCError\(\s*"\w+",\s*"(\w+)"/g,
  /renderError\(\s*"(\w+)"/g,
  // A reason handed on with its parameters (rollout-rules, password-policy) or picked from a list (activation limits).
  /reason: "(\w+)"(?: as const|,\s*params:)/g,
  /refusals\.push\(\[\s*"(\w+)"/g,
];
const schemaMessage = /message: "([^"]*)"/g;

function reasonsUsedInCode(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of [...sourceFiles("server"), ...sourceFiles("app/api")]) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const patterns = file.startsWith("server/schemas/") ? [...reasonPatterns, schemaMessage] : reasonPatterns;
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) used.set(match[1]!, file);
    for (const match of text.matchAll(/\bnotFound\("(\w+)"\)/g)) used.set(`${match[1]}NotFound`, file);
  }
  return used;
}

/** The argument names of an ICU message, including those inside select and plural branches. */
function icuArguments(message: string): string[] {
  const names = new Set<string>();
  let i = 0;
  const readMessage = (): void => {
    while (i < message.length && message[i] !== "}") {
      if (message[i] === "'") i = message.indexOf("'", i + 1) + 1 || message.length;
      else if (message[i] === "{") readArgument();
      else i++;
    }
  };
  const readArgument = () => {
    i++;
    const head = /^\s*(\w+)\s*(?:,\s*(\w+)\s*)?(,|\})/.exec(message.slice(i));
    if (!head) throw new Error(`not an ICU argument at ${i}: ${message}`);
    names.add(head[1]!);
    i += head[0].length;
    if (head[3] === "}") return;
    if (head[2] !== "select" && head[2] !== "plural" && head[2] !== "selectordinal") {
      i = message.indexOf("}", i) + 1;
      return;
    }
    // Branches: `key {message}` until the argument's closing brace.
    while (i < message.length) {
      const branch = /^\s*(=?[\w-]+)\s*\{/.exec(message.slice(i));
      if (!branch) break;
      i += branch[0].length;
      readMessage();
      i++;
    }
    i = message.indexOf("}", i) + 1;
  };
  readMessage();
  return [...names].sort();
}

describe("error reasons", () => {
  const catalogues = { en: en.errors as Record<string, string>, "zh-CN": zh.errors as Record<string, string> };

  it("finds the reasons the code uses", () => {
    // Guards the scan itself: a pattern that stopped matching would let missing keys through.
    expect(reasonsUsedInCode().size).toBeGreaterThan(120);
  });

  it("has every reason the code uses in both catalogues", () => {
    const missing = [...reasonsUsedInCode()].flatMap(([reason, file]) =>
      Object.entries(catalogues).flatMap(([locale, catalogue]) => (Object.hasOwn(catalogue, reason) ? [] : [`${reason} (${file}) in ${locale}`])),
    );
    expect(missing).toEqual([]);
  });

  it("gives each reason the same parameters in English and Chinese, and every message parses", () => {
    expect(Object.keys(catalogues["zh-CN"]).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const [reason, english] of Object.entries(catalogues.en)) {
      const chinese = catalogues["zh-CN"][reason]!;
      expect({ reason, parameters: icuArguments(chinese) }).toEqual({ reason, parameters: icuArguments(english) });
      for (const [locale, text] of [
        ["en", english],
        ["zh-CN", chinese],
      ] as const) {
        const problems: string[] = [];
        const t = createTranslator({ locale, messages: { m: text }, onError: (error) => problems.push(error.message) });
        const params = Object.fromEntries(icuArguments(text).map((name) => [name, 2]));
        t("m", params);
        expect({ reason, locale, problems }).toEqual({ reason, locale, problems: [] });
      }
    }
  });

  it("renders a reason in the reader's language", () => {
    expect(renderError("serialNumberTaken", { serialNumber: "DEMO-0001" })).toBe("A terminal with serial number DEMO-0001 already exists.");
    expect(renderError("serialNumberTaken", { serialNumber: "DEMO-0001" }, "zh-CN")).toBe("序列号为 DEMO-0001 的终端已存在。");
    expect(renderError("terminalStatusChange", { from: "retired", to: "active" }, "zh-CN")).toBe("已报废状态的终端不能改为已激活。");
  });
});

describe("zod issues as reasons", () => {
  const reasonOf = (schema: z.ZodType, value: unknown) => {
    const result = schema.safeParse(value);
    if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
    return issueReason(result.error.issues[0]!);
  };

  it.each<[string, z.ZodType, unknown, ErrorReason, Record<string, string | number>]>([
    ["a missing value", z.object({ name: z.string() }), {}, "fieldRequired", {}],
    ["an empty required text", requiredText(10), "  ", "fieldRequired", { minimum: 1 }],
    ["a text too long", trimmed(5), "abcdefg", "textTooLong", { maximum: 5 }],
    ["a text too short", z.string().min(3), "ab", "textTooShort", { minimum: 3 }],
    ["text instead of a number", z.number(), "3", "enterNumber", {}],
    ["a fraction", z.number().int(), 1.5, "enterWholeNumber", {}],
    ["a number too small", z.number().min(0), -1, "numberTooSmall", { minimum: 0 }],
    ["a number not above", z.number().gt(0), 0, "numberTooSmallExclusive", { minimum: 0 }],
    ["a number too big", z.number().max(100), 101, "numberTooBig", { maximum: 100 }],
    ["a number not below", z.number().lt(100), 100, "numberTooBigExclusive", { maximum: 100 }],
    ["an empty list", z.array(z.string()).min(1), [], "chooseAtLeastOne", { minimum: 1 }],
    ["too few items", z.array(z.string()).min(2), ["a"], "tooFewItems", { minimum: 2 }],
    ["too many items", z.array(z.string()).max(1), ["a", "b"], "tooManyItems", { maximum: 1 }],
    ["a bad e-mail", z.email(), "owner@", "enterEmail", {}],
    ["an e-mail or nothing", z.union([z.email(), z.literal("")]), "owner@", "enterEmail", {}],
    ["nothing or a phone", z.union([z.literal(""), phoneE164]), "12345", "invalidPhone", {}],
    ["a bad URL", z.url(), "not a url", "enterUrl", {}],
    ["a bad id", uuid, "42", "chooseFromList", {}],
    ["an unknown option", z.enum(["a", "b"]), "c", "chooseFromList", {}],
    ["a non-boolean", z.boolean(), "yes", "chooseYesOrNo", {}],
    ["a non-date", z.date(), "soon", "enterDateTime", {}],
    ["text expected", z.string(), 5, "enterText", {}],
    ["a wrong pattern", z.string().regex(/^x$/), "y", "invalidFormat", {}],
    ["a non-multiple", z.number().multipleOf(5), 7, "notMultipleOf", { divisor: 5 }],
    ["an unknown field", z.strictObject({}), { extra: 1 }, "unknownFields", { keys: "extra" }],
    ["a failed check", z.string().refine(() => false), "x", "invalidValue", {}],
    ["a day out of range", day, "1999-12-31", "dateOutOfRange", { first: "2000-01-01", last: "2100-12-31" }],
    ["a time out of range", dateTime, "2101-01-01T00:00:00Z", "dateOutOfRange", { first: "2000-01-01", last: "2100-12-31" }],
    ["a page size", z.object(pageInput), { pageSize: 30 }, "pageSize", {}],
  ])("maps %s", (_case, schema, value, reason, params) => {
    expect(reasonOf(schema, value)).toEqual({ reason, params });
    expect(isErrorReason(reason)).toBe(true);
  });

  it("names the phase whose share does not grow, under that phase's field", () => {
    const result = rolloutCreateInput.safeParse({
      releaseId: "00000000-0000-4000-8000-000000000000",
      name: "Spring",
      phases: [10, 40, 40, 100].map((percent) => ({ percent })),
    });
    expect(result.success).toBe(false);
    const fields = fieldErrorsOf(result.error!);
    expect(fields["phases.2.percent"]).toEqual(["Phase 3 must reach a larger share than phase 2 (40 %)."]);
    expect(fields.phases).toEqual(["Phase 3 must reach a larger share than phase 2 (40 %)."]);
    expect(fieldErrorsOf(result.error!, "zh-CN")["phases.2.percent"]).toEqual(["第 3 阶段的比例必须大于第 2 阶段（40%）。"]);
  });

  it("marks the last phase when it does not reach every terminal", () => {
    const result = rolloutCreateInput.safeParse({ releaseId: "00000000-0000-4000-8000-000000000000", name: "Spring", phases: [{ percent: 10 }, { percent: 50 }] });
    expect(fieldErrorsOf(result.error!)["phases.1.percent"]).toEqual(["The last phase (phase 2) must reach 100 % of the terminals."]);
  });

  it("marks the closing time when a store opens when it closes", () => {
    const result = storeCreateInput.safeParse({ merchantId: "00000000-0000-4000-8000-000000000000", name: "Shop", businessHours: { mon: { opens: "09:00", closes: "09:00" } } });
    const fields = fieldErrorsOf(result.error!);
    expect(fields["businessHours.mon.closes"]).toEqual(["Set the closing time later than the opening time."]);
    expect(fields.businessHours).toEqual(["Set the closing time later than the opening time."]);
  });

  it("says what to do about a user's merchant, by role", () => {
    const base = { name: "New User", email: "new@example.com", password: "orange-tractor-harbour" };
    expect(fieldErrorsOf(userCreateInput.safeParse({ ...base, role: "merchant" }).error!).merchantId).toEqual([
      "Choose the merchant this user belongs to: a merchant user sees only their own merchant.",
    ]);
    expect(fieldErrorsOf(userCreateInput.safeParse({ ...base, role: "technician", merchantId: "00000000-0000-4000-8000-000000000000" }).error!).merchantId).toEqual([
      "Only merchant users belong to a merchant: clear the merchant, or choose the Merchant role.",
    ]);
  });
});
