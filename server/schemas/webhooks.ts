import { z } from "zod";
import { outboxStatuses } from "@/db/schema/values";
import { pageInput, trimmed, uuid } from "./common";

/** Where deliveries go: a plain http(s) address, as a receiver publishes it. */
export const webhookUrl = trimmed(2000).pipe(z.url({ protocol: /^https?$/ }));

export const webhookCreateInput = z.object({
  url: webhookUrl,
  description: trimmed(200).default(""),
  // An admin's choice: none is the fleet's webhook, which receives the fleet rules' alerts. A merchant owner's is always their merchant's.
  merchantId: uuid.nullable().default(null),
});
export type WebhookCreateInput = z.output<typeof webhookCreateInput>;

// Without defaults: an update changes only the fields it names. The owner never changes: a new owner is a new webhook with its own secret.
export const webhookUpdateInput = z.object({ id: uuid, url: webhookUrl.optional(), description: trimmed(200).optional(), enabled: z.boolean().optional() });
export type WebhookUpdateInput = z.output<typeof webhookUpdateInput>;

export const webhookIdInput = z.object({ id: uuid });

export const webhookListInput = z.object({ ...pageInput });
export type WebhookListInput = z.output<typeof webhookListInput>;

export const webhookDeliveriesInput = z.object({ webhookId: uuid, status: z.enum(outboxStatuses).optional(), ...pageInput });
export type WebhookDeliveriesInput = z.output<typeof webhookDeliveriesInput>;

/** The webhooks page's URL: the list's page, and the webhook whose delivery log is open, with the log's filter and page. */
export const webhooksPageInput = z.object({
  ...pageInput,
  webhook: uuid.optional(),
  status: z.enum(outboxStatuses).optional(),
  logPage: pageInput.page,
  logPageSize: pageInput.pageSize,
});
export type WebhooksPageInput = z.output<typeof webhooksPageInput>;

/** The page's two queries, from its URL. */
export const webhooksPageQueries = (p: WebhooksPageInput) => ({
  list: { page: p.page, pageSize: p.pageSize } satisfies WebhookListInput,
  deliveries: p.webhook ? ({ webhookId: p.webhook, status: p.status, page: p.logPage, pageSize: p.logPageSize } satisfies WebhookDeliveriesInput) : null,
});
