import { sql, type SQL } from "drizzle-orm";
import type { Db, DbHandle } from "@/db/client";
import { logger } from "../logger";
import { metrics } from "../metrics";
import { scopeIncludes, type Scope } from "../scope";

/**
 * Live console updates: writers NOTIFY this channel in the statement that changes the data, and
 * every app instance LISTENs once and fans the events out to its open consoles.
 */
export const FLEET_EVENTS_CHANNEL = "fleet_events";

/** "terminals": terminals (or their updates, work) changed; "notices": a notice reached or left inboxes; "alerts": alerts were raised, resolved or acknowledged. */
export type FleetEventType = "terminals" | "notices" | "alerts";
export type FleetEvent = { type: FleetEventType; merchantIds: string[] } | { type: FleetEventType; all: true };

// NOTIFY payloads are limited to 8000 bytes; a larger set becomes "everything changed".
const PAYLOAD_LIMIT = 7000;

export function fleetEventPayload(event: { type: FleetEventType; merchantIds: string[] }): string {
  const payload = JSON.stringify(event);
  return payload.length < PAYLOAD_LIMIT ? payload : JSON.stringify({ type: event.type, all: true });
}

/** The same payload built by a statement that learns the merchants itself: `merchantIds` selects one uuid column (nulls skipped). */
export function fleetEventPayloadSql(type: FleetEventType, merchantIds: SQL): SQL {
  return sql`(select case when length(p) < ${PAYLOAD_LIMIT} then p else ${JSON.stringify({ type, all: true })} end
    from (select json_build_object('type', ${type}::text, 'merchantIds', coalesce(json_agg(distinct m.id), '[]'::json))::text as p
      from (${merchantIds}) as m(id) where m.id is not null) payload)`;
}

type Listener = (event: FleetEvent) => void;
/** `connected`: whether the LISTEN connection is up now (readiness reports it). */
type Hub = { listeners: Set<Listener>; started: Promise<unknown>; connected: boolean };
// On globalThis so that module reloads in development keep one LISTEN per database.
const holder = globalThis as unknown as { posFleetEventHubs?: WeakMap<DbHandle, Hub> };

/** Subscribes to fleet events; the first subscriber for a database opens its LISTEN (`ready`). */
export function subscribeFleetEvents(handle: DbHandle, listener: Listener): { ready: Promise<void>; unsubscribe: () => void } {
  const hubs = (holder.posFleetEventHubs ??= new WeakMap());
  let hub = hubs.get(handle);
  if (!hub) {
    const listeners = new Set<Listener>();
    const state = { connected: false };
    const deliver = (event: FleetEvent) => {
      for (const l of listeners) l(event);
    };
    const started = handle.listen(
      FLEET_EVENTS_CHANNEL,
      (payload) => {
        let event: FleetEvent;
        try {
          event = JSON.parse(payload) as FleetEvent;
        } catch {
          return;
        }
        deliver(event);
      },
      // Changes may have been missed while the connection was down: every console refreshes.
      () => {
        state.connected = true;
        deliver({ type: "terminals", all: true });
        deliver({ type: "notices", all: true });
        deliver({ type: "alerts", all: true });
      },
      () => (state.connected = false),
    );
    hub = Object.assign(state, { listeners, started });
    hubs.set(handle, hub);
    void started.then(
      () => (state.connected = true),
      () => undefined,
    );
    // Without a LISTEN the console still works, only without live updates; the next subscriber retries.
    started.catch((error: unknown) => {
      logger.error({ err: error }, "live updates are unavailable");
      hubs.delete(handle);
    });
  }
  hub.listeners.add(listener);
  const { listeners, started } = hub;
  return { ready: started.then(() => undefined), unsubscribe: () => listeners.delete(listener) };
}

/** Whether this instance's LISTEN connection is up, opening it if no console has asked yet; for the readiness probe. */
export async function liveUpdatesListening(handle: DbHandle): Promise<boolean> {
  const { ready, unsubscribe } = subscribeFleetEvents(handle, () => undefined);
  unsubscribe();
  try {
    await ready;
  } catch {
    return false;
  }
  return holder.posFleetEventHubs?.get(handle)?.connected ?? false;
}

