import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { secondFactorMissing } from "@/server/auth/two-factor";
import { sessionIdleMinutes } from "@/server/env";
import { viewerFromHeaders } from "@/server/trpc";
import { IdleSignOut } from "../_components/idle-sign-out";
import { AppShell } from "../_components/app-shell";
import { SecondFactorGate } from "../_components/second-factor-gate";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const viewer = await viewerFromHeaders(await headers());
  if (!viewer) redirect("/login");
  return (
    <AppShell viewer={viewer}>
      <IdleSignOut minutes={sessionIdleMinutes()} />
      {secondFactorMissing(viewer) ? <SecondFactorGate>{children}</SecondFactorGate> : children}
    </AppShell>
  );
}
