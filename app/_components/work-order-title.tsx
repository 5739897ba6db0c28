"use client";

import { useTranslations } from "next-intl";
import { workOrderTitle, type TitledWorkOrder } from "@/server/services/work-order-title";

/** A work order's title in the reader's language, worded as the CSV export and the calendar feed word it. */
export function useWorkOrderTitle() {
  const t = useTranslations("workOrder.titles");
  return (order: TitledWorkOrder, serialNumber: string) => workOrderTitle(order, serialNumber, (kind, params) => t(kind, params));
}

export function WorkOrderTitle({ order, serialNumber }: { order: TitledWorkOrder; serialNumber: string }) {
  return useWorkOrderTitle()(order, serialNumber);
}
