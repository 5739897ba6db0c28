"use client";

import { useTranslations } from "next-intl";
import type { AlertSeverity } from "@/db/schema/values";
import { Badge } from "@/app/_components/ui/badge";

const severityVariant: Record<AlertSeverity, "default" | "warning" | "danger"> = { info: "default", warning: "warning", critical: "danger" };

/** The severity in words and in colour, so it reads without colour too. */
export function AlertSeverityBadge({ severity }: { severity: AlertSeverity }) {
  const t = useTranslations("alertTexts.severities");
  return (
    <Badge variant={severityVariant[severity]} data-severity={severity}>
      {t(severity)}
    </Badge>
  );
}
