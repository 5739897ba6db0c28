import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { authSecret, ConfigError, demoEnabled, isProductionMode } from "@/server/env";

describe("configuration", () => {
  it("refuses to start production without BETTER_AUTH_SECRET", () => {
    const env = { NODE_ENV: "production", SEED_DEMO: "0" } as NodeJS.ProcessEnv;
    expect(isProductionMode(env)).toBe(true);
    expect(demoEnabled(env)).toBe(false);
    expect(() => authSecret(env)).toThrow(ConfigError);
    expect(() => authSecret(env)).toThrow(/BETTER_AUTH_SECRET is not set/);
  });

  it("refuses a short secret", () => {
    expect(() => authSecret({ NODE_ENV: "development", BETTER_AUTH_SECRET: "short" } as NodeJS.ProcessEnv)).toThrow(/at least 32/);
  });

  it("keeps a generated secret for a demo run, stable across restarts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-env-"));
    const env = { NODE_ENV: "production", PGLITE_DIR: path.join(dir, "pglite") } as NodeJS.ProcessEnv;
    const first = authSecret(env);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(authSecret(env)).toBe(first);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
