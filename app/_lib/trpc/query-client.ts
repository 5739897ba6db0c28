import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: (count, error) => count < 2 && !/NOT_FOUND|FORBIDDEN|UNAUTHORIZED|BAD_REQUEST/.test(String((error as { data?: { code?: string } }).data?.code)) },
      dehydrate: {
        serializeData: superjson.serialize,
        // Pending queries are streamed to the client too, so prefetches need not be awaited.
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
