import type { Metadata } from "next";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { TerminalDetail } from "./terminal-detail";

type Params = { params: Promise<{ serialNumber: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: decodeURIComponent((await params).serialNumber) };
}

export default async function TerminalPage({ params }: Params) {
  const serialNumber = decodeURIComponent((await params).serialNumber);
  const queryClient = getQueryClient();
  await orNotFound(queryClient.fetchQuery(trpc.terminals.getBySerial.queryOptions({ serialNumber })));
  void queryClient.prefetchQuery(trpc.terminals.activity.queryOptions({ serialNumber }));
  const viewer = await viewerWithRole();
  return (
    <HydrateClient>
      <TerminalDetail serialNumber={serialNumber} role={viewer.role} />
    </HydrateClient>
  );
}
