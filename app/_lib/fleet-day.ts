import { DEFAULT_TIME_ZONE } from "@/db/schema/values";

/** Today's date in the fleet's time zone, the day the server counts due dates by. */
export const fleetToday = () => new Intl.DateTimeFormat("en-CA", { timeZone: DEFAULT_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
