import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { sessions, users } from "@/db/schema";
import { createAuth } from "@/server/auth";
import { createTestDatabase } from "../helpers/db";

let handle: DbHandle;
let auth: ReturnType<typeof createAuth>;

function signIn(email: string, password: string, ip: string) {
  return auth.handler(
    new Request("http://localhost:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-real-ip": ip },
      body: JSON.stringify({ email, password }),
    }),
  );
}

beforeAll(async () => {
  handle = await createTestDatabase();
  process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE = "3";
  auth = createAuth(handle.db);
});
afterAll(async () => {
  delete process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE;
  await handle?.close();
});

describe("sign-in", () => {
  it("signs a demo user in with a session stored in the database", async () => {
    const response = await signIn("owner@demo.posfleet.dev", "demo-password-1", "198.51.100.1");
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    const [owner] = await handle.db.select().from(users).where(eq(users.email, "owner@demo.posfleet.dev"));
    expect(await handle.db.select().from(sessions).where(eq(sessions.userId, owner!.id))).toHaveLength(1);
  });

  it("refuses a wrong password without a session", async () => {
    const response = await signIn("admin@demo.posfleet.dev", "wrong-password", "198.51.100.2");
    expect(response.status).toBe(401);
  });

  it("limits sign-in attempts per client address, counted in the database", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await signIn("admin@demo.posfleet.dev", "wrong-password", "198.51.100.3")).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Another address is not affected.
    expect((await signIn("admin@demo.posfleet.dev", "demo-password-1", "198.51.100.4")).status).toBe(200);
  });

  it("refuses a disabled account even with the right password", async () => {
    await handle.db.update(users).set({ disabled: true }).where(eq(users.email, "owner2@demo.posfleet.dev"));
    const response = await signIn("owner2@demo.posfleet.dev", "demo-password-1", "198.51.100.5");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: "This account is disabled." });
  });
});
