import { APIError } from "better-auth/api";
import { z } from "zod";
import { issueMessage } from "../errors";

// The console shows no pictures; the bound keeps better-auth's free-form field from holding anything large.
const image = z.url().max(2048).nullable().optional();

/**
 * better-auth's POST /update-user lets signed-in users edit their own profile. A name is managed by
 * admins (users.update, audited, same limits as users.create): it is copied onto training records
 * as the trainer and names the actor in audit trails, so users may not rename themselves.
 */
export function checkSelfServiceUserUpdate(path: string, body: unknown): void {
  if (path !== "/update-user" || !body || typeof body !== "object") return;
  const fields = body as Record<string, unknown>;
  if ("name" in fields) {
    throw new APIError("FORBIDDEN", {
      message: "Your name is managed by an administrator because it appears on training records and in the audit trail. Ask an administrator to change it.",
      code: "NAME_MANAGED_BY_ADMIN",
    });
  }
  const checked = image.safeParse(fields.image);
  if (!checked.success) throw new APIError("BAD_REQUEST", { message: `image: ${issueMessage(checked.error.issues[0]!)}`, code: "INVALID_IMAGE" });
}
