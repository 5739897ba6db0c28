import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema } from "@/server/env";

/** README's configuration table: each row's variable names and default cells ("`A` / `B`" rows name two). */
function readmeSettings(): Map<string, string> {
  const readme = fs.readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]!.split(/^## /m)[0]!;
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  const settings = new Map<string, string>();
  for (const row of rows) {
    const [names, defaults] = row
      .split("|")
      .slice(1, 3)
      .map((cell) => cell.trim());
    const nameList = names!.split(" / ").map((name) => name.replace(/`/g, ""));
    const defaultList = nameList.length > 1 ? defaults!.split(" / ") : [defaults!];
    for (const [i, name] of nameList.entries()) {
      if (settings.has(name)) throw new Error(`README lists ${name} twice`);
      settings.set(name, defaultList[i]!);
    }
  }
  return settings;
}

describe("README's configuration table", () => {
  const documented = readmeSettings();
  const schemaNames = Object.keys(envSchema.shape);

  it("lists exactly the variables the schema reads", () => {
    expect(
      [...documented.keys()].filter((name) => !schemaNames.includes(name)),
      "in README, not in server/env.ts",
    ).toEqual([]);
    expect(
      schemaNames.filter((name) => !documented.has(name)),
      "in server/env.ts, not in README",
    ).toEqual([]);
  });

  it("states each default as the schema applies it", () => {
    for (const [name, cell] of documented) {
      const rule = envSchema.shape[name as keyof typeof envSchema.shape];
      const applied = rule.parse(undefined);
      // A default written as one code span is a value; any other wording describes a computed or absent one.
      const literal = /^`([^`]*)`$/.exec(cell)?.[1];
      if (literal === undefined) expect(applied, `${name}: README describes "${cell}", the schema defaults to ${JSON.stringify(applied)}`).toBeUndefined();
      else expect(rule.parse(literal), `${name}: README says ${cell}`).toEqual(applied);
    }
  });
});
