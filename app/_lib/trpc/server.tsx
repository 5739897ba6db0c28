import "server-only";

import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { appRouter, createCaller } from "@/server/root";
import { createContext } from "@/server/trpc";
import type { UserRole } from "@/db/schema/values";
import { makeQueryClient } from "./query-client";

const requestContext = cache(async () => createContext({ headers: new Headers(await headers()) }));

export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({ ctx: requestContext, router: appRouter, queryClient: getQueryClient });

export async function serverCaller() {
  return createCaller(await requestContext());
}

export function HydrateClient({ children }: { children: React.ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

/** Awaits a page's main query; a record or page outside the caller's scope or role becomes the 404 page. */
export async function orNotFound<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    if (error instanceof TRPCError && ["NOT_FOUND", "BAD_REQUEST", "FORBIDDEN"].includes(error.code)) notFound();
    throw error;
  }
}

/** The signed-in viewer; a page meant for other roles answers 404, like one that does not exist. */
export async function viewerWithRole(...roles: UserRole[]) {
  const viewer = await (await serverCaller()).users.me();
  if (roles.length && !roles.includes(viewer.role)) notFound();
  return viewer;
}
