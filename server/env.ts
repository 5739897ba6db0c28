import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** Demo data (and its logins) exist unless SEED_DEMO=0, which is how production runs. */
export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SEED_DEMO !== "0";
}

export function isProductionMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === "production" && !demoEnabled(env);
}

export class ConfigError extends Error {}

/**
 * The secret signs sessions (and later keys OTP hashes). Production must set it; a demo run gets a
 * random one kept under .data/ so sessions survive restarts.
 */
export function authSecret(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.BETTER_AUTH_SECRET;
  if (configured) {
    if (configured.length < 32) throw new ConfigError("BETTER_AUTH_SECRET must be at least 32 characters long.");
    return configured;
  }
  if (isProductionMode(env)) {
    throw new ConfigError(
      "BETTER_AUTH_SECRET is not set. Production (NODE_ENV=production with SEED_DEMO=0) needs a secret of at least 32 characters, e.g. `openssl rand -base64 48`.",
    );
  }
  const file = path.resolve(/*turbopackIgnore: true*/ env.PGLITE_DIR ? path.dirname(env.PGLITE_DIR) : ".data", "auth-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(48).toString("base64url");
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** Sign-in attempts allowed per client IP per minute. */
export function signInLimitPerMinute(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.AUTH_SIGNIN_LIMIT_PER_MINUTE ?? 10);
}

const positiveNumber = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number, not "${raw}".`);
  return value;
};

const originOf = (name: string, value: string): string => {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    return url.origin;
  } catch {
    throw new ConfigError(`${name} must hold http(s) URLs such as https://fleet.example.com, not "${value}".`);
  }
};

/**
 * The origins sign-in trusts: BETTER_AUTH_URL plus AUTH_TRUSTED_ORIGINS, and in demo mode also the
 * address each request came to, so the console works at localhost, 127.0.0.1 or a LAN address
 * alike. Production trusts exactly the configured ones and cannot start without BETTER_AUTH_URL.
 */
export function authTrustedOrigins(env: NodeJS.ProcessEnv = process.env): { origins: string[]; requestOrigin: boolean } {
  const extra = (env.AUTH_TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => originOf("AUTH_TRUSTED_ORIGINS", entry));
  if (!env.BETTER_AUTH_URL && isProductionMode(env)) {
    throw new ConfigError("BETTER_AUTH_URL is not set. Production needs the console's public URL, e.g. https://fleet.example.com, so that sign-in trusts exactly that origin.");
  }
  const origins = env.BETTER_AUTH_URL ? [originOf("BETTER_AUTH_URL", env.BETTER_AUTH_URL), ...extra] : extra;
  return { origins, requestOrigin: !isProductionMode(env) };
}

/** PCI DSS v4 8.2.8: a session idle this long must sign in again. */
export function sessionIdleMinutes(env: NodeJS.ProcessEnv = process.env): number {
  return positiveNumber(env, "AUTH_IDLE_TIMEOUT_MINUTES", 15);
}

/** A session ends this long after sign-in, however active. */
export function sessionMaxHours(env: NodeJS.ProcessEnv = process.env): number {
  return positiveNumber(env, "AUTH_SESSION_MAX_HOURS", 12);
}

/** Sessions signed in before this moment are past their absolute lifetime. */
export function oldestLiveSignIn(now: Date = new Date(), env: NodeJS.ProcessEnv = process.env): Date {
  return new Date(now.getTime() - sessionMaxHours(env) * 3_600_000);
}

export const mfaRequirements = ["admin", "none"] as const;

/**
 * Who must sign in with a second factor (PCI DSS 8.4.2): `admin`, the default in production mode,
 * or `none`, the default in demo mode so that the demo logins keep working with the password alone.
 */
export function authRequireMfa(env: NodeJS.ProcessEnv = process.env): (typeof mfaRequirements)[number] {
  const value = env.AUTH_REQUIRE_MFA || (isProductionMode(env) ? "admin" : "none");
  const known = mfaRequirements.find((requirement) => requirement === value);
  if (!known) throw new ConfigError(`AUTH_REQUIRE_MFA must be "admin" or "none", not "${value}".`);
  return known;
}
