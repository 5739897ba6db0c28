import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { rollupPeriodStart } from "@/db/history";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { Batcher, DEVICE_REQUEST_BATCHING, perDatabase } from "../batcher";
import { fleetConfig } from "../config";
import { sqlState } from "../errors";
import { metrics } from "../metrics";
import type { HeartbeatInput } from "../schemas/device";
import { onShutdown } from "../shutdown";
import { checkInAlertCandidatesSql } from "./alert-conditions";
import { checkInAlerts } from "./alerts";
import { openCommandsSql, type TerminalCommand } from "./commands";
import { deviceAuthResult, hashDeviceToken, tokenCheckSql, type AuthenticatedDevice, type DeviceAuthResult, type TokenCheckRow } from "./device-tokens";
import { FLEET_EVENTS_CHANNEL, fleetEventPayloadSql } from "./fleet-events";
import { pendingNoticesSql, type TerminalNotice } from "./notices";
import { offerCandidatesSql, offersFor, type DueUpdate, type OfferCandidate } from "./rollouts";

/** A check-in of a device already authenticated (in-process callers, the benchmark's baseline). */
export interface CheckIn {
  device: AuthenticatedDevice;
  report: HeartbeatInput;
  at: Date;
}

/** A check-in whose token the check-in statement checks first (the device API): one statement per batch, not two. */
export interface TokenCheckIn {
  tokenHash: string;
  report: HeartbeatInput;
  at: Date;
}

const isTokenCheckIn = (c: CheckIn | TokenCheckIn): c is TokenCheckIn => "tokenHash" in c;

// A report's columns as the statement reads them from its JSON parameter.
const REPORT_COLUMNS = sql.raw("firmware_version text, battery smallint, signal smallint, network network_type, error_count smallint, errors jsonb, transactions int, at timestamptz");

type PendingNotice = TerminalNotice & { terminalId: string };
type OpenCommand = TerminalCommand & { terminalId: string };

const dialect = new PgDialect();
const statementNames = new Map<string, string>();
const MAX_STATEMENT_NAMES = 8;

/**
 * Runs a statement by name, so that PostgreSQL plans it once per connection and reuses the plan
 * (a generic one: the parameters are a JSON batch and a few ids). Planning the check-in statement
 * anew cost about a third of its database time at 40 rows a statement. The name follows the text,
 * so a changed statement gets a plan of its own; past a few texts, statements run unnamed. PGlite
 * runs them unnamed in any case.
 */
async function queryRowsNamed<Row>(db: Db, query: SQL): Promise<Row[]> {
  const compiled = dialect.sqlToQuery(query);
  let name = statementNames.get(compiled.sql);
  if (!name && statementNames.size < MAX_STATEMENT_NAMES) statementNames.set(compiled.sql, (name = `posfleet_check_ins_${statementNames.size + 1}`));
  const result = (await db._.session.prepareQuery(compiled, undefined, name, false).execute()) as { rows: Row[] };
  return result.rows;
}

/**
 * Writes a batch of check-ins in one statement: first the token checks of those that carry a token
 * (only the check-ins that pass are written), then the terminals' latest state (online again), the
 * raw history rows, the terminals' hourly rollups, the merchants' daily activity and one notification for the live console. Returns the
 * token checks (in the order of the batch's token check-ins), the update jobs that could be offered to these terminals, the notices due
 * to them, their open remote commands (queued ones now delivered) and the terminals whose alerts the check-ins could change.
 */
