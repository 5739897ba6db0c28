import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { localDay } from "@/server/services/calendar-day";

/** Today's date in the fleet's time zone, the day the server counts due dates by. */
export const fleetToday = () => localDay(new Date(), DEFAULT_TIME_ZONE);
