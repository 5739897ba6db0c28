import { z } from "zod";
import { publicRoute } from "@/server/console-request";
import { setting } from "@/server/env";
import { notFound } from "@/server/errors";
import { calendarFeedIcs } from "@/server/services/maintenance";

// Calendar apps like an address ending in .ics; the token is what comes before it.
const feed = z.object({
  token: z
    .string()
    .regex(/^[\w-]{20,64}(\.ics)?$/)
    .transform((token) => token.replace(/\.ics$/, "")),
});

/** A technician's work orders as an iCalendar feed; the secret token in the URL is the only key. */
export const GET = publicRoute({ params: feed }, async ({ db, params }, req) => {
  const ics = await calendarFeedIcs(db, params.token, setting("BETTER_AUTH_URL") ?? new URL(req.url).origin);
  if (!ics) throw notFound("calendarFeed");
  return new Response(ics, { headers: { "Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, no-store" } });
});
