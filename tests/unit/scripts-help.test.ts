import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const tsx = path.resolve("node_modules/.bin/tsx");
// Run as npm runs them (plain Node through tsx, no bundler), so a module that only bundlers resolve fails here.
const scripts = fs.readdirSync("scripts").filter((name) => name.endsWith(".ts"));

describe("every script in scripts/", () => {
  it.each(scripts)("%s answers --help with its usage and exit 0", async (script) => {
    const { stdout } = await run(tsx, [path.join("scripts", script), "--help"], { timeout: 60_000 });
    expect(stdout).toMatch(/^Usage: npm run /);
  });

  it.each(scripts)("%s refuses an unknown option with exit 2 and no stack trace", async (script) => {
    const failure = await run(tsx, [path.join("scripts", script), "--no-such-option"], { timeout: 60_000 }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain("Unknown option '--no-such-option'");
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});

// Only the argument check runs: it answers before the script does anything else.
describe("scripts/test.sh (npm test)", () => {
  it("answers --help with its usage and exit 0", async () => {
    const { stdout } = await run("bash", ["scripts/test.sh", "--help"], { timeout: 10_000 });
    expect(stdout).toMatch(/^Usage: npm test/);
    expect(stdout).toContain("TEST_DATABASE_URL");
  });

  it("refuses an unknown option with its usage on stderr and exit 2", async () => {
    const failure = await run("bash", ["scripts/test.sh", "--no-such-option"], { timeout: 10_000 }).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe("");
    expect(failure?.stderr).toContain("Unknown option '--no-such-option'");
    expect(failure?.stderr).toContain("Usage: npm test");
  });
});
