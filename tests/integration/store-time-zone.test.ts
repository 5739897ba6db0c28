import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { DbHandle } from "@/db/client";
import { stores } from "@/db/schema";
import { fieldErrorsOf } from "@/server/errors";
import { createTestDatabase, demoCallers, merchantNamed, storeNamed } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let coffeeId: string;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
  coffeeId = (await merchantNamed(handle.db, "Demo Coffee")).id;
});
afterAll(async () => handle?.close());

/** The messages the store form shows under its time-zone field, in English and in Chinese. */
async function timeZoneErrors(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe("BAD_REQUEST");
  const cause = (error as TRPCError).cause;
  expect(cause).toBeInstanceOf(ZodError);
  return [fieldErrorsOf(cause as ZodError, "en").timeZone, fieldErrorsOf(cause as ZodError, "zh-CN").timeZone];
}

describe("a store's time zone", () => {
  it("is refused unless it is an IANA zone, with a message on the field, and nothing changes", async () => {
    const before = await handle.db.select().from(stores);
    for (const zone of ["Mars/Olympus", "+08:00", "Beijing time", ""]) {
      const [en, zh] = await timeZoneErrors(as.admin.merchants.createStore({ merchantId: coffeeId, name: "Zone test", timeZone: zone }));
      expect(en).toEqual(["Choose a time zone from the list, such as Asia/Shanghai."]);
      expect(zh).toHaveLength(1);
      expect(zh![0]).toMatch(/Asia\/Shanghai/);
      expect(zh![0]).not.toBe(en![0]);
    }
    const store = await storeNamed(handle.db, "Demo Coffee Jing'an");
    await timeZoneErrors(as.admin.merchants.updateStore({ id: store.id, timeZone: "Asia/Nowhere" }));
    expect(await handle.db.select().from(stores)).toEqual(before);
  });

  it("is stored under its IANA name, however it was typed", async () => {
    const created = await as.admin.merchants.createStore({ merchantId: coffeeId, name: "Zone test", timeZone: " asia/shanghai " });
    expect(created.timeZone).toBe("Asia/Shanghai");
    await as.admin.merchants.updateStore({ id: created.id, timeZone: "Europe/Berlin" });
    const [row] = await handle.db.select().from(stores).where(eq(stores.id, created.id));
    expect(row!.timeZone).toBe("Europe/Berlin");
    const utc = await as.admin.merchants.createStore({ merchantId: coffeeId, name: "Zone test UTC", timeZone: "UTC" });
    expect(utc.timeZone).toBe("UTC");
  });
});
