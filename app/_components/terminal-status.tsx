"use client";

import type { TerminalStatus } from "@/db/schema/values";
import { useTranslations } from "next-intl";
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
