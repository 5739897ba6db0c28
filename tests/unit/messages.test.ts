import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";

function keys(messages: object, prefix = ""): string[] {
  return Object.entries(messages).flatMap(([key, value]) => (typeof value === "object" ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

describe("message catalogues", () => {
  it("have the same keys in English and Simplified Chinese", () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort());
  });

  it("have no empty message", () => {
    for (const catalogue of [en, zh]) {
      const empty = keys(catalogue).filter((k) => k.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], catalogue) === "");
      expect(empty).toEqual([]);
    }
  });
});
