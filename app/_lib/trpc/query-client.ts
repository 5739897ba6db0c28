import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import superjson from "superjson";

/** A failed query's HTTP status: the server's own error in a server render, the response's error data in the browser. */
function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof TRPCError) return getHTTPStatusCodeFromError(error);
  return (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
}

/**
 * Tries a failed query again, twice, unless the answer was a 4xx: not found, bad input or no access
 * answer the same however often they are asked, and each retry waits (a not-found page took 3 s).
 */
export function shouldRetryQuery(failureCount: number, error: unknown): boolean {
  const status = httpStatusOf(error);
  return failureCount < 2 && !(status !== undefined && status >= 400 && status < 500);
}

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: shouldRetryQuery },
      dehydrate: {
        serializeData: superjson.serialize,
        // Pending queries are streamed to the client too, so prefetches need not be awaited.
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
