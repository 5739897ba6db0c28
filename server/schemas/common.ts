import { z } from "zod";

export const uuid = z.uuid({ message: "must be a valid id" });

export const trimmed = (max: number) => z.string().trim().max(max, { message: `must be at most ${max} characters` });
export const requiredText = (max: number) => trimmed(max).min(1, { message: "is required" });

export const pageInput = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().refine((n) => [25, 50, 100].includes(n), { message: "must be 25, 50 or 100" }).default(25),
};

export const sortDirection = z.enum(["asc", "desc"]).default("asc");
