import { sql } from "drizzle-orm";
import type { Db, DbHandle } from "@/db/client";
import type { Scope } from "../scope";

/**
 * Live console updates: writers NOTIFY this channel in the statement that changes the data, and
 * every app instance LISTENs once and fans the events out to its open consoles.
 */
export const FLEET_EVENTS_CHANNEL = "fleet_events";

export type FleetEvent = { type: "terminals"; merchantIds: string[] } | { type: "terminals"; all: true };

// NOTIFY payloads are limited to 8000 bytes; a larger set becomes "everything changed".
export function fleetEventPayload(event: { type: "terminals"; merchantIds: string[] }): string {
  const payload = JSON.stringify(event);
  return payload.length < 7000 ? payload : JSON.stringify({ type: "terminals", all: true });
}

type Listener = (event: FleetEvent) => void;
type Hub = { listeners: Set<Listener>; started: Promise<unknown> };
// On globalThis so that module reloads in development keep one LISTEN per database.
const holder = globalThis as unknown as { posFleetEventHubs?: WeakMap<DbHandle, Hub> };

/** Subscribes to fleet events; the first subscriber for a database opens its LISTEN. */
export function subscribeFleetEvents(handle: DbHandle, listener: Listener): () => void {
  const hubs = (holder.posFleetEventHubs ??= new WeakMap());
  let hub = hubs.get(handle);
  if (!hub) {
    const listeners = new Set<Listener>();
    const started = handle.listen(FLEET_EVENTS_CHANNEL, (payload) => {
      let event: FleetEvent;
      try {
        event = JSON.parse(payload) as FleetEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    });
    hub = { listeners, started };
    hubs.set(handle, hub);
    // Without a LISTEN the console still works, only without live updates; the next subscriber retries.
    started.catch((error: unknown) => {
      console.error("Live updates are unavailable:", error instanceof Error ? error.message : error);
      hubs.delete(handle);
    });
  }
  hub.listeners.add(listener);
  const { listeners } = hub;
  return () => listeners.delete(listener);
}

/** Tells the live consoles that terminals of these merchants changed; sent when the transaction commits. */
export async function notifyTerminalsChanged(tx: Db, merchantIds: (string | null)[]): Promise<void> {
  const ids = [...new Set(merchantIds.filter((id): id is string => id !== null))];
  await tx.execute(sql`select pg_notify(${FLEET_EVENTS_CHANNEL}, ${fleetEventPayload({ type: "terminals", merchantIds: ids })})`);
}

export function eventConcernsScope(event: FleetEvent, scope: Scope): boolean {
  if (scope.kind === "all" || "all" in event) return true;
  return event.merchantIds.some((id) => scope.merchantIds.includes(id));
}

const KEEPALIVE_MS = 25_000;
/** A fleet under load changes constantly; a console needs at most one refresh per this many ms. */
const COALESCE_MS = 2_000;

/**
 * A server-sent-events stream of the fleet events a viewer may see: "terminals" whenever terminals
 * in the scope changed, at most once per COALESCE_MS, and a comment now and then so proxies keep it open.
 */
export function fleetEventStream(handle: DbHandle, scope: Scope, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      let pending: ReturnType<typeof setTimeout> | undefined;
      const unsubscribe = subscribeFleetEvents(handle, (event) => {
        if (pending || !eventConcernsScope(event, scope)) return;
        pending = setTimeout(() => {
          pending = undefined;
          send(`event: terminals\ndata: {}\n\n`);
        }, COALESCE_MS);
      });
      const keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
      cleanup = () => {
        unsubscribe();
        clearInterval(keepalive);
        clearTimeout(pending);
        signal.removeEventListener("abort", cleanup);
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      };
      signal.addEventListener("abort", cleanup);
      send("retry: 5000\n\n: connected\n\n");
    },
    cancel() {
      cleanup();
    },
  });
}
