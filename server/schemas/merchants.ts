import { z } from "zod";
import { merchantStatuses, weekdays } from "@/db/schema/values";
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
  .partialRecord(z.enum(weekdays), z.object({ opens: time, closes: time }).refine((h) => h.opens < h.closes, { message: "must open before it closes" }))
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

export const storeFields = {
  name: requiredText(120),
  address: trimmed(200).default(""),
  region: trimmed(80).default(""),
  timeZone: timeZone.default("Asia/Shanghai"),
  businessHours,
};
export const storeCreateInput = z.object({ merchantId: uuid, ...storeFields });
export const storeUpdateInput = z.object(storeFields).partial().extend({ id: uuid });
