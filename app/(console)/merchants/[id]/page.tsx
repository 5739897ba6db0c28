import type { Metadata } from "next";
import { z } from "zod";
import { notFound } from "next/navigation";
import { merchantLoginsInput } from "@/server/schemas/account-links";
import { getQueryClient, HydrateClient, orNotFound, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { MerchantDetail } from "./merchant-detail";

export const metadata: Metadata = { title: "Merchant" };

export default async function MerchantPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  await orNotFound(getQueryClient().fetchQuery(trpc.merchants.getById.queryOptions({ id })));
  const viewer = await viewerWithRole();
  // Admins and the merchant's owner see its console logins (technicians do not).
  if (viewer.role !== "technician") void getQueryClient().prefetchQuery(trpc.accountLinks.merchantLogins.queryOptions(merchantLoginsInput.parse({ merchantId: id })));
  return (
    <HydrateClient>
      <MerchantDetail id={id} role={viewer.role} />
    </HydrateClient>
  );
}
