import { z } from "zod";
import { alertListInput } from "@/server/schemas/alerts";

// The procedure takes real booleans; in the URL they are the words "true" and "false".
const flag = z.union([z.boolean(), z.stringbool()]).optional();

/** The inbox's filters as the URL holds them; the server page and the view parse them alike, so they share a query key. */
export const alertInboxParams = alertListInput.extend({ unread: flag, acknowledged: flag });

export const alertsViews = ["inbox", "rules", "delivery"] as const;
export type AlertsViewName = (typeof alertsViews)[number];

/** The tab a `view` param names; the inbox when it names none. */
export const alertsViewOf = (view: string | string[] | undefined | null): AlertsViewName => alertsViews.find((v) => v === view) ?? "inbox";
