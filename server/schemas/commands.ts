import { z } from "zod";
import { commandTypes, LOCK_MESSAGE_MAX, type CommandType, type UserRole } from "@/db/schema/values";
import { requiredText, uuid } from "./common";

/**
 * The kinds each role may send, to the terminals in its scope: admins every kind; technicians the
 * ones for fixing a terminal; a merchant owner a stolen terminal's lock and unlock, and a reboot.
 */
export const commandTypesByRole: Record<UserRole, readonly CommandType[]> = {
  admin: commandTypes,
  technician: ["reboot", "ping", "collect_logs"],
  merchant: ["lock", "unlock", "reboot"],
};

/** A command for one terminal; a lock carries the message its screen shows, the other kinds nothing. */
export const commandSendInput = z.discriminatedUnion("type", [
  z.object({ terminalId: uuid, type: z.literal("lock"), params: z.object({ message: requiredText(LOCK_MESSAGE_MAX) }) }),
  z.object({ terminalId: uuid, type: z.enum(["reboot", "unlock", "collect_logs", "ping"]), params: z.object({}).default({}) }),
]);
export type CommandSendInput = z.output<typeof commandSendInput>;

export const commandListInput = z.object({ terminalId: uuid });

export const commandIdInput = z.object({ id: uuid });
