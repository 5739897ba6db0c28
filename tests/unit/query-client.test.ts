import { TRPCClientError } from "@trpc/client";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { shouldRetryQuery } from "@/app/_lib/trpc/query-client";

/** An error as the browser's tRPC client reports it, with the response's status in its data. */
const clientError = (code: string, httpStatus: number) => new TRPCClientError("failed", { result: { error: { message: "failed", code: -32000, data: { code, httpStatus } } } });

describe("query retries", () => {
  it("never retry a 4xx, on the server or in the browser", () => {
    for (const code of ["NOT_FOUND", "BAD_REQUEST", "FORBIDDEN", "UNAUTHORIZED", "TOO_MANY_REQUESTS"] as const) {
      expect(shouldRetryQuery(0, new TRPCError({ code }))).toBe(false);
    }
    expect(shouldRetryQuery(0, clientError("NOT_FOUND", 404))).toBe(false);
    expect(shouldRetryQuery(0, clientError("PAYLOAD_TOO_LARGE", 413))).toBe(false);
  });

  it("retry a server failure or a lost connection twice", () => {
    expect(shouldRetryQuery(0, new TRPCError({ code: "INTERNAL_SERVER_ERROR" }))).toBe(true);
    expect(shouldRetryQuery(1, clientError("INTERNAL_SERVER_ERROR", 500))).toBe(true);
    expect(shouldRetryQuery(1, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetryQuery(2, new TypeError("Failed to fetch"))).toBe(false);
  });
});
