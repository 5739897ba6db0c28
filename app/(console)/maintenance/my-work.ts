import type { UserRole } from "@/db/schema/values";

/** Where a technician's day starts: the navigation's "My work" link, and where `/` sends them. */
export const MY_WORK_PATH = "/maintenance?mine=true&open=true";

/** Whether a maintenance address is My work exactly (mine and open, nothing else): shown as the day's work, not as a filtered table. */
export function isMyWork(role: UserRole, params: Record<string, string | string[] | undefined>): boolean {
  const keys = Object.keys(params).filter((key) => params[key] !== undefined);
  return role === "technician" && keys.sort().join() === "mine,open" && params.mine === "true" && params.open === "true";
}
