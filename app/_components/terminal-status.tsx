"use client";

import type { TerminalStatus } from "@/db/schema/values";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { localDay } from "@/server/services/calendar-day";
import { useFormatter, useNow, useTranslations, type DateTimeFormatOptions } from "next-intl";
import { cn } from "../_lib/utils";
import { Badge } from "./ui/badge";

const variants: Record<TerminalStatus, "success" | "warning" | "danger" | "muted" | "default"> = {
  in_stock: "default",
  active: "success",
  suspended: "warning",
  faulty: "danger",
  retired: "muted",
};

export function TerminalStatusBadge({ status }: { status: TerminalStatus }) {
  const t = useTranslations("terminalStatus");
  return <Badge variant={variants[status]}>{t(status)}</Badge>;
}

/** A green or grey dot for the online rule; the words beside it (see Connectivity) carry the meaning. */
function OnlineDot({ online }: { online: boolean }) {
  return <span aria-hidden data-online={online} className={cn("inline-block size-2 shrink-0 rounded-full", online ? "bg-emerald-500" : "bg-zinc-400 dark:bg-zinc-500")} />;
}

/**
 * "Online", or "Offline since 14:05" (the last check-in; with its date when that was before today
 * in the fleet's time zone), or "Never checked in": in words and colour, never colour alone.
 */
export function Connectivity({ online, lastSeenAt, className }: { online: boolean; lastSeenAt: Date | null; className?: string }) {
  const t = useTranslations("connectivity");
  const format = useFormatter();
  const now = useNow({ updateInterval: 60_000 });
  let text: string;
  if (online) text = t("online");
  else if (!lastSeenAt) text = t("neverSeen");
  else {
    const today = localDay(lastSeenAt, DEFAULT_TIME_ZONE) === localDay(now, DEFAULT_TIME_ZONE);
    const thisYear = lastSeenAt.getFullYear() === now.getFullYear();
    const dateParts: DateTimeFormatOptions = today ? {} : thisYear ? { month: "short", day: "numeric" } : { year: "numeric", month: "short", day: "numeric" };
    text = t("offlineSince", { time: format.dateTime(lastSeenAt, { ...dateParts, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) });
  }
  return (
    <span
      className={cn("inline-flex items-center gap-1.5 whitespace-nowrap", online ? "text-emerald-700 dark:text-emerald-400" : "text-muted-foreground", className)}
      data-testid="connectivity"
      data-online={online}
    >
      <OnlineDot online={online} />
      {text}
    </span>
  );
}
