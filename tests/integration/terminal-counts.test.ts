import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { terminalModels, terminals } from "@/db/schema";
import type { HeartbeatInput } from "@/server/schemas/device";
import type { Scope } from "@/server/scope";
import { sweepConnectivity } from "@/server/services/connectivity";
import { recordCheckIns, type CheckIn } from "@/server/services/heartbeat";
import { fleetOverview } from "@/server/services/overview";
import { foldTerminalCounts, terminalCounts, type TerminalCount } from "@/server/services/terminal-counts";
import { createTestDatabase, demoCallers, engine, FIXED_NOW, merchantNamed, storeNamed } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;
let scopes: [string, Scope][];

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
  const demo = (await merchantNamed(handle.db, "Demo Coffee")).id;
  const bakery = (await merchantNamed(handle.db, "Other Bakery")).id;
  scopes = [
    ["admin", { kind: "all" }],
    ["Demo Coffee", { kind: "merchants", merchantIds: [demo] }],
    ["Other Bakery", { kind: "merchants", merchantIds: [bakery] }],
    ["both merchants", { kind: "merchants", merchantIds: [demo, bakery] }],
    ["no merchant", { kind: "merchants", merchantIds: [] }],
  ];
});
afterAll(async () => handle?.close());

/** The same counts straight from the terminals, independent of the triggers (20 is LOW_BATTERY_PERCENT). */
async function groupedTerminals(scope: Scope): Promise<TerminalCount[]> {
  const visible =
    scope.kind === "all"
      ? sql`true`
      : scope.merchantIds.length
        ? sql`merchant_id in (${sql.join(
            scope.merchantIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`
        : sql`false`;
  return queryRows<TerminalCount>(
    handle.db,
    sql`select status, model_id as "modelId", coalesce(firmware_version, '') as "firmwareVersion", connectivity,
        coalesce(battery_percent < 20, false) as "lowBattery", error_count > 0 as "hasErrors", count(*)::int as n
      from terminals where ${visible} group by 1, 2, 3, 4, 5, 6`,
  );
}

const sorted = (counts: TerminalCount[]) => counts.map((c) => ({ ...c, n: Number(c.n) })).sort((a, b) => JSON.stringify({ ...a, n: 0 }).localeCompare(JSON.stringify({ ...b, n: 0 })));

