import type { Metadata } from "next";
import { viewerWithRole } from "@/app/_lib/trpc/server";
import { NewNotice } from "./new-notice";

export const metadata: Metadata = { title: "New notice" };

export default async function NewNoticePage() {
  await viewerWithRole("admin");
  return <NewNotice />;
}
