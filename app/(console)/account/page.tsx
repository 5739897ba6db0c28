import type { Metadata } from "next";
import { Suspense } from "react";
import { TableSkeleton } from "@/app/_components/list-controls";
import { getQueryClient, HydrateClient, trpc } from "@/app/_lib/trpc/server";
import { AccountView } from "./account-view";

export const metadata: Metadata = { title: "Account and security" };

/** The signed-in user's own two-factor sign-in, password and sessions; every role has it. */
export default async function AccountPage({ searchParams }: { searchParams: Promise<{ enrol?: string }> }) {
  const { enrol } = await searchParams;
  void getQueryClient().prefetchQuery(trpc.account.get.queryOptions());
  void getQueryClient().prefetchQuery(trpc.account.sessions.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<TableSkeleton rows={6} />}>
        <AccountView startEnrolment={enrol === "1"} />
      </Suspense>
    </HydrateClient>
  );
}
