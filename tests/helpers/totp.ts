import { createHmac } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let value = 0;
  let bits = 0;
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    // At most 12 bits are pending at a time.
    value = ((value << 5) | index) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP as authenticator apps compute it: HMAC-SHA1 over 30-second steps, 6 digits, from a base32 secret. */
export function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A code that no step the server accepts (the current one and one either side) gives. */
export function wrongTotp(secret: string, at = Date.now()): string {
  const accepted = [-30_000, 0, 30_000].map((shift) => totp(secret, at + shift));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!accepted.includes(code)) return code;
  }
}

/** The base32 secret of an otpauth:// URI. */
export const secretOf = (otpauthUri: string) => new URL(otpauthUri).searchParams.get("secret")!;
