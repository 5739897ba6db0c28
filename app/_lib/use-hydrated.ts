"use client";

import { useSyncExternalStore } from "react";

const subscribeNever = () => () => undefined;

/** False during the server render and hydration, true once React owns the page. */
export function useHydrated() {
  return useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
}