/** Tells the live consoles that terminals of these merchants changed; sent when the transaction commits. */
export async function notifyTerminalsChanged(tx: Db, merchantIds: (string | null)[]): Promise<void> {
  const ids = [...new Set(merchantIds.filter((id): id is string => id !== null))];
  await tx.execute(sql`select pg_notify(${FLEET_EVENTS_CHANNEL}, ${fleetEventPayload({ type: "terminals", merchantIds: ids })})`);
}

/** Tells the consoles of these merchants' people that their notices changed; sent on commit. */
export async function notifyNoticesChanged(tx: Db, merchantIds: string[]): Promise<void> {
  await tx.execute(sql`select pg_notify(${FLEET_EVENTS_CHANNEL}, ${fleetEventPayload({ type: "notices", merchantIds: [...new Set(merchantIds)] })})`);
}

/** Tells every live console that something fleet-wide changed (a rollout's state); sent on commit. */
export async function notifyFleetChanged(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_notify(${FLEET_EVENTS_CHANNEL}, ${JSON.stringify({ type: "terminals", all: true })})`);
}

export function eventConcernsScope(event: FleetEvent, scope: Scope): boolean {
  return "all" in event || event.merchantIds.some((id) => scopeIncludes(scope, id));
}

/** Every tick the stream checks that its viewer is still signed in, then sends a comment so proxies keep it open. */
const TICK_MS = 25_000;
/** Changes within this many ms reach a console as one event. */
const COALESCE_MS = 1_000;
/**
 * A fleet under load changes all the time; each event makes a console refetch what it shows, so
 * after one event the next waits this long.
 */
const MIN_EVENT_GAP_MS = 10_000;
/** The stream ends after this long and the browser reconnects, so the scope is worked out again. */
const STREAM_LIFETIME_MS = 10 * 60_000;

/**
 * A server-sent-events stream of the fleet events a viewer may see, by type: "terminals" when
 * terminals in the scope changed, "notices" when a notice for the scope's merchants was published
 * or withdrawn (per type, changes within COALESCE_MS as one, at most one per MIN_EVENT_GAP_MS), and
 * a comment every tick. It ends at the first tick after `stillSignedIn` says no (the viewer signed
 * out, was disabled or their session ended), or cannot tell.
 */
export function fleetEventStream(handle: DbHandle, scope: Scope, signal: AbortSignal, stillSignedIn: () => Promise<boolean>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const pending = new Map<FleetEventType, ReturnType<typeof setTimeout>>();
      const lastSentAt = new Map<FleetEventType, number>();
      const { ready, unsubscribe } = subscribeFleetEvents(handle, (event) => {
        if (pending.has(event.type) || !eventConcernsScope(event, scope)) return;
        const delay = Math.max(COALESCE_MS, (lastSentAt.get(event.type) ?? -Infinity) + MIN_EVENT_GAP_MS - Date.now());
        pending.set(
          event.type,
          setTimeout(() => {
            pending.delete(event.type);
            lastSentAt.set(event.type, Date.now());
            send(`event: ${event.type}\ndata: {}\n\n`);
          }, delay),
        );
      });
      const tick = setInterval(() => {
        void stillSignedIn()
          .catch(() => false)
          .then((signedIn) => (signedIn ? send(": keepalive\n\n") : cleanup()));
      }, TICK_MS);
      const lifetime = setTimeout(() => cleanup(), STREAM_LIFETIME_MS);
      metrics.eventStreams.inc();
      let closed = false;
      cleanup = () => {
        // Called by whichever comes first (abort, cancel, sign-out, lifetime), then again by the others.
        if (closed) return;
        closed = true;
        metrics.eventStreams.dec();
        unsubscribe();
        clearInterval(tick);
        clearTimeout(lifetime);
        for (const timer of pending.values()) clearTimeout(timer);
        signal.removeEventListener("abort", cleanup);
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      };
      signal.addEventListener("abort", cleanup);
      // A request that arrives while the instance is draining is ended at once.
      if (signal.aborted) return cleanup();
      try {
        await ready;
      } catch {
        // No LISTEN: fail the stream, so the browser shows it is not live and retries.
        cleanup();
        return;
      }
      send("retry: 5000\n\n: connected\n\n");
    },
    cancel() {
      cleanup();
    },
  });
}
