import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { terminals } from "@/db/schema";
import { sweepConnectivity } from "@/server/services/connectivity";
import { recordCheckIns } from "@/server/services/heartbeat";
import { listTerminals } from "@/server/services/terminals";
import { createEmptyDatabase, createTestDatabase, FIXED_NOW, migrateUpTo } from "../helpers/db";

let handle: DbHandle;
const everything = { kind: "all" } as const;

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

interface Row {
  id: string;
  serial_number: string;
  connectivity: string;
  last_seen_at: string;
  status: string;
}

/** Every terminal as the list sees it, with its last check-in as sortable text ("" for never, which sorts first). */
const fleet = () =>
  queryRows<Row>(
    handle.db,
    sql`select id, serial_number, connectivity::text, coalesce(to_char(last_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '') as last_seen_at, status::text from terminals`,
  );

/** The terminals' own columns against terminal_presence's copy of them. */
async function expectPresenceMatchesTerminals(when: string) {
  const mismatched = await queryRows<{ id: string }>(
    handle.db,
    sql`select coalesce(t.id, p.terminal_id) as id from terminals t full join terminal_presence p on p.terminal_id = t.id
      where t.id is null or p.terminal_id is null
        or (t.serial_number, t.connectivity, coalesce(t.last_seen_at, '-infinity')) is distinct from (p.serial_number, p.connectivity, p.last_seen_at)`,
  );
  expect(mismatched, when).toEqual([]);
}

/** The order the list promises for "last seen": the time, then the serial number, both in the chosen direction. */
function expectedOrder(rows: Row[], dir: "asc" | "desc") {
  const sign = dir === "asc" ? 1 : -1;
  // Serial numbers here are ASCII letters, digits and dashes, which sort the same in every collation the tests run with.
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => sign * (byText(a.last_seen_at, b.last_seen_at) || byText(a.serial_number, b.serial_number))).map((r) => r.serial_number);
}

describe("heartbeat updates and the terminals' indexes", () => {
  it("no index of terminals reads a column that a heartbeat changes at every check-in, so its update can be HOT", async () => {
    const indexes = await queryRows<{ name: string; definition: string }>(
      handle.db,
      sql`select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition from pg_index where indrelid = 'terminals'::regclass`,
    );
    expect(indexes.length).toBeGreaterThan(5);
    for (const { name, definition } of indexes) {
      for (const column of ["last_seen_at", "battery_percent", "signal_dbm", "network", "error_count", "last_errors"]) {
        expect(definition.includes(column), `${name} reads ${column}: ${definition}`).toBe(false);
      }
    }
  });
});

describe("terminal_presence", () => {
  it("copies every terminal, and follows inserts, check-ins, the sweep and deletes", async () => {
    await expectPresenceMatchesTerminals("after the seed");
    const [model] = await queryRows<{ id: string }>(handle.db, sql`select id from terminal_models limit 1`);
    const [added] = await handle.db.insert(terminals).values({ serialNumber: "PRESENCE-1", modelId: model!.id, status: "active" }).returning();
    await expectPresenceMatchesTerminals("after an insert");

    await recordCheckIns(handle.db, [{ device: { terminalId: added!.id, serialNumber: added!.serialNumber, merchantId: null }, report: { firmwareVersion: "1.0.0" }, at: FIXED_NOW }]);
    const [seen] = await queryRows<{ last_seen_at: Date | string; connectivity: string }>(
      handle.db,
      sql`select last_seen_at, connectivity::text from terminal_presence where terminal_id = ${added!.id}`,
    );
    expect(new Date(seen!.last_seen_at).toISOString()).toBe(FIXED_NOW.toISOString());
    expect(seen!.connectivity).toBe("online");

    // An hour later the sweep takes it offline.
    expect((await sweepConnectivity(handle.db, new Date(FIXED_NOW.getTime() + 3_600_000))).changed).toBeGreaterThan(0);
    await expectPresenceMatchesTerminals("after the sweep");

    await handle.db.delete(terminals).where(eq(terminals.id, added!.id));
    await expectPresenceMatchesTerminals("after a delete");
  });

  it("orders the list by last seen, never-seen terminals first, ties by serial number, with and without the offline filters and a search", async () => {
    const rows = await fleet();
    // Ties on the last check-in: the never-seen terminals (in stock) and two seen at the same moment.
    expect(rows.filter((r) => r.last_seen_at === "").length).toBeGreaterThan(1);
    const [a, b] = rows.filter((r) => r.last_seen_at !== "");
    await handle.db.execute(sql`update terminals set last_seen_at = (select last_seen_at from terminals where id = ${a!.id}) where id = ${b!.id}`);
    const now = await fleet();
    const inService = (r: Row) => r.status === "active" || r.status === "faulty";
    const cases = [
      { name: "all", filters: {}, keep: () => true },
      { name: "offline", filters: { connectivity: "offline" as const }, keep: (r: Row) => inService(r) && r.connectivity !== "online" },
      { name: "offline for a day", filters: { connectivity: "offline_day" as const }, keep: (r: Row) => inService(r) && r.connectivity === "offline_day" },
      { name: "search", filters: { q: "demo-00" }, keep: (r: Row) => r.serial_number.toUpperCase().includes("DEMO-00") },
    ];
    for (const { name, filters, keep } of cases) {
      for (const dir of ["asc", "desc"] as const) {
        const expected = expectedOrder(now.filter(keep), dir);
        expect(expected.length, name).toBeGreaterThan(0);
        const listed = await listTerminals(handle.db, everything, { sort: "lastSeenAt", dir, page: 1, pageSize: 100, ...filters });
        expect(
          listed.items.map((t) => t.serialNumber),
          `${name} ${dir}`,
        ).toEqual(expected.slice(0, 100));
      }
    }
  });
});

describe("migration 0030 on a database that already holds terminals", () => {
  let old: DbHandle | undefined;
  afterAll(async () => {
    await old?.close();
  });

  it("copies them into terminal_presence and flags their battery and errors", async () => {
    old = await createEmptyDatabase();
    await migrateUpTo(old, "0029_serial_tail_trigrams");
    const [model] = await queryRows<{ id: string }>(old.db, sql`insert into terminal_models (manufacturer, model) values ('Test', 'T1') returning id`);
    await old.db.execute(sql`insert into terminals (serial_number, model_id, status, last_seen_at, connectivity, battery_percent, error_count) values
      ('OLD-A', ${model!.id}, 'active', '2026-11-20T07:55:00Z', 'online', 15, 2),
      ('OLD-B', ${model!.id}, 'in_stock', null, 'offline_day', null, 0)`);
    await migrateUpTo(old, "0030_terminal_presence");
    const rows = await queryRows<{ serial_number: string; connectivity: string; seen: string; low_battery: boolean; has_errors: boolean }>(
      old.db,
      sql`select p.serial_number, p.connectivity::text, p.last_seen_at::text as seen, t.low_battery, t.has_errors
        from terminal_presence p join terminals t on t.id = p.terminal_id order by p.serial_number`,
    );
    expect(rows.map((r) => [r.serial_number, r.connectivity, r.seen === "-infinity" ? "never" : new Date(r.seen).toISOString(), r.low_battery, r.has_errors])).toEqual([
      ["OLD-A", "online", "2026-11-20T07:55:00.000Z", true, true],
      ["OLD-B", "offline_day", "never", false, false],
    ]);
  });
});
