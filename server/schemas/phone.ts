import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";

// Kept apart from common.ts: the full phone metadata is large, and only phone forms need it.
/** Stored as E.164. A Chinese mobile number may be entered without +86. */
export function normalizePhone(input: string): string | null {
  const phone = parsePhoneNumberFromString(input.trim(), { defaultCountry: "CN" });
  return phone && phone.isValid() ? phone.number : null;
}

export const phoneE164 = z.string().transform((value, ctx) => {
  const phone = normalizePhone(value);
  if (!phone) {
    ctx.addIssue({ code: "custom", message: "invalidPhone" });
    return z.NEVER;
  }
  return phone;
});
