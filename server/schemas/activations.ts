import { z } from "zod";
import { activationStatuses, smsStatuses } from "@/db/schema/values";
import { pageInput, trimmed, uuid } from "./common";
import { serialNumber } from "./terminals";

export const activationListInput = z.object({
  status: z.enum(activationStatuses).optional(),
  q: trimmed(40).optional(),
  ...pageInput,
});
export type ActivationListInput = z.output<typeof activationListInput>;

export const smsOutboxListInput = z.object({ status: z.enum(smsStatuses).optional(), ...pageInput });
export type SmsOutboxListInput = z.output<typeof smsOutboxListInput>;

export const activationCancelInput = z.object({ id: uuid });

export const activationUnblockInput = z.object({ serialNumber });
