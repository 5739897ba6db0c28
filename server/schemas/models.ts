import { z } from "zod";
import { terminalCapabilities } from "@/db/schema/values";
import { requiredText, uuid } from "./common";

export const modelCreateInput = z.object({
  manufacturer: requiredText(80),
  model: requiredText(80),
  capabilities: z.array(z.enum(terminalCapabilities)).max(terminalCapabilities.length).default([]),
});
export const modelUpdateInput = modelCreateInput.partial().extend({ id: uuid });
