import type { Metadata } from "next";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { TerminalDetail } from "./terminal-detail";

type Params = { params: Promise<{ serialNumber: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: decodeURIComponent((await params).serialNumber) };
}

export default async function TerminalPage({ params }: Params) {
  const serialNumber = decodeURIComponent((await params).serialNumber);
  await orNotFound(getQueryClient().fetchQuery(trpc.terminals.getBySerial.queryOptions({ serialNumber })));
  const viewer = await viewerWithRole();
  return (
    <HydrateClient>
      <TerminalDetail serialNumber={serialNumber} role={viewer.role} />
    </HydrateClient>
  );
}