export async function recordCheckIns(
  db: Db,
  batch: (CheckIn | TokenCheckIn)[],
  /** When the tokens are checked: their rate-limit windows run on the server's clock, not the reports' times. */
  checkedAt: Date = new Date(),
): Promise<{ tokenChecks: TokenCheckRow[]; offers: OfferCandidate[]; notices: PendingNotice[]; commands: OpenCommand[]; alertCandidates: string[] }> {
  // One JSON parameter per kind rather than typed arrays: both drivers pass it the same way.
  const reportOf = (c: CheckIn | TokenCheckIn) => ({
    firmware_version: c.report.firmwareVersion,
    battery: c.report.batteryPercent ?? null,
    signal: c.report.signalDbm ?? null,
    network: c.report.network ?? null,
    error_count: c.report.errors?.length ?? 0,
    errors: c.report.errors?.length ? c.report.errors : null,
    transactions: c.report.transactionsSinceLast ?? 0,
    at: c.at.toISOString(),
  });
  const byToken = batch.filter(isTokenCheckIn);
  const byDevice = batch.filter((c): c is CheckIn => !isTokenCheckIn(c));
  const deviceRows = byDevice.map((c) => ({ terminal_id: c.device.terminalId, merchant_id: c.device.merchantId, ...reportOf(c) }));
  const tokenRows = byToken.map((c, seq) => ({ seq, ...reportOf(c) }));
  const latestCheckIns = sql`select terminal_id, merchant_id, max(at) as at from i group by terminal_id, merchant_id`;
  const notices = pendingNoticesSql(latestCheckIns);
  const commands = openCommandsSql(latestCheckIns);
  const [result] = await queryRowsNamed<{
    token_checks: TokenCheckRow[] | null;
    offers: OfferCandidate[] | null;
    notices: PendingNotice[] | null;
    commands: OpenCommand[] | null;
    alert_candidates: string[] | null;
  }>(
    db,
    sql`
    with ${tokenCheckSql(
      byToken.map((c) => c.tokenHash),
      checkedAt,
    )}, i as (
      select * from (
        select * from jsonb_to_recordset(${JSON.stringify(deviceRows)}::jsonb) as d(terminal_id uuid, merchant_id uuid, ${REPORT_COLUMNS})
        union all
        select c.terminal_id, c.merchant_id, r.firmware_version, r.battery, r.signal, r.network, r.error_count, r.errors, r.transactions, r.at
        from jsonb_to_recordset(${JSON.stringify(tokenRows)}::jsonb) as r(seq int, ${REPORT_COLUMNS})
        join token_checks c on c.seq = r.seq and c.outcome = 'ok'
      ) checked
      -- The limit tells the planner the real row count (it assumes 100), so it looks up by index.
      limit ${batch.length}
    ), latest as (
      update terminals t set
        connectivity = 'online',
        firmware_version = i.firmware_version,
        battery_percent = coalesce(i.battery, t.battery_percent),
        signal_dbm = coalesce(i.signal, t.signal_dbm),
        network = coalesce(i.network, t.network),
        error_count = i.error_count,
        last_errors = i.errors,
        last_seen_at = greatest(i.at, t.last_seen_at)
      from i where t.id = i.terminal_id
      returning t.id, t.merchant_since, t.merchant_id, t.store_id, t.status, t.battery_percent, t.error_count
    ), history as (
      insert into checkins (terminal_id, at, transactions, network, battery_percent, signal_dbm, firmware_version, errors)
      select terminal_id, at, transactions, network, battery, signal, firmware_version, errors from i
    ), rollup as (
      insert into checkin_rollups (terminal_id, period_start, transactions, errors, battery_sum, signal_sum, network, checkins, battery_readings, battery_min, signal_readings, firmware_version)
      select i.terminal_id, ${rollupPeriodStart(sql`i.at`, sql`l.merchant_since`)}, sum(i.transactions), sum(i.error_count), coalesce(sum(i.battery), 0), coalesce(sum(i.signal), 0),
        (array_agg(i.network order by i.at desc) filter (where i.network is not null))[1], count(*), count(i.battery), min(i.battery), count(i.signal), (array_agg(i.firmware_version order by i.at desc))[1]
      from i join latest l on l.id = i.terminal_id
      group by 1, 2 order by 1, 2
      on conflict (terminal_id, period_start) do update set
        transactions = checkin_rollups.transactions + excluded.transactions,
        errors = checkin_rollups.errors + excluded.errors,
        battery_sum = checkin_rollups.battery_sum + excluded.battery_sum,
        signal_sum = checkin_rollups.signal_sum + excluded.signal_sum,
        network = coalesce(excluded.network, checkin_rollups.network),
        checkins = checkin_rollups.checkins + excluded.checkins,
        battery_readings = checkin_rollups.battery_readings + excluded.battery_readings,
        battery_min = least(checkin_rollups.battery_min, excluded.battery_min),
        signal_readings = checkin_rollups.signal_readings + excluded.signal_readings,
        firmware_version = excluded.firmware_version
    ), activity as (
      insert into daily_activity (day, merchant_id, transactions, checkins)
      -- Days are the fleet's (the overview charts them), not UTC's.
      select (at at time zone ${DEFAULT_TIME_ZONE})::date, merchant_id, sum(transactions), count(*) from i
      where merchant_id is not null group by 1, 2 order by 1, 2
      on conflict (day, merchant_id) do update set
        transactions = daily_activity.transactions + excluded.transactions,
        checkins = daily_activity.checkins + excluded.checkins
    ), ${notices.ctes}, ${commands.ctes}
    select pg_notify(${FLEET_EVENTS_CHANNEL}, ${fleetEventPayloadSql("terminals", sql`select merchant_id from i`)}),
      (select json_agg(token_checks order by seq) from token_checks) as token_checks,
      -- The same statement finds the updates due to these terminals, by the firmware they just reported.
      (select json_agg(o) from (${offerCandidatesSql(sql`select distinct on (terminal_id) terminal_id, firmware_version from i order by terminal_id, at desc`)}) o) as offers,
      ${notices.select} as notices,
      ${commands.select} as commands,
      (select json_agg(c.id) from (${checkInAlertCandidatesSql(sql`latest`)}) c) as alert_candidates`,
  );
  return {
    tokenChecks: result?.token_checks ?? [],
    offers: result?.offers ?? [],
    notices: result?.notices ?? [],
    commands: result?.commands ?? [],
    alertCandidates: result?.alert_candidates ?? [],
  };
}

