import { z } from "zod";
import { bulkJobKinds, type BulkJobKind, type UserRole } from "@/db/schema/values";
import { commandSendInput } from "./commands";
import { uuid, trimmed } from "./common";
import { terminalListInput } from "./terminals";

/**
 * The bulk actions each role may start, on the terminals in its scope. Which command kinds a role
 * may send is the commands' own matrix (commandTypesByRole); moving and status changes are an admin's.
 */
export const bulkKindsByRole: Record<UserRole, readonly BulkJobKind[]> = {
  admin: bulkJobKinds,
  technician: ["command"],
  merchant: ["command"],
};

/** The most rows a selection by ids carries; more is "all matching this filter". */
export const BULK_IDS_MAX = 1_000;

/** The terminal list's filters, without its sort and page: "all N matching this filter". */
export const bulkFilter = terminalListInput.omit({ sort: true, dir: true, page: true, pageSize: true });

/** Chosen rows by id, or every terminal matching the list's filter; either only ever within the requester's scope. */
export const bulkIdsSelection = z.object({ ids: z.array(uuid).min(1, { message: "bulkNothingSelected" }).max(BULK_IDS_MAX) });
export const bulkSelection = z.union([bulkIdsSelection, z.object({ filter: bulkFilter })]);
export type BulkSelection = z.output<typeof bulkSelection>;

const [lockCommand, plainCommand] = commandSendInput.options;

/** A suspended terminal goes back to service, an active one is suspended (lost or stolen). */
export const bulkStatuses = ["suspended", "active"] as const;

export const bulkStartInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("command"), params: z.discriminatedUnion("type", [lockCommand.omit({ terminalId: true }), plainCommand.omit({ terminalId: true })]), selection: bulkSelection }),
  z.object({ kind: z.literal("move_to_store"), params: z.object({ storeId: uuid }), selection: bulkSelection }),
  z.object({ kind: z.literal("set_status"), params: z.object({ status: z.enum(bulkStatuses), reason: trimmed(500).optional() }), selection: bulkSelection }),
]);
export type BulkStartInput = z.output<typeof bulkStartInput>;

/**
 * Why a bulk job left a terminal alone; each has a sentence in both catalogues (bulk.skipReasons.<reason>).
 * A terminal may have left the scope, changed status or moved between the start and its chunk.
 */
export const bulkSkipReasons = ["notInScope", "notInService", "statusChangeNotAllowed", "alreadyInStatus", "storeOfAnotherMerchant", "alreadyInStore", "retired"] as const;
export type BulkSkipReason = (typeof bulkSkipReasons)[number];

export const bulkJobIdInput = z.object({ id: uuid });

export const bulkListInput = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), open: z.boolean().optional() });
