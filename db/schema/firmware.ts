import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { terminalModels, terminals } from "./terminals";
import { jobStatuses, phaseStatuses, releaseChannels, releaseStatuses, rolloutStatuses, type JobStatus } from "./values";

export const releaseChannel = pgEnum("release_channel", releaseChannels);
export const releaseStatus = pgEnum("release_status", releaseStatuses);

/** A firmware image and what it is for; the bytes live in the firmware storage under `storageKey`. */
export const firmwareReleases = pgTable(
  "firmware_releases",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    version: text("version").notNull(),
    channel: releaseChannel("channel").notNull().default("stable"),
    status: releaseStatus("status").notNull().default("draft"),
    notes: text("notes").notNull().default(""),
    // A rollback release may replace a newer version; others only upgrade.
    isRollback: boolean("is_rollback").notNull().default(false),
    storageKey: text("storage_key"),
    fileName: text("file_name"),
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    sha256: text("sha256"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    deprecatedAt: timestamp("deprecated_at", { withTimezone: true }),
  },
  (t) => [index("firmware_releases_created_idx").on(t.createdAt)],
);

export const firmwareReleaseModels = pgTable(
  "firmware_release_models",
  {
    releaseId: uuid("release_id")
      .notNull()
      .references(() => firmwareReleases.id, { onDelete: "cascade" }),
    modelId: uuid("model_id")
      .notNull()
      .references(() => terminalModels.id),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.modelId] }), uniqueIndex("firmware_release_models_model_idx").on(t.modelId, t.releaseId)],
);

export const rolloutStatus = pgEnum("rollout_status", rolloutStatuses);

/**
 * Which terminals a rollout was asked for, as the rollout page shows it. A pasted list is kept as
 * its length only: the jobs name the terminals, and 100,000 serials would weigh on every read.
 */
export interface RolloutTarget {
  modelIds?: string[];
  merchantIds?: string[];
  storeIds?: string[];
  firmwareVersions?: string[];
  serialCount?: number;
}

export const rollouts = pgTable(
  "rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    releaseId: uuid("release_id")
      .notNull()
      .references(() => firmwareReleases.id),
    status: rolloutStatus("status").notNull().default("scheduled"),
    target: jsonb("target").$type<RolloutTarget>().notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    // Download attempts per terminal before a failed download counts as a failed job.
    maxAttempts: smallint("max_attempts").notNull().default(3),
    pauseReason: text("pause_reason"),
    terminalCount: integer("terminal_count").notNull().default(0),
    // Jobs by status as of the rollout job's last step, for the list (the rollout page counts live).
    jobCounts: jsonb("job_counts")
      .$type<Partial<Record<JobStatus, number>>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("rollouts_created_idx").on(t.createdAt), index("rollouts_release_idx").on(t.releaseId)],
);

export const phaseStatus = pgEnum("rollout_phase_status", phaseStatuses);

/** A step of a rollout: a share of its terminals, with the thresholds that end or stop it. */
export const rolloutPhases = pgTable(
  "rollout_phases",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    rolloutId: uuid("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    position: smallint("position").notNull(),
    // The rollout's cumulative share of terminals once this phase has started (1..100).
    percent: real("percent").notNull(),
    successThreshold: real("success_threshold").notNull(),
    failureThreshold: real("failure_threshold").notNull(),
    requiresApproval: boolean("requires_approval").notNull().default(false),
    status: phaseStatus("status").notNull().default("pending"),
    terminalCount: integer("terminal_count").notNull().default(0),
    // Failures an admin accepted by resuming after an automatic pause; only later ones count.
    acceptedFailures: integer("accepted_failures").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("rollout_phases_position_uq").on(t.rolloutId, t.position)],
);

export const jobStatus = pgEnum("update_job_status", jobStatuses);

/** One terminal's update within a rollout. */
export const updateJobs = pgTable(
  "update_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    rolloutId: uuid("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    phaseId: uuid("phase_id")
      .notNull()
      .references(() => rolloutPhases.id, { onDelete: "cascade" }),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    fromVersion: text("from_version"),
    status: jobStatus("status").notNull().default("pending"),
    attempt: smallint("attempt").notNull().default(1),
    progressPercent: smallint("progress_percent"),
    errorCode: text("error_code"),
    message: text("message"),
    history: jsonb("history")
      .$type<{ status: string; at: string; errorCode?: string }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    // At most one open job per terminal, held by the database under concurrent rollouts.
    uniqueIndex("update_jobs_one_open_idx")
      .on(t.terminalId)
      .where(sql`${t.status} in ('pending', 'downloading', 'downloaded', 'installing')`),
    index("update_jobs_terminal_idx").on(t.terminalId, t.createdAt),
    index("update_jobs_rollout_idx").on(t.rolloutId, t.phaseId, t.status),
    // The rollout page lists its terminals most recently changed first: this index scanned backwards.
    index("update_jobs_rollout_changed_idx").on(t.rolloutId, t.updatedAt, t.id),
    // Updates under way, oldest report first: the rollout job ends those that went silent.
    index("update_jobs_in_flight_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} in ('downloading', 'downloaded', 'installing')`),
    index("update_jobs_errors_idx")
      .on(t.rolloutId, t.errorCode)
      .where(sql`${t.errorCode} is not null`),
  ],
);
