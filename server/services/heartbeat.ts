import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { Batcher, DEVICE_REQUEST_BATCHING, perDatabase } from "../batcher";
import { fleetConfig } from "../config";
import { metrics } from "../metrics";
import type { HeartbeatInput } from "../schemas/device";
import { onShutdown } from "../shutdown";
import type { AuthenticatedDevice } from "./device-tokens";
import { FLEET_EVENTS_CHANNEL, fleetEventPayload } from "./fleet-events";
import { pendingNoticesSql, type TerminalNotice } from "./notices";
import { offerCandidatesSql, offersFor, type DueUpdate, type OfferCandidate } from "./rollouts";

export interface CheckIn {
  device: AuthenticatedDevice;
  report: HeartbeatInput;
  at: Date;
}

type PendingNotice = TerminalNotice & { terminalId: string };

/**
 * Writes a batch of check-ins in one statement: the terminals' latest state, the history rows,
 * the merchants' daily activity and one notification for the live console. Returns the update
 * jobs that could be offered to these terminals and the notices due to them.
 */
export async function recordCheckIns(db: Db, batch: CheckIn[]): Promise<{ offers: OfferCandidate[]; notices: PendingNotice[] }> {
  // One JSON parameter rather than typed arrays: both drivers pass it the same way.
  const rows = batch.map((c) => ({
    terminal_id: c.device.terminalId,
    merchant_id: c.device.merchantId,
    firmware_version: c.report.firmwareVersion,
    battery: c.report.batteryPercent ?? null,
    signal: c.report.signalDbm ?? null,
    network: c.report.network ?? null,
    error_count: c.report.errors?.length ?? 0,
    errors: c.report.errors?.length ? c.report.errors : null,
    transactions: c.report.transactionsSinceLast ?? 0,
    at: c.at.toISOString(),
  }));
  const merchantIds = [...new Set(batch.flatMap((c) => (c.device.merchantId ? [c.device.merchantId] : [])))];
  const notices = pendingNoticesSql(sql`select terminal_id, merchant_id, max(at) as at from i group by terminal_id, merchant_id`);
  const [result] = await queryRows<{ offers: OfferCandidate[] | null; notices: PendingNotice[] | null }>(
    db,
    sql`
    with i as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(
        terminal_id uuid, merchant_id uuid, firmware_version text, battery smallint, signal smallint,
        network network_type, error_count smallint, errors jsonb, transactions int, at timestamptz)
      -- The limit tells the planner the real row count (it assumes 100), so it looks up by index.
      limit ${rows.length}
    ), latest as (
      update terminals t set
        firmware_version = i.firmware_version,
        battery_percent = coalesce(i.battery, t.battery_percent),
        signal_dbm = coalesce(i.signal, t.signal_dbm),
        network = coalesce(i.network, t.network),
        error_count = i.error_count,
        last_errors = i.errors,
        last_seen_at = greatest(i.at, t.last_seen_at)
      from i where t.id = i.terminal_id
    ), history as (
      insert into checkins (terminal_id, at, firmware_version, battery_percent, signal_dbm, network, error_count, errors, transactions)
      select terminal_id, at, firmware_version, battery, signal, network, error_count, errors, transactions from i
    ), activity as (
      insert into daily_activity (day, merchant_id, transactions, checkins)
      select (at at time zone 'UTC')::date, merchant_id, sum(transactions), count(*) from i
      where merchant_id is not null group by 1, 2 order by 1, 2
      on conflict (day, merchant_id) do update set
        transactions = daily_activity.transactions + excluded.transactions,
        checkins = daily_activity.checkins + excluded.checkins
    ), ${notices.ctes}
    select pg_notify(${FLEET_EVENTS_CHANNEL}, ${fleetEventPayload({ type: "terminals", merchantIds })}),
      -- The same statement finds the updates due to these terminals, by the firmware they just reported.
      (select json_agg(o) from (${offerCandidatesSql(sql`select distinct on (terminal_id) terminal_id, firmware_version from i order by terminal_id, at desc`)}) o) as offers,
      ${notices.select} as notices`,
  );
  return { offers: result?.offers ?? [], notices: result?.notices ?? [] };
}

/** Stores a batch of check-ins and answers each with the update due to it, if any, and its notices. */
const checkInBatcher = perDatabase((db: Db) => {
  const batcher = new Batcher(
    async (batch: CheckIn[]): Promise<{ update: DueUpdate | null; notices: TerminalNotice[] }[]> => {
      const { offers, notices } = await recordCheckIns(db, batch);
      const due = offers.length ? await offersFor(db, offers, batch[0]!.at) : new Map<string, DueUpdate>();
      const noticesOf = new Map<string, TerminalNotice[]>();
      for (const { terminalId, ...notice } of notices) noticesOf.set(terminalId, [...(noticesOf.get(terminalId) ?? []), notice]);
      return batch.map((c) => ({ update: due.get(c.device.terminalId) ?? null, notices: noticesOf.get(c.device.terminalId) ?? [] }));
    },
    { ...DEVICE_REQUEST_BATCHING, name: "check-ins" },
  );
  // A check-in that was answered, or is being stored when shutdown begins, reaches the database before it closes.
  onShutdown("check-in batcher", () => batcher.drained());
  return batcher;
});

/** A terminal's check-in: stores it (batched with concurrent ones) and answers per the contract. */
export async function processHeartbeat(db: Db, device: AuthenticatedDevice, report: HeartbeatInput, now: Date = new Date()) {
  const { update, notices } = await checkInBatcher(db).add({ device, report, at: now });
  metrics.heartbeats.inc();
  return { serverTime: now.toISOString(), nextHeartbeatSeconds: fleetConfig.heartbeatIntervalSeconds(), update, notices };
}
