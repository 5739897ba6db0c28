/** A phone number as the console shows it: country and network prefix and the last four digits. */
export const maskPhone = (phone: string) => (phone.length > 7 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : "****");

/** Audit fields holding phone numbers, masked wherever an entry is shown. */
export const phoneFields = new Set(["phone", "to", "registeredPhone"]);
