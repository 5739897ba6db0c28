import { z } from "zod";
import { DEFAULT_MAINTENANCE_WINDOW, merchantLanguages, merchantStatuses, weekdays, type MerchantLanguage } from "@/db/schema/values";
import { pageInput, requiredText, sortDirection, trimmed, uuid } from "./common";
import { phoneE164 } from "./phone";

const email = z.union([z.email(), z.literal("")]).transform((v) => v || null);

/**
 * A merchant's or store's short code (for CSV files and screens): letters, digits and dashes. Read
 * without case and stored upper-case, as the database's uniqueness expects. Empty means "not given".
 */
export const entityCode = z
  .string()
  .trim()
  .toUpperCase()
  .max(20)
  .refine((code) => code === "" || /^[A-Z0-9][A-Z0-9-]*$/.test(code), { message: "codeFormat" });
// On create an empty code is left to the database, which gives the next free one (M0001, S001).
const newCode = entityCode.optional();
// An edit may change a code, never blank it.
const changedCode = entityCode.min(1).optional();

export const merchantFields = {
  name: requiredText(120),
  registeredPhone: phoneE164,
  contactName: trimmed(120).transform((v) => v || null),
  contactEmail: email,
};

/** A merchant's language until someone picks one: Chinese for a mainland number (+86), else English. */
export const defaultMerchantLanguage = (registeredPhone: string): MerchantLanguage => (registeredPhone.startsWith("+86") ? "zh-CN" : "en");

// Left out on create, the language follows the phone (defaultMerchantLanguage).
export const merchantCreateInput = z.object({ ...merchantFields, code: newCode, language: z.enum(merchantLanguages).optional() });
export const merchantUpdateInput = merchantCreateInput.partial().extend({ id: uuid, code: changedCode, status: z.enum(merchantStatuses).optional() });

export const merchantListInput = z.object({
  q: trimmed(80).optional(),
  status: z.enum(merchantStatuses).optional(),
  sort: z.enum(["name", "code", "createdAt", "terminalCount"]).default("name"),
  dir: sortDirection,
  ...pageInput,
});
export type MerchantListInput = z.input<typeof merchantListInput>;

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "enterTime" });
export const businessHours = z
  .partialRecord(
    z.enum(weekdays),
    z.object({ opens: time, closes: time }).refine((h) => h.opens < h.closes, { message: "closesAfterOpens", path: ["closes"] }),
  )
  .default({});

/** The IANA name a time zone resolves to ("asia/shanghai" → "Asia/Shanghai"), or null for anything else. */
export function ianaTimeZone(text: string): string | null {
  try {
    const resolved = new Intl.DateTimeFormat("en", { timeZone: text }).resolvedOptions().timeZone;
    // Newer engines also take offsets such as "+08:00", which are no zone: they ignore daylight saving.
    return resolved === "UTC" || resolved.includes("/") ? resolved : null;
  } catch {
    return null;
  }
}

/** Stored as its IANA name, so every reader (Intl, PostgreSQL) sees the same zone. */
export const timeZone = z
  .string()
  .trim()
  .refine((tz) => ianaTimeZone(tz) !== null, { message: "unknownTimeZone" })
  .transform((tz) => ianaTimeZone(tz)!);

// Empty (or null) clears it: the work order's call button then rings the merchant's registered phone.
const storePhone = z
  .string()
  .trim()
  .nullable()
  .transform((phone) => phone || null)
  .pipe(phoneE164.nullable());

// Without defaults: an update changes only the fields it names (zod keeps defaults inside .partial()).
const storeFields = {
  name: requiredText(120),
  address: trimmed(200),
  region: trimmed(80),
  phone: storePhone,
  timeZone,
  businessHours: businessHours.unwrap(),
  // The daily window for firmware installs, in the store's time zone; it may wrap past midnight.
  maintenanceStarts: time,
  maintenanceEnds: time,
};
export const storeCreateInput = z.object({
  merchantId: uuid,
  ...storeFields,
  code: newCode,
  address: storeFields.address.default(""),
  region: storeFields.region.default(""),
  phone: storePhone.optional(),
  timeZone: timeZone.default("Asia/Shanghai"),
  businessHours,
  maintenanceStarts: time.default(DEFAULT_MAINTENANCE_WINDOW.starts),
  maintenanceEnds: time.default(DEFAULT_MAINTENANCE_WINDOW.ends),
});
export const storeUpdateInput = z.object(storeFields).partial().extend({ id: uuid, code: changedCode });
