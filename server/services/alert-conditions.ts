import { sql, type SQL } from "drizzle-orm";
import type { AlertRuleKind } from "@/db/schema/values";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { statusesWithDeviceAccess } from "../schemas/terminals";
import { literalList, uuidArray } from "./sql-text";

/**
 * Each rule kind's condition as one query over all enabled rules of the kind: the rows for which it
 * holds now, as (rule_id, subject_key, merchant_id, store_id, terminal_id, params). An alert is open
 * exactly while its row is here (server/services/alerts.ts raises and resolves by comparing).
 * `terminalIds` narrows a terminal kind to the terminals of one batch of check-ins.
 */
export interface ConditionContext {
  now: Date;
  terminalIds?: string[];
}

const inService = literalList(statusesWithDeviceAccess);
const openWorkOrder = literalList(["open", "scheduled", "in_progress"]);

/** Whether rule `r` covers a row of this merchant and store: its owner's merchant, its chosen merchants and stores. */
function covers(merchantId: SQL, storeId: SQL): SQL {
  return sql`(r.owner_merchant_id is null or ${merchantId} = r.owner_merchant_id)
    and (cardinality(r.merchant_ids) = 0 or ${merchantId} = any(r.merchant_ids))
    and (cardinality(r.store_ids) = 0 or ${storeId} = any(r.store_ids))`;
}

const ruleOf = (kind: AlertRuleKind) => sql`r.kind = ${kind} and r.enabled`;
const onlyTerminals = (column: SQL, ctx: ConditionContext) => (ctx.terminalIds ? sql`and ${column} = any(${uuidArray(ctx.terminalIds)})` : sql``);

/** A store is open at `at` by its business hours in its own time zone; a terminal without a store counts as open. */
function storeOpen(at: string): SQL {
  const local = sql`(${at}::timestamptz at time zone s.time_zone)`;
  const today = sql`(s.business_hours -> to_char(${local}, 'dy'))`;
  return sql`(s.id is null or (${today} is not null and to_char(${local}, 'HH24:MI') >= ${today} ->> 'opens' and to_char(${local}, 'HH24:MI') < ${today} ->> 'closes'))`;
}

