"use client";

import { useTranslations } from "next-intl";
import type { WorkOrderTitleKind } from "@/db/schema/values";

/**
 * A work order's title in the reader's language: one the system wrote ("Fault: DEMO-0037") is
 * worded from its kind; one a person typed is shown as typed.
 */
export function useWorkOrderTitle() {
  const t = useTranslations("workOrder.titles");
  return (order: { title: string; titleKind: WorkOrderTitleKind | null }, serialNumber: string) => (order.titleKind ? t(order.titleKind, { serialNumber }) : order.title);
}

export function WorkOrderTitle({ order, serialNumber }: { order: { title: string; titleKind: WorkOrderTitleKind | null }; serialNumber: string }) {
  return useWorkOrderTitle()(order, serialNumber);
}
