import { z } from "zod";
import { jobStatuses, releaseChannels, releaseStatuses, rolloutStatuses } from "@/db/schema/values";
import { dateTime, pageInput, requiredText, trimmed, uuid } from "./common";
import { firmwareVersion, serialNumber } from "./terminals";

// Without defaults: an update changes only the fields it names (zod keeps defaults inside .partial()).
const releaseFields = {
  version: firmwareVersion.pipe(z.string().min(1)),
  modelIds: z.array(uuid).min(1, { message: "chooseModels" }).max(50),
  channel: z.enum(releaseChannels),
  notes: trimmed(5000),
  isRollback: z.boolean(),
};
export const releaseCreateInput = z.object({
  ...releaseFields,
  channel: releaseFields.channel.default("stable"),
  notes: releaseFields.notes.default(""),
  isRollback: releaseFields.isRollback.default(false),
});
export const releaseUpdateInput = z.object(releaseFields).partial().extend({ id: uuid });

export const releaseListInput = z.object({
  q: trimmed(40).optional(),
  status: z.enum(releaseStatuses).optional(),
  channel: z.enum(releaseChannels).optional(),
  modelId: uuid.optional(),
  ...pageInput,
});
export type ReleaseListInput = z.output<typeof releaseListInput>;

const percent = z.number().min(0).max(100);

export const rolloutTargetInput = z
  .object({
    modelIds: z.array(uuid).max(50).default([]),
    merchantIds: z.array(uuid).max(500).default([]),
    storeIds: z.array(uuid).max(500).default([]),
    firmwareVersions: z
      .array(firmwareVersion.pipe(z.string().min(1)))
      .max(50)
      .default([]),
    // A pasted list replaces the other filters.
    serialNumbers: z.array(serialNumber).max(100_000).default([]),
  })
  .default({ modelIds: [], merchantIds: [], storeIds: [], firmwareVersions: [], serialNumbers: [] });
export type RolloutTargetInput = z.output<typeof rolloutTargetInput>;

export const phaseInput = z.object({
  percent: z.number().gt(0).max(100),
  successThreshold: percent.default(95),
  failureThreshold: percent.default(10),
  requiresApproval: z.boolean().default(false),
});

export const defaultPhases = [1, 10, 50, 100].map((p) => ({ percent: p, successThreshold: 95, failureThreshold: 10, requiresApproval: false }));

/** Each phase reaches more terminals than the one before, and the last reaches them all; the refusal names the phase and marks its share. */
function checkPhaseShares(phases: z.output<typeof phaseInput>[], ctx: z.RefinementCtx) {
  phases.forEach((p, i) => {
    const previous = phases[i - 1];
    if (previous && p.percent <= previous.percent) {
      ctx.addIssue({ code: "custom", path: [i, "percent"], message: "phaseShareNotLarger", params: { phase: i + 1, previous: i, previousPercent: previous.percent } });
    }
  });
  const last = phases.at(-1);
  if (last && last.percent !== 100) ctx.addIssue({ code: "custom", path: [phases.length - 1, "percent"], message: "lastPhaseNotFull", params: { phase: phases.length } });
}

export const rolloutPreviewInput = z.object({ releaseId: uuid, target: rolloutTargetInput });

export const rolloutCreateInput = rolloutPreviewInput.extend({
  name: requiredText(120),
  phases: z.array(phaseInput).min(1).max(10).superRefine(checkPhaseShares).default(defaultPhases),
  startsAt: dateTime.optional(),
  maxAttempts: z.number().int().min(1).max(10).default(3),
});
export type RolloutCreateInput = z.output<typeof rolloutCreateInput>;

export const rolloutListInput = z.object({ status: z.enum(rolloutStatuses).optional(), releaseId: uuid.optional(), ...pageInput });
export type RolloutListInput = z.output<typeof rolloutListInput>;

export const rolloutJobListInput = z.object({
  id: uuid,
  status: z.enum(jobStatuses).optional(),
  // Coerced: the filter comes from the URL too.
  phase: z.coerce.number().int().min(1).max(10).optional(),
  q: trimmed(40).optional(),
  errorCode: trimmed(64).optional(),
  ...pageInput,
});
export type RolloutJobListInput = z.output<typeof rolloutJobListInput>;

export const idInput = z.object({ id: uuid });

/** The releases a rollout can use, as the create form lists them. */
export const publishedReleasesInput = releaseListInput.parse({ status: "published", pageSize: 100 });
