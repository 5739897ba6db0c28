import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users, userRole } from "./auth";
import { bulkJobItemStatuses, bulkJobKinds, bulkJobStatuses } from "./values";

export const bulkJobKind = pgEnum("bulk_job_kind", bulkJobKinds);
export const bulkJobStatus = pgEnum("bulk_job_status", bulkJobStatuses);
export const bulkJobItemStatus = pgEnum("bulk_job_item_status", bulkJobItemStatuses);

/**
 * A bulk action on many terminals, run in chunks by a background job. Its terminals are fixed when
 * it starts (bulk_job_items), so "all N matching" means the N the requester saw.
 */
export const bulkJobs = pgTable(
  "bulk_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: bulkJobKind("kind").notNull(),
    // What each terminal gets: the command and its params, the store, or the status and reason.
    params: jsonb("params").$type<Record<string, unknown>>().notNull(),
    // As requested: {"ids": [...]} or {"filter": <the terminal list's filters>}; kept to show what was asked.
    selection: jsonb("selection").$type<{ ids: string[] } | { filter: Record<string, unknown> }>().notNull(),
    requestedBy: text("requested_by").references(() => users.id, { onDelete: "set null" }),
    // The requester as they were at the start: each terminal's action runs, and is audited, as them.
    requesterRole: userRole("requester_role").notNull(),
    requesterLabel: text("requester_label").notNull(),
    requesterIp: text("requester_ip"),
    // The requester's scope at the start: null for every merchant (an admin), else their merchants.
    scopeMerchantIds: jsonb("scope_merchant_ids").$type<string[] | null>(),
    status: bulkJobStatus("status").notNull().default("queued"),
    total: integer("total").notNull(),
    done: integer("done").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    // How many terminals each reason skipped: {"notInService": 3} (bulk.skipReasons in the catalogues).
    skippedReasons: jsonb("skipped_reasons")
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
  },
  (t) => [
    // The runner looks for the oldest unfinished jobs; finished ones leave the index.
    index("bulk_jobs_open_idx")
      .on(t.createdAt)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("bulk_jobs_requester_idx").on(t.requestedBy, t.createdAt.desc()),
    index("bulk_jobs_created_idx").on(t.createdAt.desc()),
  ],
);

/**
 * One terminal of a bulk job. A chunk claims pending items with FOR UPDATE SKIP LOCKED and marks
 * them in the same transaction as their terminals' changes, so each terminal is acted on once
 * however many runners work on the job. No foreign keys: a job writes its items a hundred thousand
 * at a time, where a check per row would double the start, and jobs and terminals are never deleted.
 */
export const bulkJobItems = pgTable(
  "bulk_job_items",
  {
    jobId: uuid("job_id").notNull(),
    terminalId: uuid("terminal_id").notNull(),
    status: bulkJobItemStatus("status").notNull().default("pending"),
    // Why it was skipped (a BulkSkipReason) or failed (the refusing rule's error reason, or "unexpected").
    reason: text("reason"),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.terminalId] }),
    // Chunks take a job's pending terminals in terminal order; handled ones leave the index.
    index("bulk_job_items_pending_idx")
      .on(t.jobId, t.terminalId)
      .where(sql`${t.status} = 'pending'`),
  ],
);
