import { userRoles } from "@/db/schema/values";
import { consoleRoute } from "@/server/console-request";
import { getDatabase } from "@/server/db";
import { fleetEventStream } from "@/server/services/fleet-events";
import { untilShutdown } from "@/server/shutdown";

// A long-lived stream per open console; never cached or prerendered.
export const dynamic = "force-dynamic";

/** Server-sent events telling an open console that data it shows has changed. */
export const GET = consoleRoute(
  { roles: userRoles },
  async ({ scope, stillSignedIn }, req) =>
    // Ended when this instance starts draining: the browser's EventSource reconnects, through the load balancer, to another instance.
    new Response(fleetEventStream(await getDatabase(), scope, untilShutdown(req.signal), stillSignedIn), {
      headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" },
    }),
);
