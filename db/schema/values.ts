// The enumerations of the schema, spelled once. This file imports nothing, so zod schemas and
// browser code can use it without pulling in the database layer.

export const userRoles = ["admin", "technician", "merchant"] as const;
export type UserRole = (typeof userRoles)[number];

export const merchantStatuses = ["active", "suspended", "closed"] as const;
export type MerchantStatus = (typeof merchantStatuses)[number];

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];
/** Opening hours per weekday as "HH:MM" pairs; a missing day is closed. */
export type BusinessHours = Partial<Record<Weekday, { opens: string; closes: string }>>;

export const terminalCapabilities = [
  "chip",
  "swipe",
  "contactless",
  "pin_pad",
  "printer",
  "scanner",
  "camera",
  "wifi",
  "cellular",
  "ethernet",
] as const;
export type TerminalCapability = (typeof terminalCapabilities)[number];

export const terminalStatuses = ["in_stock", "active", "suspended", "faulty", "retired"] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];

export const networkTypes = ["wifi", "cellular", "ethernet"] as const;
export type NetworkType = (typeof networkTypes)[number];

/** Below this battery level a terminal needs attention (the overview, the list filter, a partial index). */
export const LOW_BATTERY_PERCENT = 20;

export const activationStatuses = ["pending", "verified", "locked", "replaced", "cancelled", "failed"] as const;
export const smsStatuses = ["queued", "sent", "failed"] as const;
