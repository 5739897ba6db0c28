import { z } from "zod";
import { terminalStatuses, type TerminalStatus } from "@/db/schema/values";
import { pageInput, requiredText, sortDirection, trimmed, uuid } from "./common";

/** Serial numbers are kept upper-case so search and uniqueness ignore case. */
export const serialNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9-]{2,39}$/, { message: "serialNumberFormat" });

export const firmwareVersion = trimmed(40).regex(/^[0-9A-Za-z.+_-]*$/, { message: "firmwareVersionFormat" });

export const terminalSortFields = ["serialNumber", "status", "firmwareVersion", "lastSeenAt", "createdAt"] as const;

/** Live-state filters: online, offline (three missed check-ins), offline over a day, low battery, errors. */
export const connectivityFilters = ["online", "offline", "offline_day", "low_battery", "errors"] as const;
export type ConnectivityFilter = (typeof connectivityFilters)[number];

export const terminalListInput = z.object({
  q: trimmed(40).optional(),
  connectivity: z.enum(connectivityFilters).optional(),
  status: z.array(z.enum(terminalStatuses)).max(terminalStatuses.length).optional(),
  modelId: uuid.optional(),
  merchantId: uuid.optional(),
  storeId: uuid.optional(),
  firmwareVersion: firmwareVersion.optional(),
  sort: z.enum(terminalSortFields).default("serialNumber"),
  dir: sortDirection,
  ...pageInput,
});
export type TerminalListInput = z.input<typeof terminalListInput>;
export type TerminalListFilters = z.output<typeof terminalListInput>;

export const terminalCreateInput = z
  .object({
    serialNumber,
    modelId: uuid,
    merchantId: uuid.nullable().default(null),
    storeId: uuid.nullable().default(null),
    firmwareVersion: firmwareVersion.optional(),
  })
  .refine((t) => !t.storeId || t.merchantId, { message: "storeNeedsMerchant", path: ["merchantId"] });
export type TerminalCreateInput = z.input<typeof terminalCreateInput>;

export const terminalUpdateInput = z.object({
  id: uuid,
  modelId: uuid.optional(),
  firmwareVersion: firmwareVersion.optional(),
});

export const terminalAssignInput = z
  .object({ id: uuid, merchantId: uuid.nullable(), storeId: uuid.nullable() })
  .refine((t) => !t.storeId || t.merchantId, { message: "storeNeedsMerchant", path: ["merchantId"] });

/**
 * The status changes an admin may make by hand; in_stock → active happens only through activation.
 * Kept here, beside the schemas, so the service enforces it and the console offers the same actions.
 */
export const statusChangesByHand: Record<TerminalStatus, readonly TerminalStatus[]> = {
  in_stock: ["retired"],
  active: ["suspended", "faulty", "retired"],
  suspended: ["active", "retired"],
  faulty: ["active", "in_stock", "retired"],
  retired: [],
};

/** Statuses whose terminals may use the device API; changing to any other revokes their tokens. */
export const statusesWithDeviceAccess: readonly TerminalStatus[] = ["active", "faulty"];

export const terminalStatusInput = z.object({
  id: uuid,
  status: z.enum(terminalStatuses),
  reason: trimmed(500).optional(),
});

/** A CSV import's columns: the merchant and the store by name, as people know them, never by internal id. */
export const importColumns = ["serial_number", "manufacturer", "model", "merchant", "store", "firmware_version"] as const;
export const requiredImportColumns: readonly (typeof importColumns)[number][] = ["serial_number", "manufacturer", "model"];
export type ImportRow = Record<(typeof importColumns)[number], string>;

export const terminalImportInput = z.object({
  /** Line numbers are the CSV's, header included, so errors point at what the user sees. */
  rows: z
    .array(z.object({ line: z.number().int().min(2), values: z.record(z.string(), z.string().max(200)) }))
    .min(1, { message: "importNoRows" })
    .max(100_000, { message: "importTooManyRows" }),
  dryRun: z.boolean().default(false),
});
export type TerminalImportInput = z.input<typeof terminalImportInput>;

export const importRowSchema = z.object({
  serial_number: serialNumber,
  manufacturer: requiredText(80),
  model: requiredText(80),
  merchant: trimmed(120),
  store: trimmed(120),
  firmware_version: firmwareVersion.default(""),
});
