import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";

export class ConfigError extends Error {}

/** The environment, or in tests an object standing in for it. */
export type EnvSource = Record<string, string | undefined>;

// Each rule carries its expectation as its error, so a refusal reads "PORT must be a whole number
// from 1 to 65535, not "30o0"." whichever check failed.
const wholeNumber = (min: number, max: number) => {
  const error = `a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const positiveNumber = () => z.coerce.number({ error: "a positive number" }).positive({ error: "a positive number" });
const oneOf = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  z.enum(values, {
    error: values
      .map((value) => `"${value}"`)
      .join(", ")
      .replace(/, ([^,]*)$/, " or $1"),
  });
const flag = () => z.enum(["1", "0", "true", "false"], { error: "1 or 0" }).transform((value) => value === "1" || value === "true");
const httpUrl = () =>
  z.string().refine(
    (value) => {
      try {
        return ["http:", "https:"].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: "an http(s) URL such as https://fleet.example.com" },
  );
const originList = () => {
  const error = "comma-separated http(s) URLs such as https://fleet.example.com";
  return z.string().transform((value, ctx) => {
    const entries = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (!entries.every((entry) => httpUrl().safeParse(entry).success)) {
      ctx.addIssue({ code: "custom", message: error });
      return z.NEVER;
    }
    return entries.map((entry) => new URL(entry).origin);
  });
};
const text = () => z.string();

/**
 * Every environment variable the app reads, with its type, range and default; README's
 * configuration table lists exactly these (tests/unit/configuration-table.test.ts holds them
 * together). An unset or empty variable takes the default.
 */
export const envSchema = z.object({
  NODE_ENV: oneOf(["development", "production", "test"]).optional(),
  SEED_DEMO: flag().default(true),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "a postgres:// URL" })
    .optional(),
  DATABASE_POOL_SIZE: wholeNumber(1, 1000).default(10),
  PGLITE_DIR: text().default(".data/pglite"),
  BETTER_AUTH_SECRET: z.string().min(32, { error: "at least 32 characters long" }).optional(),
  BETTER_AUTH_URL: httpUrl().optional(),
  AUTH_TRUSTED_ORIGINS: originList().optional(),
  AUTH_SIGNIN_LIMIT_PER_MINUTE: wholeNumber(1, 10_000).default(10),
  AUTH_IDLE_TIMEOUT_MINUTES: positiveNumber().default(15),
  AUTH_SESSION_MAX_HOURS: positiveNumber().default(12),
  AUTH_REQUIRE_MFA: oneOf(["admin", "none"]).optional(),
  HEARTBEAT_INTERVAL_SECONDS: wholeNumber(10, 86_400).default(300),
  DEVICE_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 100_000).default(60),
  // Fractions are allowed so a test or a demo can watch a command expire.
  COMMAND_EXPIRY_HOURS: positiveNumber().default(24),
  // Fractions of an hour are allowed so the soak benchmark can compress a day into minutes.
  CHECKIN_RETENTION_HOURS: positiveNumber().default(24),
  CHECKIN_PARTITION_MINUTES: wholeNumber(1, 1440).default(60),
  ROLLUP_RETENTION_DAYS: positiveNumber().default(14),
  SMS_PROVIDER: oneOf(["console", "webhook", "twilio", "aliyun"]).default("console"),
  SMS_WEBHOOK_URL: httpUrl().optional(),
  TWILIO_ACCOUNT_SID: text().optional(),
  TWILIO_AUTH_TOKEN: text().optional(),
  TWILIO_FROM: text().optional(),
  TWILIO_MESSAGING_SERVICE_SID: text().optional(),
  TWILIO_API_BASE_URL: httpUrl().default("https://api.twilio.com"),
  ALIYUN_ACCESS_KEY_ID: text().optional(),
  ALIYUN_ACCESS_KEY_SECRET: text().optional(),
  ALIYUN_SMS_SIGN_NAME: text().optional(),
  ALIYUN_SMS_TEMPLATE_CODE: text().optional(),
  ALIYUN_SMS_NOTICE_TEMPLATE_CODE: text().optional(),
  ALIYUN_SMS_ALERT_TEMPLATE_CODE: text().optional(),
  ALIYUN_SMS_ENDPOINT: httpUrl().default("https://dysmsapi.aliyuncs.com/"),
  EMAIL_PROVIDER: oneOf(["console", "smtp"]).default("console"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { error: "an smtp:// or smtps:// URL" })
    .optional(),
  EMAIL_FROM: text().default("POS Fleet <fleet@localhost>"),
  WEBHOOK_PRIVATE_ADDRESSES: oneOf(["allow", "deny"]).optional(),
  TRUST_PROXY: flag().default(false),
  LISTEN_HOST: text().default("0.0.0.0"),
  PORT: wholeNumber(1, 65_535).default(3000),
  STORAGE: oneOf(["filesystem", "s3"]).default("filesystem"),
  FIRMWARE_STORAGE_DIR: text().default(".data/firmware"),
  S3_BUCKET: text().optional(),
  S3_ENDPOINT: httpUrl().optional(),
  S3_REGION: text().default("us-east-1"),
  S3_ACCESS_KEY_ID: text().optional(),
  S3_SECRET_ACCESS_KEY: text().optional(),
  S3_FORCE_PATH_STYLE: flag().optional(),
  S3_PREFIX: text().optional(),
  FIRMWARE_MAX_MB: wholeNumber(1, 65_536).default(512),
  LOG_LEVEL: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: oneOf(["json", "pretty"]).optional(),
  METRICS_TOKEN: z.string().min(16, { error: "at least 16 characters long" }).optional(),
  METRICS_PORT: wholeNumber(1, 65_535).optional(),
  SHUTDOWN_TIMEOUT_SECONDS: wholeNumber(1, 3600).default(25),
});

export type Settings = z.infer<typeof envSchema>;
type SettingName = keyof Settings;

// Values that may hold credentials are never repeated in an error message.
const sensitive = /SECRET|TOKEN|PASSWORD|_KEY|_URL$/;

function refusal(name: string, raw: string, issue: z.core.$ZodIssue): string {
  return sensitive.test(name) ? `${name} must be ${issue.message}.` : `${name} must be ${issue.message}, not "${raw}".`;
}

const memo = new Map<string, { raw: string | undefined; value: unknown }>();

/**
 * One setting, parsed by its rule. Read where it is used rather than copied at start, so a test
 * that sets a variable sees it; the parse is remembered per raw value, which keeps it off the
 * heartbeat's path.
 */
export function setting<Name extends SettingName>(name: Name, env: EnvSource = process.env): Settings[Name] {
  const raw = env[name] === "" ? undefined : env[name];
  const known = memo.get(name);
  if (known && known.raw === raw) return known.value as Settings[Name];
  const parsed = envSchema.shape[name].safeParse(raw);
  if (!parsed.success) throw new ConfigError(refusal(name, raw ?? "", parsed.error.issues[0]!));
  memo.set(name, { raw, value: parsed.data });
  return parsed.data as Settings[Name];
}

/** Parses every setting at once, as the start does: a ConfigError names each bad variable. */
export function parseEnv(env: EnvSource = process.env): Settings {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(envSchema.shape) as SettingName[]) {
    try {
      values[name] = setting(name, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return values as Settings;
}

/** For the start: the settings, or the process stops with a message naming each bad variable. */
export function parseEnvOrExit(env: EnvSource = process.env): Settings {
  try {
    return parseEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Plain text on stderr: the logger's own settings may be the bad ones.
    process.stderr.write(`\nPOS Fleet cannot start: ${error.message}\n\n`);
    process.exit(1);
  }
}

/** Demo data (and its logins) exist unless SEED_DEMO=0, which is how production runs. */
export function demoEnabled(env: EnvSource = process.env): boolean {
  return setting("SEED_DEMO", env);
}

export function isProductionMode(env: EnvSource = process.env): boolean {
  return setting("NODE_ENV", env) === "production" && !demoEnabled(env);
}

/**
 * The secret signs sessions (and later keys OTP hashes). Production must set it; a demo run gets a
 * random one kept under .data/ so sessions survive restarts.
 */
export function authSecret(env: EnvSource = process.env): string {
  const configured = setting("BETTER_AUTH_SECRET", env);
  if (configured) return configured;
  if (isProductionMode(env)) {
    throw new ConfigError("BETTER_AUTH_SECRET is not set. Production (NODE_ENV=production with SEED_DEMO=0) needs a secret of at least 32 characters, e.g. `openssl rand -base64 48`.");
  }
  const file = path.resolve(/*turbopackIgnore: true*/ path.dirname(setting("PGLITE_DIR", env)), "auth-secret");
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
export function signInLimitPerMinute(env: EnvSource = process.env): number {
  return setting("AUTH_SIGNIN_LIMIT_PER_MINUTE", env);
}

/**
 * The origins sign-in trusts: BETTER_AUTH_URL plus AUTH_TRUSTED_ORIGINS, and in demo mode also the
 * address each request came to, so the console works at localhost, 127.0.0.1 or a LAN address
 * alike. Production trusts exactly the configured ones and cannot start without BETTER_AUTH_URL.
 */
export function authTrustedOrigins(env: EnvSource = process.env): { origins: string[]; requestOrigin: boolean } {
  const extra = setting("AUTH_TRUSTED_ORIGINS", env) ?? [];
  const publicUrl = setting("BETTER_AUTH_URL", env);
  if (!publicUrl && isProductionMode(env)) {
    throw new ConfigError("BETTER_AUTH_URL is not set. Production needs the console's public URL, e.g. https://fleet.example.com, so that sign-in trusts exactly that origin.");
  }
  const origins = publicUrl ? [new URL(publicUrl).origin, ...extra] : extra;
  return { origins, requestOrigin: !isProductionMode(env) };
}

/** On SIGTERM, requests in flight get this long to finish before their connections are closed. */
export function shutdownTimeoutSeconds(env: EnvSource = process.env): number {
  return setting("SHUTDOWN_TIMEOUT_SECONDS", env);
}

/** PCI DSS v4 8.2.8: a session idle this long must sign in again. */
export function sessionIdleMinutes(env: EnvSource = process.env): number {
  return setting("AUTH_IDLE_TIMEOUT_MINUTES", env);
}

/** A session ends this long after sign-in, however active. */
export function sessionMaxHours(env: EnvSource = process.env): number {
  return setting("AUTH_SESSION_MAX_HOURS", env);
}

/** Sessions signed in before this moment are past their absolute lifetime. */
export function oldestLiveSignIn(now: Date = new Date(), env: EnvSource = process.env): Date {
  return new Date(now.getTime() - sessionMaxHours(env) * 3_600_000);
}

/**
 * Who must sign in with a second factor (PCI DSS 8.4.2): `admin`, the default in production mode,
 * or `none`, the default in demo mode so that the demo logins keep working with the password alone.
 */
export function authRequireMfa(env: EnvSource = process.env): NonNullable<Settings["AUTH_REQUIRE_MFA"]> {
  return setting("AUTH_REQUIRE_MFA", env) ?? (isProductionMode(env) ? "admin" : "none");
}

/**
 * Whether webhooks may send to addresses inside the network (loopback, private, link-local):
 * `deny`, the default in production mode, so that a webhook cannot probe or reach internal
 * services; `allow`, the default in demo mode, so a receiver on this machine works.
 */
export function webhookPrivateAddresses(env: EnvSource = process.env): NonNullable<Settings["WEBHOOK_PRIVATE_ADDRESSES"]> {
  return setting("WEBHOOK_PRIVATE_ADDRESSES", env) ?? (isProductionMode(env) ? "deny" : "allow");
}

/**
 * Where firmware images and uploaded logs are kept (server/storage/): a folder, or an
 * S3-compatible bucket that several instances share. A bucket named without STORAGE=s3 is refused
 * rather than ignored, so that instances never quietly write to folders of their own.
 */
export function objectStorageSettings(env: EnvSource = process.env) {
  const bucket = setting("S3_BUCKET", env);
  if (setting("STORAGE", env) === "filesystem") {
    if (bucket) throw new ConfigError('S3_BUCKET is set but STORAGE is "filesystem": set STORAGE=s3 to keep firmware images and logs in the bucket.');
    return { storage: "filesystem" as const, dir: setting("FIRMWARE_STORAGE_DIR", env) };
  }
  if (!bucket) throw new ConfigError("STORAGE=s3 needs S3_BUCKET, the bucket for firmware images and uploaded logs.");
  const accessKeyId = setting("S3_ACCESS_KEY_ID", env);
  const secretAccessKey = setting("S3_SECRET_ACCESS_KEY", env);
  if (!accessKeyId !== !secretAccessKey) {
    throw new ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK's default credentials (environment, profile, instance role).");
  }
  const endpoint = setting("S3_ENDPOINT", env);
  const prefix = setting("S3_PREFIX", env);
  return {
    storage: "s3" as const,
    bucket,
    region: setting("S3_REGION", env),
    endpoint,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: setting("S3_FORCE_PATH_STYLE", env),
    // "posfleet" and "posfleet/" both mean the folder posfleet/.
    prefix: prefix ? prefix.replace(/\/*$/, "/") : "",
  };
}
