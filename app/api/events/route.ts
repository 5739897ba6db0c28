import { consoleRequest, signInRequired } from "@/server/console-request";
import { getDatabase } from "@/server/db";
import { fleetEventStream } from "@/server/services/fleet-events";

// A long-lived stream per open console; never cached or prerendered.
export const dynamic = "force-dynamic";

/** Server-sent events telling an open console that data it shows has changed. */
export async function GET(req: Request) {
  const ctx = await consoleRequest(req);
  if (!ctx) return signInRequired();
  return new Response(fleetEventStream(await getDatabase(), ctx.scope, req.signal), {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" },
  });
}
