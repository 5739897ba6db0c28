// `npm run db:seed [-- --terminals N]`: resets the demo data (the audit log stays: it is
// append-only) and optionally adds a generated fleet of N terminals for scale tests.
import { DataDirLockedError, openDatabase, targetFromEnv } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { clearFleetData, isDatabaseEmpty, seedDemo, seedLargeFleet } from "@/db/seed";
import { parseEnv } from "@/server/env";
import { parseOptions } from "./lib/args";
import { evaluateAlerts } from "@/server/services/alerts";
import { bytesStorer } from "@/server/storage";

const values = parseOptions(
  { terminals: { type: "string", default: "0" } },
  "Usage: npm run db:seed [-- --terminals N]\n\nResets the demo data (the audit log stays) and adds a generated fleet of N terminals (0 to 5,000,000).",
);
const extra = Number(values.terminals);
if (!Number.isInteger(extra) || extra < 0 || extra > 5_000_000) {
  console.error("--terminals must be a whole number between 0 and 5,000,000.");
  process.exit(2);
}

try {
  const handle = await openDatabase(targetFromEnv(parseEnv()));
  await migrateDatabase(handle);
  if (!(await isDatabaseEmpty(handle.db))) await clearFleetData(handle.db);
  await seedDemo(handle.db, new Date(), bytesStorer());
  await evaluateAlerts(handle.db);
  console.log(`Demo data seeded (${handle.engine}).`);
  if (extra > 0) {
    const started = Date.now();
    await seedLargeFleet(handle.db, extra);
    console.log(`Added ${extra.toLocaleString("en")} generated terminals in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  await handle.close();
} catch (error) {
  console.error(error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
}
