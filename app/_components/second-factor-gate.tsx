"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";

/**
 * For an admin who must enrol a second factor first: every console page but /account sends them
 * there. It sits in the console layout, which the router keeps across navigations, so it also
 * catches the in-app ones that never reach the layout on the server; their data is refused anyway.
 */
export function SecondFactorGate({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const elsewhere = pathname !== "/account";
  useEffect(() => {
    if (elsewhere) router.replace("/account?enrol=1");
  }, [elsewhere, router]);
  return elsewhere ? null : children;
}
