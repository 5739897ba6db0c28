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
