import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { staffMembers, trainingCourses, users } from "@/db/schema";
import { createAuth } from "@/server/auth";
import { createTestDatabase, demoCallers, demoEmails, storeNamed, viewerByEmail } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

const ORIGIN = "http://localhost:3000";

function authRequest(path: string, body: unknown, headers: Record<string, string> = {}) {
  return createAuth(handle.db).handler(
    new Request(`${ORIGIN}/api/auth${path}`, { method: "POST", headers: { "content-type": "application/json", origin: ORIGIN, "x-real-ip": "198.51.100.40", ...headers }, body: JSON.stringify(body) }),
  );
}

/** Signs a demo user in and returns the session cookie. */
async function sessionCookie(email: string): Promise<string> {
  const response = await authRequest("/sign-in/email", { email, password: "demo-password-1" });
  expect(response.status).toBe(200);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

const nameOf = async (email: string) => (await handle.db.select({ name: users.name }).from(users).where(eq(users.email, email)))[0]!.name;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("self-service profile changes (POST /api/auth/update-user)", () => {
  it("refuse a new name, however long, because admins manage names", async () => {
    const cookie = await sessionCookie(demoEmails.merchant);
    for (const name of ["x".repeat(5000), "Li Wei (owner)"]) {
      const response = await authRequest("/update-user", { name }, { cookie });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toContain("managed by an administrator");
    }
    expect(await nameOf(demoEmails.merchant)).toBe("Li Wei");
  });

  it("bound the image like any other field", async () => {
    const cookie = await sessionCookie(demoEmails.technician);
    const response = await authRequest("/update-user", { image: `https://example.com/${"y".repeat(5000)}` }, { cookie });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe("image: Enter at most 2048 characters.");
  });
});

describe("users written by admins", () => {
  it("keep the same limits on create and update", async () => {
    const base = { email: "new.user@example.com", password: "a-long-unusual-passphrase-42", role: "admin" as const };
    expect((await fieldErrorsOf(as.admin.users.create({ ...base, name: "x".repeat(5000) }))).name).toEqual(["Enter at most 120 characters."]);
    expect((await fieldErrorsOf(as.admin.users.create({ ...base, name: "New User", email: `${"a".repeat(300)}@example.com` }))).email).toEqual(["Enter at most 254 characters."]);
    const technician = await viewerByEmail(handle.db, demoEmails.technician);
    expect((await fieldErrorsOf(as.admin.users.update({ id: technician.id, name: "x".repeat(121) }))).name).toEqual(["Enter at most 120 characters."]);
    expect(await nameOf(demoEmails.technician)).toBe("Tom Technician");
  });

  it("rename a trainer without rewriting the training records that name them", async () => {
    const technician = await viewerByEmail(handle.db, demoEmails.technician);
    const store = await storeNamed(handle.db, "Demo Coffee Jing'an");
    const [cashier] = await handle.db.select().from(staffMembers).where(eq(staffMembers.storeId, store.id)).limit(1);
    const [course] = await handle.db.select().from(trainingCourses).where(eq(trainingCourses.active, true)).limit(1);
    const recorded = await as.technician.training.recordSession({
      courseId: course!.id,
      trainedOn: "2026-11-01",
      trainer: { kind: "technician", technicianId: technician.id },
      attendees: [{ staffId: cashier!.id }],
    });
    await as.admin.users.update({ id: technician.id, name: "Thomas Technician" });
    const record = await as.merchant.training.record({ id: recorded.records[0]!.id });
    expect(record.trainerName).toBe("Tom Technician");
  });
});
