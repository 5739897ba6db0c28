import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, setting } from "@/server/env";
import { metricsAccess } from "@/server/metrics-endpoint";

describe("settings", () => {
  it("applies defaults and parses types", () => {
    const settings = parseEnv({});
    expect(settings).toMatchObject({ PORT: 3000, HEARTBEAT_INTERVAL_SECONDS: 300, SEED_DEMO: true, TRUST_PROXY: false, LOG_LEVEL: "info", SMS_PROVIDER: "console" });
    expect(settings.METRICS_PORT).toBeUndefined();
    expect(parseEnv({ PORT: "8080", SEED_DEMO: "0", TRUST_PROXY: "1", AUTH_TRUSTED_ORIGINS: "https://a.example.com/x, https://b.example.com" })).toMatchObject({
      PORT: 8080,
      SEED_DEMO: false,
      TRUST_PROXY: true,
      AUTH_TRUSTED_ORIGINS: ["https://a.example.com", "https://b.example.com"],
    });
    // Empty counts as unset, as shells and env files write it.
    expect(setting("PORT", { PORT: "" })).toBe(3000);
  });

  it("stops with a message naming every bad variable and its value", () => {
    let error: unknown;
    try {
      parseEnv({ PORT: "30o0", HEARTBEAT_INTERVAL_SECONDS: "0", LOG_LEVEL: "loud", SEED_DEMO: "no" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT must be a whole number from 1 to 65535, not "30o0".');
    expect(message).toContain('HEARTBEAT_INTERVAL_SECONDS must be a whole number from 10 to 86400, not "0".');
    expect(message).toContain('LOG_LEVEL must be "fatal", "error", "warn", "info", "debug", "trace" or "silent", not "loud".');
    expect(message).toContain('SEED_DEMO must be 1 or 0, not "no".');
  });

  it("never repeats a secret in its refusal", () => {
    expect(() => setting("METRICS_TOKEN", { METRICS_TOKEN: "hunter2" })).toThrow("METRICS_TOKEN must be at least 16 characters long.");
    expect(() => setting("DATABASE_URL", { DATABASE_URL: "mysql://root:s3cret@db/fleet" })).toThrow(/^DATABASE_URL must be a postgres:\/\/ URL\.$/);
  });

  it("follows a changed variable, as tests change them", () => {
    const env: Record<string, string | undefined> = { DEVICE_RATE_LIMIT_PER_MINUTE: "5" };
    expect(setting("DEVICE_RATE_LIMIT_PER_MINUTE", env)).toBe(5);
    env.DEVICE_RATE_LIMIT_PER_MINUTE = "7";
    expect(setting("DEVICE_RATE_LIMIT_PER_MINUTE", env)).toBe(7);
  });
});

describe("who may scrape /metrics", () => {
  it("needs the token wherever one is set, is open only on the metrics port without one, and is off otherwise", () => {
    const token = { METRICS_TOKEN: "metrics-token-0123456789" };
    expect(metricsAccess("app", token)).toBe("token");
    expect(metricsAccess("metrics-port", token)).toBe("token");
    expect(metricsAccess("metrics-port", {})).toBe("open");
    expect(metricsAccess("app", {})).toBe("off");
  });
});
