import { z } from "zod";
import { commandResults, networkTypes, reportedJobStatuses } from "@/db/schema/values";
import { text } from "./common";
import { phoneE164 } from "./phone";

// The device API v1 contract (DESIGN.md). Field names and ranges are fixed: terminals depend on them.

export const heartbeatInput = z.object({
  firmwareVersion: text().trim().min(1).max(40),
  batteryPercent: z.number().min(0).max(100).transform(Math.round).optional(),
  signalDbm: z.number().min(-200).max(0).transform(Math.round).optional(),
  network: z.enum(networkTypes).optional(),
  errors: z
    .array(z.object({ code: text().trim().min(1).max(64), message: text().max(500).optional() }))
    .max(50)
    .optional(),
  transactionsSinceLast: z.number().int().min(0).max(1_000_000).optional(),
});
export type HeartbeatInput = z.output<typeof heartbeatInput>;

const serialNumber = text().trim().min(1).max(40);

export const activationRequestInput = z.object({ serialNumber, phone: z.string().max(40).pipe(phoneE164) });

export const activationVerifyInput = z.object({
  serialNumber,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, { message: "activationCodeFormat" }),
});

export const updateStatusInput = z.object({
  status: z.enum(reportedJobStatuses),
  progressPercent: z.number().min(0).max(100).transform(Math.round).optional(),
  errorCode: text().trim().min(1).max(64).optional(),
  message: text().max(500).optional(),
});
export type UpdateStatusInput = z.output<typeof updateStatusInput>;

export const commandResultInput = z.object({
  status: z.enum(commandResults),
  message: text().max(500).optional(),
});
export type CommandResultInput = z.output<typeof commandResultInput>;

/** Ids in device API paths; anything else is a 404, never a database error. */
export const pathId = z.uuid();

/** The contract's acknowledgement body is `{}`; other fields are ignored. */
export const noticeAckInput = z.object({});
