import pg from "pg";

/** Creates the benchmark's database at `url` when missing (dropping it first for `drop`), through the maintenance database. */
export async function ensureDatabase(url: string, drop: boolean) {
  const maintenance = new URL(url);
  const name = decodeURIComponent(maintenance.pathname.slice(1));
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    if (drop) {
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      console.log(`Dropped database ${name}.`);
    }
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
