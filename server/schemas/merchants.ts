import { z } from "zod";
import { DEFAULT_MAINTENANCE_WINDOW, merchantStatuses, weekdays } from "@/db/schema/values";
import { pageInput, requiredText, sortDirection, trimmed, uuid } from "./common";
import { phoneE164 } from "./phone";

const email = z.union([z.email({ message: "must be an e-mail address" }), z.literal("")]).transform((v) => v || null);

export const merchantFields = {
  name: requiredText(120),
  registeredPhone: phoneE164,
  contactName: trimmed(120).transform((v) => v || null),
  contactEmail: email,
};

export const merchantCreateInput = z.object(merchantFields);
export const merchantUpdateInput = merchantCreateInput.partial().extend({ id: uuid, status: z.enum(merchantStatuses).optional() });

export const merchantListInput = z.object({
  q: trimmed(80).optional(),
  status: z.enum(merchantStatuses).optional(),
  sort: z.enum(["name", "createdAt", "terminalCount"]).default("name"),
  dir: sortDirection,
  ...pageInput,
});
export type MerchantListInput = z.input<typeof merchantListInput>;

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "must be HH:MM" });
export const businessHours = z
  .partialRecord(
    z.enum(weekdays),
    z.object({ opens: time, closes: time }).refine((h) => h.opens < h.closes, { message: "must open before it closes" }),
  )
  .default({});

export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "is not a known time zone" },
);

// Without defaults: an update changes only the fields it names (zod keeps defaults inside .partial()).
const storeFields = {
  name: requiredText(120),
  address: trimmed(200),
  region: trimmed(80),
  timeZone,
  businessHours: businessHours.unwrap(),
  // The daily window for firmware installs, in the store's time zone; it may wrap past midnight.
  maintenanceStarts: time,
  maintenanceEnds: time,
};
export const storeCreateInput = z.object({
  merchantId: uuid,
  ...storeFields,
  address: storeFields.address.default(""),
  region: storeFields.region.default(""),
  timeZone: timeZone.default("Asia/Shanghai"),
  businessHours,
  maintenanceStarts: time.default(DEFAULT_MAINTENANCE_WINDOW.starts),
  maintenanceEnds: time.default(DEFAULT_MAINTENANCE_WINDOW.ends),
});
export const storeUpdateInput = z.object(storeFields).partial().extend({ id: uuid });
