import fs from "node:fs";
import path from "node:path";
import { AppError, type ErrorParams, type ErrorReason } from "../errors";

/** PCI DSS v4 8.3.6: at least 12 characters. */
export const MIN_PASSWORD_LENGTH = 12;

let common: Set<string> | undefined;

/** The 10,000 most common passwords (zxcvbn-ts's frequency list, lowercased), loaded on first use. */
function commonPasswords(): Set<string> {
  common ??= new Set(fs.readFileSync(path.resolve(/*turbopackIgnore: true*/ process.cwd(), "server/auth/common-passwords.txt"), "utf8").split("\n").filter(Boolean));
  return common;
}

/**
 * Why a new password is refused, or null when it is acceptable: too short, one of the common
 * passwords (also with digits or symbols appended, as in "password1234!"), or the e-mail address
 * (or its local part) again.
 */
export function passwordProblem(password: string, email?: string | null): { reason: ErrorReason; params: ErrorParams } | null {
  if (password.length < MIN_PASSWORD_LENGTH) return { reason: "passwordTooShort", params: { minimum: MIN_PASSWORD_LENGTH } };
  const lowered = password.toLowerCase();
  const stem = lowered.replace(/[\d\W_]+$/, "");
  const list = commonPasswords();
  if (list.has(lowered) || list.has(stem) || /^(.)\1+$/.test(lowered)) return { reason: "passwordTooCommon", params: {} };
  const address = email?.trim().toLowerCase();
  if (address && (lowered.includes(address) || (address.split("@")[0]!.length >= 4 && lowered.includes(address.split("@")[0]!)))) {
    return { reason: "passwordContainsEmail", params: {} };
  }
  return null;
}

/** Throws a field error on `password` when the new password breaks the policy. */
export function assertAcceptablePassword(password: string, email?: string | null): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new AppError("invalid", problem.reason, problem.params, { field: "password" });
}
