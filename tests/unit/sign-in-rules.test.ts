import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { sameOriginPath } from "@/app/_lib/same-origin-path";
import { passwordProblem } from "@/server/auth/password-policy";
import { clientAddress, stampClientAddress } from "@/server/client-ip";
import { authTrustedOrigins, ConfigError, sessionIdleMinutes } from "@/server/env";

const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
const request = (headers: Record<string, string>, remoteAddress = "::ffff:10.0.0.5") => ({ headers: { ...headers }, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("where to go after sign-in", () => {
  it.each([
    ["/terminals?status=active", "/terminals?status=active"],
    ["/work-orders/abc#notes", "/work-orders/abc#notes"],
    ["/\\evil.example/a", "/"],
    ["/\t/evil.example", "/"],
    ["//evil.example", "/"],
    ["/.//evil.example", "/"],
    ["https://evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["", "/"],
    [undefined, "/"],
  ])("%j goes to %j", (next, expected) => {
    expect(sameOriginPath(next)).toBe(expected);
  });
});

describe("the client address", () => {
  it("is the peer's without a trusted proxy, whatever the client claims", () => {
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.1" }), false)).toBe("10.0.0.5");
  });

  it("is the hop the trusted proxy appended, not the entries before it", () => {
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.1, 198.51.100.7" }), true)).toBe("198.51.100.7");
    expect(clientAddress(request({ "x-forwarded-for": "not-an-ip" }), true)).toBe("10.0.0.5");
  });

  it("is stamped into X-Real-IP, replacing what the client sent, and X-Forwarded-For is dropped", () => {
    const req = request({ "x-forwarded-for": "203.0.113.1", "x-real-ip": "203.0.113.2" });
    stampClientAddress(req);
    expect(req.headers).toMatchObject({ "x-real-ip": "10.0.0.5" });
    expect(req.headers["x-forwarded-for"]).toBeUndefined();
  });
});

describe("password policy", () => {
  it.each([
    ["short-pass1", "passwordTooShort"],
    ["password1234", "passwordTooCommon"],
    ["Iloveyou2024!", "passwordTooCommon"],
    ["aaaaaaaaaaaa", "passwordTooCommon"],
    ["cashier.wang-secret", "passwordContainsEmail"],
  ])("refuses %j", (password, reason) => {
    expect(passwordProblem(password, "cashier.wang@bakery.example")?.reason).toBe(reason);
  });

  it("accepts a long uncommon passphrase", () => {
    expect(passwordProblem("orange-tractor-harbour", "cashier.wang@bakery.example")).toBeNull();
  });
});

describe("sign-in settings", () => {
  it("trusts the request's own address in demo mode and exactly the configured ones in production", () => {
    expect(authTrustedOrigins(env({}))).toEqual({ origins: [], requestOrigin: true });
    const production = env({ NODE_ENV: "production", SEED_DEMO: "0" });
    expect(() => authTrustedOrigins(production)).toThrow(ConfigError);
    expect(authTrustedOrigins({ ...production, BETTER_AUTH_URL: "https://fleet.example.com/", AUTH_TRUSTED_ORIGINS: "https://a.example.com, https://b.example.com:8443" })).toEqual({
      origins: ["https://fleet.example.com", "https://a.example.com", "https://b.example.com:8443"],
      requestOrigin: false,
    });
    expect(() => authTrustedOrigins(env({ AUTH_TRUSTED_ORIGINS: "fleet.example.com" }))).toThrow(ConfigError);
  });

  it("reads the idle timeout, refusing nonsense", () => {
    expect(sessionIdleMinutes(env({}))).toBe(15);
    expect(sessionIdleMinutes(env({ AUTH_IDLE_TIMEOUT_MINUTES: "5" }))).toBe(5);
    expect(() => sessionIdleMinutes(env({ AUTH_IDLE_TIMEOUT_MINUTES: "soon" }))).toThrow(ConfigError);
  });
});
