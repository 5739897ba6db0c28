"use client";

import { useEffect } from "react";
import { authClient } from "../_lib/auth-client";

const activityEvents = ["pointerdown", "keydown", "wheel", "touchstart"] as const;

/**
 * Signs the user out after `minutes` without a key press, click, touch or scroll (PCI DSS 8.2.8).
 * The server ends sessions that make no requests for as long; this covers an open tab whose live
 * updates keep requesting while nobody is at the screen.
 */
export function IdleSignOut({ minutes }: { minutes: number }) {
  useEffect(() => {
    let lastActivity = Date.now();
    const touch = () => {
      lastActivity = Date.now();
    };
    for (const name of activityEvents) window.addEventListener(name, touch, { passive: true });
    const timer = window.setInterval(() => {
      if (Date.now() - lastActivity < minutes * 60_000) return;
      window.clearInterval(timer);
      // A full navigation, so nothing of the signed-in console stays in memory.
      const login = new URL("/login", window.location.origin);
      login.searchParams.set("idle", "1");
      login.searchParams.set("next", window.location.pathname + window.location.search);
      void authClient.signOut().finally(() => window.location.assign(login));
    }, 5_000);
    return () => {
      window.clearInterval(timer);
      for (const name of activityEvents) window.removeEventListener(name, touch);
    };
  }, [minutes]);
  return null;
}
