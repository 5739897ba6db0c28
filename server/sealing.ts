import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { authSecret } from "./env";

/**
 * Secrets kept in the database only as long as they must be (an SMS code until sent, a reset link
 * until e-mailed, a webhook's signing secret), encrypted with AES-256-GCM under a key derived from
 * the server secret and the purpose, so one purpose's key never opens another's.
 */
const sealingKey = (purpose: string) => createHash("sha256").update(`${authSecret()}:${purpose}`).digest();

export function seal(purpose: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(purpose), iv);
  const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString("base64url")).join(".");
}

export function unseal(purpose: string, sealed: string): string {
  const [iv, tag, data] = sealed.split(".").map((part) => Buffer.from(part, "base64url"));
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(purpose), iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(data!), decipher.final()]).toString("utf8");
}
