import { getDatabase } from "@/server/db";
import { scopeForUser } from "@/server/scope";
import { fleetEventStream } from "@/server/services/fleet-events";
import { createContext } from "@/server/trpc";

// A long-lived stream per open console; never cached or prerendered.
export const dynamic = "force-dynamic";

/** Server-sent events telling an open console that data it shows has changed. */
export async function GET(req: Request) {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  return new Response(fleetEventStream(await getDatabase(), scope, req.signal), {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" },
  });
}
