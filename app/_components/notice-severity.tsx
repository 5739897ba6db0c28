"use client";

import { useTranslations } from "next-intl";
import type { NoticeSeverity, NoticeStatus } from "@/db/schema/values";
import { Badge } from "./ui/badge";

const severityVariant: Record<NoticeSeverity, "default" | "warning" | "danger"> = { info: "default", warning: "warning", critical: "danger" };
const statusVariant: Record<NoticeStatus, "muted" | "default" | "success" | "warning"> = { draft: "muted", scheduled: "default", published: "success", withdrawn: "warning" };

export function NoticeSeverityBadge({ severity }: { severity: NoticeSeverity }) {
  const t = useTranslations("notices.severities");
  return <Badge variant={severityVariant[severity]}>{t(severity)}</Badge>;
}

export function NoticeStatusBadge({ status }: { status: NoticeStatus }) {
  const t = useTranslations("notices.statuses");
  return <Badge variant={statusVariant[status]}>{t(status)}</Badge>;
}
