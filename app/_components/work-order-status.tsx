"use client";

import { useTranslations } from "next-intl";
import type { WorkOrderPriority, WorkOrderStatus } from "@/db/schema/values";
import { Badge } from "./ui/badge";

const statusVariant = { open: "default", scheduled: "default", in_progress: "warning", done: "success", cancelled: "muted" } as const;
const dueVariant = { overdue: "danger", due_soon: "warning", later: "muted", closed: "muted" } as const;
const priorityVariant = { low: "muted", normal: "outline", high: "warning", urgent: "danger" } as const;

export function WorkOrderStatusBadge({ status }: { status: WorkOrderStatus }) {
  const t = useTranslations("workOrders.statuses");
  return <Badge variant={statusVariant[status]}>{t(status)}</Badge>;
}

/** Overdue and due-soon stand out; later and closed work stays quiet. */
export function DueBadge({ state }: { state: keyof typeof dueVariant }) {
  const t = useTranslations("workOrders.dueStates");
  if (state === "later" || state === "closed") return null;
  return <Badge variant={dueVariant[state]}>{t(state)}</Badge>;
}

export function PriorityBadge({ priority }: { priority: WorkOrderPriority }) {
  const t = useTranslations("workOrders.priorities");
  if (priority === "normal") return null;
  return <Badge variant={priorityVariant[priority]}>{t(priority)}</Badge>;
}