type HeartbeatAnswer = { update: DueUpdate | null; notices: TerminalNotice[]; commands: TerminalCommand[] };

/**
 * Stores a batch of check-ins and answers each with its token check's result and, once authenticated, the update due to it, if any,
 * its notices and its commands.
 */
const checkInBatcher = perDatabase((db: Db) => {
  const batcher = new Batcher(
    async (batch: (CheckIn | TokenCheckIn)[]): Promise<{ auth: DeviceAuthResult; answer?: HeartbeatAnswer }[]> => {
      const now = new Date();
      const { tokenChecks, offers, notices, commands, alertCandidates } = await recordCheckIns(db, batch, now).catch((error: unknown) => {
        // A row the default partition caught as the job attached the partition for its time fails
        // the default's partition check (23514); the statement wrote nothing, and again it routes to the new partition.
        if (sqlState(error) === "23514") return recordCheckIns(db, batch, now);
        throw error;
      });
      if (alertCandidates.length) checkInAlerts(db, alertCandidates, batch[batch.length - 1]!.at);
      const due = offers.length ? await offersFor(db, offers, batch[0]!.at) : new Map<string, DueUpdate>();
      const noticesOf = new Map<string, TerminalNotice[]>();
      for (const { terminalId, ...notice } of notices) noticesOf.set(terminalId, [...(noticesOf.get(terminalId) ?? []), notice]);
      const commandsOf = new Map<string, TerminalCommand[]>();
      for (const { terminalId, ...command } of commands) commandsOf.set(terminalId, [...(commandsOf.get(terminalId) ?? []), command]);
      let seq = 0;
      return batch.map((c) => {
        const auth: DeviceAuthResult = isTokenCheckIn(c) ? deviceAuthResult(tokenChecks[seq++]!, now) : { ok: true, device: c.device };
        if (!auth.ok) return { auth };
        const id = auth.device.terminalId;
        return { auth, answer: { update: due.get(id) ?? null, notices: noticesOf.get(id) ?? [], commands: commandsOf.get(id) ?? [] } };
      });
    },
    { ...DEVICE_REQUEST_BATCHING, name: "check-ins" },
  );
  // A check-in that was answered, or is being stored when shutdown begins, reaches the database before it closes.
  onShutdown("check-in batcher", () => batcher.drained());
  return batcher;
});

const heartbeatAnswer = (answer: HeartbeatAnswer, now: Date) => {
  metrics.heartbeats.inc();
  return { serverTime: now.toISOString(), nextHeartbeatSeconds: fleetConfig.heartbeatIntervalSeconds(), ...answer };
};

/** An authenticated terminal's check-in: stores it (batched with concurrent ones) and answers per the contract. */
export async function processHeartbeat(db: Db, device: AuthenticatedDevice, report: HeartbeatInput, now: Date = new Date()) {
  const { answer } = await checkInBatcher(db).add({ device, report, at: now });
  return heartbeatAnswer(answer!, now);
}

/**
 * The device API's check-in: the token is checked in the statement that stores it (batched with
 * concurrent ones). Answers per the contract, or with the token check's refusal.
 */
export async function processHeartbeatWithToken(db: Db, token: string, report: HeartbeatInput, now: Date = new Date()) {
  const { auth, answer } = await checkInBatcher(db).add({ tokenHash: hashDeviceToken(token), report, at: now });
  return auth.ok ? { auth, answer: heartbeatAnswer(answer!, now) } : { auth };
}
