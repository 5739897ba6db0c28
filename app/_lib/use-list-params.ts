"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import type { z } from "zod";
import { parseListParams } from "./list-params";
import { useHydrated } from "./use-hydrated";

/** A list's filters, sort and page live in the URL; changing a filter goes back to page 1. */
export function useListParams<S extends z.ZodType<object>>(schema: S, arrayKeys: string[] = []) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [isPending, startTransition] = useTransition();
  const input = parseListParams(schema, Object.fromEntries(searchParams), arrayKeys);

  function update(patch: Record<string, string | number | string[] | undefined | null>) {
    const next = new URLSearchParams(searchParams);
    for (const [key, value] of Object.entries(patch)) {
      const text = Array.isArray(value) ? value.join(",") : value == null ? "" : String(value);
      if (text) next.set(key, text);
      else next.delete(key);
    }
    if (!("page" in patch)) next.delete("page");
    const query = next.toString();
    startTransition(() => router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false }));
  }

  return { input, update, isPending, queryString: searchParams.toString() };
}

/**
 * Props for a search box bound to the `q` param, applied 300 ms after the last keystroke.
 * The box is read-only until hydration: typing earlier would be lost when React takes over.
 */
export function useSearchParam(current: string | undefined, update: (patch: { q: string }) => void) {
  const [search, setSearch] = useState(current ?? "");
  const hydrated = useHydrated();
  useEffect(() => {
    if (search === (current ?? "")) return;
    const timer = setTimeout(() => update({ q: search }), 300);
    return () => clearTimeout(timer);
  });
  return {
    inputProps: {
      value: search,
      readOnly: !hydrated,
      onChange: (event: React.ChangeEvent<HTMLInputElement>) => setSearch(event.target.value),
    },
    clear: () => setSearch(""),
  };
}
