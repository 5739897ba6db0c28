import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { viewerFromHeaders } from "@/server/trpc";
import { AppShell } from "../_components/app-shell";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const viewer = await viewerFromHeaders(await headers());
  if (!viewer) redirect("/login");
  return <AppShell viewer={viewer}>{children}</AppShell>;
}
