import type { Metadata } from "next";
import { Suspense } from "react";
import { userListInput } from "@/server/schemas/users";
import { TableSkeleton } from "@/app/_components/list-controls";
import { parseListParams, type RawParams } from "@/app/_lib/list-params";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { UsersView } from "./users-view";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const viewer = await viewerWithRole("admin");
  const input = parseListParams(userListInput, await searchParams);
  void getQueryClient().prefetchQuery(trpc.users.list.queryOptions(input));
  void getQueryClient().prefetchQuery(trpc.merchants.choices.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton />}>
        <UsersView viewerId={viewer.id} />
      </Suspense>
    </HydrateClient>
  );
}
