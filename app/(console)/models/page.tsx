import type { Metadata } from "next";
import { getQueryClient, HydrateClient, trpc, viewerWithRole } from "@/app/_lib/trpc/server";
import { ModelsView } from "./models-view";

export const metadata: Metadata = { title: "Terminal models" };

export default async function ModelsPage() {
  await viewerWithRole("admin");
  await getQueryClient().prefetchQuery(trpc.models.list.queryOptions());
  return (
    <HydrateClient>
      <ModelsView />
    </HydrateClient>
  );
}
