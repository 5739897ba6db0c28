import { getDb } from "@/server/db";
import { calendarFeedIcs } from "@/server/services/maintenance";

/** A technician's work orders as an iCalendar feed; the secret token in the URL is the only key. */
export async function GET(req: Request, ctx: { params: Promise<{ token: string }> }) {
  const token = (await ctx.params).token.replace(/\.ics$/, "");
  const ics = /^[\w-]{20,64}$/.test(token) ? await calendarFeedIcs(await getDb(), token, process.env.BETTER_AUTH_URL ?? new URL(req.url).origin) : null;
  if (!ics) return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  return new Response(ics, { headers: { "Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, no-store" } });
}
