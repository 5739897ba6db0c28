import { z } from "zod";
import { dateTime, trimmed } from "./common";

export const auditListInput = z.object({
  action: trimmed(80).optional(),
  entityType: trimmed(40).optional(),
  entityId: trimmed(80).optional(),
  actorId: trimmed(64).optional(),
  from: dateTime.optional(),
  to: dateTime.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditListInput = z.output<typeof auditListInput>;
