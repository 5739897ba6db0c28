import type { Metadata } from "next";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { TerminalDetail } from "./terminal-detail";

// Next has decoded the segment already; decoding again would misread a serial number holding "%" and fail on "%zz".
type Params = { params: Promise<{ serialNumber: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: (await params).serialNumber };
}

export default async function TerminalPage({ params }: Params) {
  const { serialNumber } = await params;
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
