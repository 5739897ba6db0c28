// A device API request as a simulated terminal makes it besides its heartbeats (firmware downloads
// and status reports, command results and log uploads), with the retries a real terminal makes.
import { setTimeout as sleep } from "node:timers/promises";

export interface DeviceAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface DeviceRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The run was stopped (its signal aborted) while the request waited or was in flight. */
export class RunStopped extends Error {
  constructor() {
    super("the run stopped");
  }
}

/** The server did not answer TRIES times in a row; the message says why the last try failed. */
export class DeviceUnreachable extends Error {}

const REQUEST_TIMEOUT_MS = 30_000;
/** Network errors and 5xx in a row before the request is given up. */
const TRIES = 5;
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Sends the request with the terminal's token, repeated while the server asks to wait (429 and
 * 503, after their Retry-After, as the heartbeats do) or does not answer (network errors and 5xx,
 * with exponential back-off, TRIES times: then the last 5xx is returned, or DeviceUnreachable thrown).
 * `onInterrupted` counts each request the server cut or refused with a 5xx other than 503.
 */
export async function deviceRequest(url: URL, token: string, init: DeviceRequestInit, options: { signal: AbortSignal; onInterrupted?: () => void }): Promise<DeviceAnswer> {
  const { signal } = options;
  for (let failures = 0; ;) {
    let waitSeconds: number;
    try {
      const response = await fetch(url, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const answer = { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
      if (answer.status === 429 || answer.status === 503) {
        const retryAfter = Number(response.headers.get("retry-after"));
        waitSeconds = retryAfter > 0 ? retryAfter : DEFAULT_RETRY_AFTER_SECONDS;
      } else if (answer.status >= 500) {
        options.onInterrupted?.();
        if (++failures >= TRIES) return answer;
        waitSeconds = 2 ** failures;
      } else return answer;
    } catch (error) {
      if (signal.aborted) throw new RunStopped();
      options.onInterrupted?.();
      if (++failures >= TRIES) {
        // fetch's own error says only "fetch failed"; the cause says why (ECONNREFUSED, …).
        throw new DeviceUnreachable(error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error));
      }
      waitSeconds = 2 ** failures;
    }
    if (!(await sleep(waitSeconds * 1000, true, { signal }).catch(() => false))) throw new RunStopped();
  }
}
