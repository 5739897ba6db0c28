import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { readBodyWithin } from "@/server/http-body";
import { appRouter } from "@/server/root";
import { isTransientDatabaseError, TRANSIENT_RETRY_AFTER_SECONDS } from "@/server/errors";
import { localeOfHeaders } from "@/server/locales";
import { createContext, databaseUnavailable, requestTooLarge } from "@/server/trpc";
import { MAX_BATCH_SIZE } from "@/app/_lib/trpc/limits";

const MAX_BODY_BYTES = 1024 * 1024;
// A terminal import sends its whole file (up to 100,000 rows) in one call, so that it lands whole
// or not at all; only an admin's lone import call may be that large.
const IMPORT_MAX_BODY_BYTES = 32 * 1024 * 1024;

async function handler(req: Request) {
  const path = new URL(req.url).pathname.slice("/api/trpc/".length);
  const locale = localeOfHeaders(req.headers);
  // The session comes from the headers alone, so the limit can depend on who is asking.
  // A database out of reach is answered by tRPC in its own format too (503), from createContext below.
  const context = await createContext({ headers: req.headers }).catch((error: unknown) => {
    if (isTransientDatabaseError(error)) return databaseUnavailable(error, locale);
    throw error;
  });
  const maxBodyBytes = path === "terminals.import" && !(context instanceof TRPCError) && context.viewer?.role === "admin" ? IMPORT_MAX_BODY_BYTES : MAX_BODY_BYTES;
  // Read here, within the limit, because the adapter would read any size.
  const body = req.method === "POST" ? await readBodyWithin(req, maxBodyBytes) : undefined;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: body === undefined ? req : new Request(req.url, { method: req.method, headers: req.headers, body: body ?? "{}", signal: req.signal }),
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => {
      // Refused in the context, so tRPC answers every call of the batch in its own format (413).
      if (body === null) throw requestTooLarge(maxBodyBytes, locale);
      if (context instanceof TRPCError) throw context;
      return context;
    },
    responseMeta: ({ errors }) => (errors.some((error) => error.code === "SERVICE_UNAVAILABLE") ? { headers: { "Retry-After": String(TRANSIENT_RETRY_AFTER_SECONDS) } } : {}),
  });
}

export { handler as GET, handler as POST };
