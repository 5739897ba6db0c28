"use client";

import type { TerminalStatus } from "@/db/schema/values";
import { useTranslations } from "next-intl";
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

/** A green or grey dot for the online rule; the word is there for screen readers and tooltips. */
export function OnlineDot({ online }: { online: boolean }) {
  const t = useTranslations("connectivity");
  const label = online ? t("online") : t("offline");
  return (
    <span role="img" aria-label={label} title={label} data-online={online} className={cn("inline-block size-2 shrink-0 rounded-full", online ? "bg-emerald-500" : "bg-zinc-300 dark:bg-zinc-600")} />
  );
}
