"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { cn } from "../_lib/utils";

// A navigation that has not arrived by then has failed or was abandoned: the bar must not stay forever.
const GIVE_UP_MS = 15_000;

/** Whether a click on this link starts a navigation to another console page (not a download, a new tab or the same page). */
function startsNavigation(event: MouseEvent): boolean {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  const link = (event.target as Element | null)?.closest?.("a[href]");
  if (!(link instanceof HTMLAnchorElement) || (link.target && link.target !== "_self") || link.hasAttribute("download")) return false;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return false;
  return url.pathname !== window.location.pathname || url.search !== window.location.search;
}

/**
 * A thin bar at the top of the window from the click on a link until the new page is shown, so a
 * slow page still answers the click at once. It watches clicks on any link, not only the menu's,
 * and back/forward; the route's change (path or query) ends it.
 */
export function NavigationProgress() {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const [state, setState] = useState<"idle" | "loading" | "done">("idle");
  // The page shown changed: a navigation under way has arrived (set while rendering, as React advises for state that follows props).
  const route = `${pathname}?${search}`;
  const [shownRoute, setShownRoute] = useState(route);
  if (route !== shownRoute) {
    setShownRoute(route);
    if (state === "loading") setState("done");
  }

  useEffect(() => {
    const start = (event: Event) => {
      if (event.type === "popstate" || startsNavigation(event as MouseEvent)) setState("loading");
    };
    // Capture: Next's Link cancels the click's default before it would bubble here.
    window.addEventListener("click", start, true);
    window.addEventListener("popstate", start);
    return () => {
      window.removeEventListener("click", start, true);
      window.removeEventListener("popstate", start);
    };
  }, []);

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), state === "done" ? 300 : GIVE_UP_MS);
    return () => clearTimeout(timer);
  }, [state]);

  return (
    <div aria-hidden className="pointer-events-none fixed inset-x-0 top-0 z-[60] h-0.5 print:hidden" data-testid="navigation-progress" data-state={state}>
      <div
        className={cn(
          "h-full bg-primary",
          state === "idle" && "w-0 opacity-0",
          // Fast at first, then ever slower towards 85 %: the bar never claims to be done before the page is.
          state === "loading" && "w-[85%] opacity-100 transition-[width] duration-[8000ms] ease-out",
          state === "done" && "w-full opacity-0 transition-[width,opacity] duration-300",
        )}
      />
    </div>
  );
}
