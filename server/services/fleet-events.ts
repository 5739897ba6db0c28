import type { DbHandle } from "@/db/client";

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
const holder = globalThis as unknown as { posFleetEvents?: { listeners: Set<Listener>; started?: Promise<unknown> } };

/** Subscribes to fleet events; the first subscriber in a process opens the LISTEN. */
export function subscribeFleetEvents(handle: DbHandle, listener: Listener): () => void {
  const hub = (holder.posFleetEvents ??= { listeners: new Set() });
  hub.listeners.add(listener);
  hub.started ??= handle.listen(FLEET_EVENTS_CHANNEL, (payload) => {
    let event: FleetEvent;
    try {
      event = JSON.parse(payload) as FleetEvent;
    } catch {
      return;
    }
    for (const l of hub.listeners) l(event);
  });
  return () => hub.listeners.delete(listener);
}
