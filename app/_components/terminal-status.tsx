"use client";

import type { TerminalStatus } from "@/db/schema/values";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { localDay } from "@/server/services/calendar-day";
import { LockIcon } from "lucide-react";
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

/**
 * The terminal's status, and "Locked" beside it while a lock command holds it (`lockedAt`, until it
 * reports an unlock): in words, or with `compact` (lists) a lock icon that says it to screen readers
 * and on hover.
 */
export function TerminalStatusBadge({ status, lockedAt, compact = false }: { status: TerminalStatus; lockedAt?: Date | null; compact?: boolean }) {
  const t = useTranslations("terminalStatus");
  const badge = <Badge variant={variants[status]}>{t(status)}</Badge>;
  if (!lockedAt) return badge;
  return (
    <span className="inline-flex items-center gap-1.5">
      {badge}
      <LockedMark lockedAt={lockedAt} compact={compact} />
    </span>
  );
}

function LockedMark({ lockedAt, compact }: { lockedAt: Date; compact: boolean }) {
  const t = useTranslations("commands");
  const format = useFormatter();
  const since = t("lockedSince", { date: format.dateTime(lockedAt, { dateStyle: "medium", timeStyle: "short" }) });
  if (compact) {
    return (
      <LockIcon className="size-4 shrink-0 text-red-600" role="img" aria-label={t("locked")} data-testid="terminal-locked">
        <title>{since}</title>
      </LockIcon>
    );
  }
  return (
    <Badge variant="danger" title={since} data-testid="terminal-locked">
      <LockIcon className="mr-1 size-3" aria-hidden />
      {t("locked")}
    </Badge>
  );
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