const unfolded = async () => (await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from terminal_count_changes`))[0]!.n;

/** Every scope's counts equal a GROUP BY over the terminals, with the changes still unfolded and again once folded. */
async function expectCountsMatchTerminals(step: string) {
  for (const [name, scope] of scopes) expect(sorted(await terminalCounts(handle.db, scope)), `${step}, ${name}`).toEqual(sorted(await groupedTerminals(scope)));
  await foldTerminalCounts(handle.db);
  expect(await unfolded()).toBe(0);
  for (const [name, scope] of scopes) expect(sorted(await terminalCounts(handle.db, scope)), `${step}, folded, ${name}`).toEqual(sorted(await groupedTerminals(scope)));
}

const terminalNamed = async (serialNumber: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serialNumber)))[0]!;

const checkInOf = async (serialNumber: string, report: Partial<HeartbeatInput>, at: Date): Promise<CheckIn> => {
  const t = await terminalNamed(serialNumber);
  return { device: { terminalId: t.id, serialNumber, merchantId: t.merchantId }, report: { firmwareVersion: t.firmwareVersion ?? "1.0.0", ...report }, at };
};

describe("the terminal counts", () => {
  it("equal a GROUP BY over the terminals through every kind of change, before and after each fold", async () => {
    // The seeded fleet: the seed's changes are not folded yet.
    expect(await unfolded()).toBeGreaterThan(0);
    expect(sorted(await terminalCounts(handle.db, scopes[0]![1])).reduce((sum, c) => sum + c.n, 0)).toBe(82);
    await expectCountsMatchTerminals("seeded");

    // New terminals: two in one import (one statement), one created on its own.
    const demo = await merchantNamed(handle.db, "Demo Coffee");
    const bakery = await merchantNamed(handle.db, "Other Bakery");
    const jingan = await storeNamed(handle.db, "Demo Coffee Jing'an");
    const [model] = await handle.db.select().from(terminalModels).limit(1);
    const imported = await as.admin.terminals.import({
      rows: [
        { line: 2, values: { serial_number: "COUNT-0001", manufacturer: model!.manufacturer, model: model!.model, merchant: demo.name, store: jingan.name, firmware_version: "7.0.0" } },
        { line: 3, values: { serial_number: "COUNT-0002", manufacturer: model!.manufacturer, model: model!.model, merchant: "", store: "", firmware_version: "" } },
      ],
      dryRun: false,
    });
    expect(imported).toMatchObject({ imported: 2 });
    await as.admin.terminals.create({ serialNumber: "COUNT-0003", modelId: model!.id, merchantId: bakery.id, firmwareVersion: "7.0.0" });
    await expectCountsMatchTerminals("created");

    // Status changes.
    await as.admin.terminals.setStatus({ id: (await terminalNamed("DEMO-0005")).id, status: "suspended" });
    await as.admin.terminals.setStatus({ id: (await terminalNamed("BAKE-0005")).id, status: "faulty" });
    await expectCountsMatchTerminals("status changed");

    // Moves: between merchants, and from no merchant to one.
    await as.admin.terminals.assign({ id: (await terminalNamed("BAKE-0007")).id, merchantId: demo.id, storeId: jingan.id });
    await as.admin.terminals.assign({ id: (await terminalNamed("COUNT-0002")).id, merchantId: bakery.id, storeId: null });
    await as.admin.terminals.update({ id: (await terminalNamed("COUNT-0003")).id, firmwareVersion: "7.1.0" });
    await expectCountsMatchTerminals("moved");

    // Heartbeats: new firmware, a low battery, errors reported and cleared, all in one batch.
    const beat = FIXED_NOW;
    await recordCheckIns(handle.db, [
      await checkInOf("DEMO-0001", { firmwareVersion: "9.9.9" }, beat),
      await checkInOf("DEMO-0002", { batteryPercent: 5 }, beat),
      await checkInOf("DEMO-0003", { errors: [{ code: "PRINTER" }, { code: "NETWORK" }] }, beat),
      await checkInOf("DEMO-0011", { errors: [] }, beat),
      await checkInOf("BAKE-0001", { batteryPercent: 90, network: "wifi" }, beat),
    ]);
    expect((await terminalNamed("DEMO-0011")).errorCount).toBe(0);
    await expectCountsMatchTerminals("heartbeats");
    // A heartbeat that leaves a terminal in the same counts (online, same firmware, battery and no errors) appends nothing.
    await recordCheckIns(handle.db, [await checkInOf("BAKE-0001", { batteryPercent: 85 }, new Date(beat.getTime() + 60_000))]);
    expect(await unfolded()).toBe(0);

    // The sweep, two days on: every terminal that checks in goes offline for a day.
    const { changed } = await sweepConnectivity(handle.db, new Date(FIXED_NOW.getTime() + 2 * 86_400_000));
    expect(changed).toBeGreaterThan(10);
    expect(await unfolded()).toBeGreaterThanOrEqual(2 * changed);
    await expectCountsMatchTerminals("swept");

    // Deleted terminals (the console never deletes one; an operator may): one alone, then two in one statement.
    await handle.db.delete(terminals).where(eq(terminals.serialNumber, "COUNT-0003"));
    await handle.db.delete(terminals).where(inArray(terminals.serialNumber, ["COUNT-0001", "COUNT-0002"]));
    await expectCountsMatchTerminals("deleted");

    // The overview's figures come from these counts.
    const overview = await fleetOverview(handle.db, scopes[1]![1]);
    const demoTerminals = await handle.db.select().from(terminals).where(eq(terminals.merchantId, demo.id));
    expect(overview.total).toBe(demoTerminals.length);
    const inService = demoTerminals.filter((t) => t.status === "active" || t.status === "faulty");
    expect(overview.attention).toEqual({
      online: inService.filter((t) => t.connectivity === "online").length,
      offline: inService.filter((t) => t.connectivity !== "online").length,
      offline_day: inService.filter((t) => t.connectivity === "offline_day").length,
      low_battery: inService.filter((t) => t.batteryPercent !== null && t.batteryPercent < 20).length,
      errors: inService.filter((t) => t.errorCount > 0).length,
    });
    expect(overview.attention.low_battery).toBeGreaterThan(0);
    expect(overview.attention.errors).toBeGreaterThan(0);
  });

  it("stay exact under concurrent heartbeat batches, sweeps and folds, which never deadlock", async () => {
    const fleet = await handle.db
      .select()
      .from(terminals)
      .where(inArray(terminals.status, ["active", "faulty"]));
    expect(fleet.length).toBeGreaterThan(40);
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    // PGlite runs one statement at a time; PostgreSQL interleaves them, and a lock-order deadlock shows within a few dozen rounds.
    const rounds = engine === "postgres" ? 100 : 5;
    for (let round = 0; round < rounds; round++) {
      const at = new Date(FIXED_NOW.getTime() + (3 + round) * 86_400_000);
      // Four batches of different terminals, each in its own order, as four app instances would send them.
      const shuffled = [...fleet].sort(() => rand() - 0.5);
      const batches = [0, 1, 2, 3].map((b) =>
        shuffled
          .filter((_, i) => i % 4 === b)
          .map((t): CheckIn => ({
            device: { terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId },
            report: {
              firmwareVersion: rand() < 0.2 ? `8.${round}.0` : (t.firmwareVersion ?? "1.0.0"),
              batteryPercent: Math.floor(rand() * 100),
              errors: rand() < 0.2 ? [{ code: "E" }] : undefined,
              transactionsSinceLast: 1,
            },
            at: new Date(at.getTime() + Math.floor(rand() * 600_000)),
          })),
      );
      // The sweeps run at clocks that turn terminals offline and back while the heartbeats land.
      const results = await Promise.allSettled([
        ...batches.map((batch) => recordCheckIns(handle.db, batch)),
        sweepConnectivity(handle.db, new Date(at.getTime() + 20 * 60_000)),
        sweepConnectivity(handle.db, new Date(at.getTime() - 86_400_000)),
        foldTerminalCounts(handle.db),
        foldTerminalCounts(handle.db),
        terminalCounts(handle.db, { kind: "all" }),
      ]);
      expect(
        // The database's own error (a deadlock: 40P01), not the query text.
        results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as { cause?: unknown }).cause ?? r.reason)] : [])),
        `round ${round}`,
      ).toEqual([]);
    }
    await expectCountsMatchTerminals(`concurrent (${engine})`);
  });

  it("are cleared with the terminals by a truncate, and count again from there", async () => {
    await handle.db.execute(sql`truncate table terminals cascade`);
    expect(await unfolded()).toBe(0);
    for (const [name, scope] of scopes) expect(await terminalCounts(handle.db, scope), name).toEqual([]);
    const demo = await merchantNamed(handle.db, "Demo Coffee");
    const [model] = await handle.db.select().from(terminalModels).limit(1);
    await handle.db.insert(terminals).values({ serialNumber: "AFTER-0001", modelId: model!.id, merchantId: demo.id });
    await expectCountsMatchTerminals("after truncate");
    expect((await terminalCounts(handle.db, scopes[1]![1])).map((c) => c.n)).toEqual([1]);
  });
});
