import type { WorkOrderTitleKind } from "@/db/schema/values";

/** What a work order's title is worded from. */
export type TitledWorkOrder = { title: string; titleKind: WorkOrderTitleKind | null };

/** One language's wording of the titles the system writes (workOrder.titles.<kind> in messages/*.json). */
export type TitleKindWording = (kind: WorkOrderTitleKind, params: { serialNumber: string }) => string;

/**
 * A work order's title in the reader's language, for the console, the CSV export and the calendar
 * feed alike: one the system wrote ("Fault: DEMO-0037") is worded from its kind; one a person typed
 * is shown as typed. Kept free of the catalogues, so the console's pages can use it too.
 */
export function workOrderTitle(order: TitledWorkOrder, serialNumber: string, wording: TitleKindWording): string {
  return order.titleKind ? wording(order.titleKind, { serialNumber }) : order.title;
}
