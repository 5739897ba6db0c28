import pino, { type DestinationStream, type Logger } from "pino";
import { ConfigError, setting, type EnvSource } from "./env";

/**
 * Where secrets could sit in what the app logs: headers, request bodies and SMS parameters. The
 * request log writes none of these today; the paths keep an added field from leaking one.
 */
export const redactPaths = [
  "authorization",
  "cookie",
  "password",
  "newPassword",
  "currentPassword",
  "deviceToken",
  "token",
  "secret",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.deviceToken",
  "*.token",
  "*.secret",
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["set-cookie"]',
  "*.body.code",
  "*.params.code",
];

// A bad LOG_LEVEL must not fail the import of every module that logs: the start's configuration
// check (instrumentation.ts) names it and stops.
function levelOf(env: EnvSource | undefined): string {
  try {
    return setting("LOG_LEVEL", env);
  } catch (error) {
    if (error instanceof ConfigError) return "info";
    throw error;
  }
}

function prettyWanted(env: EnvSource | undefined): boolean {
  try {
    const format = setting("LOG_FORMAT", env);
    if (format) return format === "pretty";
    return setting("NODE_ENV", env) !== "production" && process.stdout.isTTY === true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

// Shared through globalThis for the same reason as the metrics registry (server/metrics.ts).
const holder = globalThis as unknown as { posFleetLogger?: Logger; posFleetLogDestination?: ReturnType<typeof pino.destination> };

/**
 * JSON lines (one object per line, for a log shipper), or readable lines for a person at a
 * terminal; tests pass a destination to read what was written.
 */
export function createLogger(destination?: DestinationStream, env?: EnvSource): Logger {
  const options: pino.LoggerOptions = {
    level: levelOf(env),
    redact: { paths: redactPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  // pino-pretty is a development dependency, loaded by pino's worker only when asked for.
  if (prettyWanted(env)) return pino(options, pino.transport({ target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" } }));
  // Buffered: a write per line cost a tenth of the heartbeat path's CPU, and a write per 4 KiB still
  // a few percent at thousands of requests a second (each is a round through libuv's thread pool);
  // 12 KiB stays under sonic-boom's largest write (maxWrite, 16 KiB). What waits is written within
  // a second (a quiet instance's lines must not sit in the buffer), and flushLogs() writes the rest
  // before the process exits.
  const buffered = (holder.posFleetLogDestination = pino.destination({ dest: 1, sync: false, minLength: 12 * 1024 }));
  setInterval(() => buffered.flush(), 1000).unref();
  return pino(options, buffered);
}

/** Writes out what the buffered destination still holds; call it before the process exits. */
export function flushLogs(): void {
  holder.posFleetLogDestination?.flushSync();
}

export const logger: Logger = (holder.posFleetLogger ??= createLogger());