const conditions: Record<AlertRuleKind, (ctx: ConditionContext) => SQL> = {
  // Not seen for the rule's minutes while in service. With "only when open", a closed store's terminal
  // is not missed; an alert raised while it was open stays until the terminal checks in.
  terminal_offline: (ctx) => {
    // The terminals of a batch of check-ins have just been seen: none is offline, so their open alerts resolve.
    if (ctx.terminalIds) return sql`select rule_id, subject_key, merchant_id, store_id, terminal_id, params from alerts where false`;
    const at = ctx.now.toISOString();
    return sql`select r.id as rule_id, t.id::text as subject_key, t.merchant_id, t.store_id, t.id as terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'minutes', r.threshold) as params
      from alert_rules r
      join terminal_presence p on p.last_seen_at < ${at}::timestamptz - make_interval(mins => r.threshold)
      join terminals t on t.id = p.terminal_id and t.status in ${inService} and ${covers(sql`t.merchant_id`, sql`t.store_id`)}
      left join stores s on s.id = t.store_id
      where ${ruleOf("terminal_offline")} and (not r.only_when_open or ${storeOpen(at)}
        or exists (select 1 from alerts a where a.terminal_id = t.id and a.rule_id = r.id and a.status = 'open'))`;
  },
  tamper_failed: () =>
    sql`select r.id as rule_id, w.id::text as subject_key, w.merchant_id, w.store_id, w.terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'workOrder', w.number) as params
      from alert_rules r
      join work_orders w on w.tamper_alert and w.status in ${openWorkOrder} and ${covers(sql`w.merchant_id`, sql`w.store_id`)}
      join terminals t on t.id = w.terminal_id
      where ${ruleOf("tamper_failed")}`,
  low_battery: (ctx) =>
    sql`select r.id as rule_id, t.id::text as subject_key, t.merchant_id, t.store_id, t.id as terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'battery', t.battery_percent, 'threshold', r.threshold) as params
      from alert_rules r
      join terminals t on t.status in ${inService} and t.battery_percent < r.threshold and ${covers(sql`t.merchant_id`, sql`t.store_id`)} ${onlyTerminals(sql`t.id`, ctx)}
      where ${ruleOf("low_battery")}`,
  // Errors over the last hour of check-ins, for the terminals that reported some in their latest one
  // (only a report with errors can raise the count) or have such an alert open (only those can
  // resolve): the candidates are small index ranges, never the whole hour's history.
  errors_reported: (ctx) => {
    const at = ctx.now.toISOString();
    const candidates = sql`select id from terminals where status in ${inService} and has_errors ${onlyTerminals(sql`id`, ctx)}
      union select terminal_id from alerts where kind = 'errors_reported' and status = 'open' ${onlyTerminals(sql`terminal_id`, ctx)}`;
    return sql`select r.id as rule_id, t.id::text as subject_key, t.merchant_id, t.store_id, t.id as terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'count', e.n) as params
      from (select c.terminal_id, sum(jsonb_array_length(c.errors))::int as n from checkins c
        where c.terminal_id in (${candidates}) and c.at > ${at}::timestamptz - interval '1 hour' and c.errors is not null group by 1) e
      join terminals t on t.id = e.terminal_id and t.status in ${inService}
      join alert_rules r on ${ruleOf("errors_reported")} and e.n >= r.threshold and ${covers(sql`t.merchant_id`, sql`t.store_id`)}`;
  },
  // Paused by its failure threshold, not by an admin's hand.
  rollout_paused: () =>
    sql`select r.id as rule_id, ro.id::text as subject_key, null::uuid as merchant_id, null::uuid as store_id, null::uuid as terminal_id,
        jsonb_build_object('rollout', ro.name) as params
      from alert_rules r
      join rollouts ro on ro.status = 'paused' and ro.pause_reason = 'failure_threshold'
      where ${ruleOf("rollout_paused")} and r.owner_merchant_id is null`,
  // One alert per work order and technician: reassigning it raises one for the new technician.
  work_order_assigned: () =>
    sql`select r.id as rule_id, w.id::text || ':' || w.technician_id as subject_key, w.merchant_id, w.store_id, w.terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'workOrder', w.number, 'dueDate', w.due_date::text) as params
      from alert_rules r
      join work_orders w on w.technician_id is not null and w.status in ${openWorkOrder} and ${covers(sql`w.merchant_id`, sql`w.store_id`)}
      join terminals t on t.id = w.terminal_id
      where ${ruleOf("work_order_assigned")}`,
  work_order_overdue: (ctx) =>
    sql`select r.id as rule_id, w.id::text as subject_key, w.merchant_id, w.store_id, w.terminal_id,
        jsonb_build_object('serialNumber', t.serial_number, 'workOrder', w.number, 'dueDate', w.due_date::text) as params
      from alert_rules r
      join work_orders w on w.status in ${openWorkOrder} and w.due_date < (${ctx.now.toISOString()}::timestamptz at time zone ${DEFAULT_TIME_ZONE})::date
        and ${covers(sql`w.merchant_id`, sql`w.store_id`)}
      join terminals t on t.id = w.terminal_id
      where ${ruleOf("work_order_overdue")}`,
  // A pass of a course still taught, for someone still on the staff, expiring within the rule's days and not renewed by a later pass.
  training_expiring: (ctx) => {
    const today = sql`(${ctx.now.toISOString()}::timestamptz at time zone ${DEFAULT_TIME_ZONE})::date`;
    return sql`select r.id as rule_id, tr.id::text as subject_key, tr.merchant_id, s.store_id, null::uuid as terminal_id,
        jsonb_build_object('staff', s.name, 'course', c.title, 'expiresOn', tr.expires_on::text) as params
      from alert_rules r
      join training_records tr on tr.result = 'passed' and tr.expires_on >= ${today} and tr.expires_on <= ${today} + r.threshold
        and tr.expires_on = (select max(lp.expires_on) from training_records lp where lp.staff_id = tr.staff_id and lp.course_id = tr.course_id and lp.result = 'passed')
      join staff_members s on s.id = tr.staff_id and s.active and ${covers(sql`tr.merchant_id`, sql`s.store_id`)}
      join training_courses c on c.id = tr.course_id and c.active
      where ${ruleOf("training_expiring")}`;
  },
  // Failed SMS over the last hour, per merchant (or the fleet's own, without one).
  sms_failing: (ctx) =>
    sql`select r.id as rule_id, coalesce(f.merchant_id::text, 'fleet') as subject_key, f.merchant_id, null::uuid as store_id, null::uuid as terminal_id,
        jsonb_build_object('count', f.n, 'merchant', coalesce(m.name, 'fleet')) as params
      from (select merchant_id, count(*)::int as n from sms_outbox where status = 'failed' and created_at > ${ctx.now.toISOString()}::timestamptz - interval '1 hour' group by 1) f
      left join merchants m on m.id = f.merchant_id
      join alert_rules r on ${ruleOf("sms_failing")} and f.n >= r.threshold and ${covers(sql`f.merchant_id`, sql`null::uuid`)}`,
};

export function conditionSql(kind: AlertRuleKind, ctx: ConditionContext): SQL {
  return conditions[kind](ctx);
}

/** The kinds a check-in can change, evaluated from the heartbeat writer's batches. */
export const checkInAlertKinds: readonly AlertRuleKind[] = ["terminal_offline", "low_battery", "errors_reported"];

/**
 * Of the terminals a batch of check-ins just updated (`seen`: their id, merchant_id, store_id,
 * status, battery_percent and error_count after the update), those whose check-in could raise or
 * resolve an alert of the check-in kinds: an open one to resolve, a battery under a covering low
 * battery rule's threshold, or errors under a covering errors rule (only a report with errors raises
 * the hour's count). Most check-ins change nothing, and the batch's evaluation is then skipped; an
 * hour's errors ageing out is the evaluate-alerts job's.
 */
export function checkInAlertCandidatesSql(seen: SQL): SQL {
  return sql`select t.id from ${seen} t
    where exists (select 1 from alerts a where a.terminal_id = t.id and a.status = 'open' and a.kind in ${literalList(checkInAlertKinds)})
      or (t.status in ${inService} and exists (select 1 from alert_rules r where r.enabled and r.kind in ('low_battery', 'errors_reported')
        and ((r.kind = 'low_battery' and t.battery_percent < r.threshold) or (r.kind = 'errors_reported' and t.error_count > 0))
        and ${covers(sql`t.merchant_id`, sql`t.store_id`)}))`;
}
