"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "./trpc/client";

/**
 * Keeps the open page current: the server's event stream says when terminals (or their updates),
 * notices or alerts changed, and the queries showing them refetch. Returns whether the stream is connected.
 */
export function useFleetEvents(): boolean {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource("/api/events");
    const refresh = () => {
      void queryClient.invalidateQueries(trpc.terminals.pathFilter());
      void queryClient.invalidateQueries(trpc.overview.pathFilter());
      void queryClient.invalidateQueries(trpc.activations.pathFilter());
      void queryClient.invalidateQueries(trpc.rollouts.pathFilter());
      void queryClient.invalidateQueries(trpc.maintenance.pathFilter());
      // Commands change state on the terminals' check-ins and results, which the same event announces.
      void queryClient.invalidateQueries(trpc.commands.pathFilter());
    };
    let opened = false;
    source.onopen = () => {
      setConnected(true);
      // Changes while the stream was down were not announced.
      if (opened) {
        refresh();
        void queryClient.invalidateQueries(trpc.notices.pathFilter());
        void queryClient.invalidateQueries(trpc.alerts.pathFilter());
      }
      opened = true;
    };
    // EventSource reconnects by itself (the server sets the retry delay).
    source.onerror = () => setConnected(false);
    source.addEventListener("terminals", refresh);
    // A notice was published or withdrawn: the inbox, its unread count and the banner refetch.
    source.addEventListener("notices", () => void queryClient.invalidateQueries(trpc.notices.pathFilter()));
    // Alerts were raised, resolved or acknowledged: the inbox, the rules' counts and the unread badge refetch.
    source.addEventListener("alerts", () => void queryClient.invalidateQueries(trpc.alerts.pathFilter()));
    return () => source.close();
  }, [queryClient, trpc]);
  return connected;
}
