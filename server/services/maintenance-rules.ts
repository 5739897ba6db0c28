// The rules of maintenance as plain functions of their inputs (dates are "YYYY-MM-DD" local dates,
// the clock is a parameter), shared by the services, the job and the unit tests.
import * as rruleModule from "rrule";
import { addDays, addMonths, MS_PER_DAY, toDate, toDay } from "./calendar-day";
import type { ChecklistEntry, RecurrenceUnit, WorkOrderStatus } from "@/db/schema/values";

// Bundlers (Next, Vitest) load rrule's ES build; plain Node (the tsx scripts) loads its CommonJS
// build, whose exports Node can only offer under `default`.
const { rrulestr } = "rrulestr" in rruleModule ? rruleModule : (rruleModule as unknown as { default: typeof rruleModule }).default;

export interface Recurrence {
  firstDue: string;
  everyN: number;
  unit: RecurrenceUnit;
  rrule: string | null;
}

const ruleOf = (rrule: string, firstDue: string) => rrulestr(`DTSTART:${firstDue.replaceAll("-", "")}T000000Z\nRRULE:${rrule.replace(/^RRULE:/i, "")}`);

/**
 * Whether an RRULE (e.g. "FREQ=MONTHLY;BYDAY=1MO") is one a plan starting on `firstDue` can use:
 * it parses, has a first occurrence, and repeats by days or longer (maintenance is dated by day).
 */
export function isValidRrule(rule: string, firstDue: string): boolean {
  if (/(^|;)\s*(FREQ=(HOURLY|MINUTELY|SECONDLY)|BYHOUR=|BYMINUTE=|BYSECOND=)/i.test(rule.replace(/^RRULE:/i, ""))) return false;
  try {
    return ruleOf(rule, firstDue).after(toDate(firstDue), true) !== null;
  } catch {
    return false;
  }
}

/** Whole months from one date's month to another's (day of month ignored). */
const monthsBetween = (from: string, to: string) => (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + (Number(to.slice(5, 7)) - Number(from.slice(5, 7)));

/**
 * The first due date of a plan strictly after `after` (or on it, when `inclusive`): every N days,
 * weeks or months counted from the first due date (so months never drift), or the RRULE's next
 * occurrence. Null when an RRULE has no more occurrences.
 */
export function nextDue(plan: Recurrence, after: string, inclusive = false): string | null {
  if (plan.rrule) {
    const rule = ruleOf(plan.rrule, plan.firstDue);
    // Occurrences are days: strictly after `after` means from the start of the next day.
    const next = inclusive ? rule.after(toDate(after), true) : rule.after(toDate(addDays(after, 1)), true);
    return next ? toDay(next) : null;
  }
  const step = (k: number) => (plan.unit === "month" ? addMonths(plan.firstDue, k * plan.everyN) : addDays(plan.firstDue, k * plan.everyN * (plan.unit === "week" ? 7 : 1)));
  // Jump to just before `after`, then walk: the k-th occurrence is always computed from the first due date.
  const elapsed = plan.unit === "month" ? monthsBetween(plan.firstDue, after) : (toDate(after).getTime() - toDate(plan.firstDue).getTime()) / MS_PER_DAY / (plan.unit === "week" ? 7 : 1);
  let k = Math.max(0, Math.floor(elapsed / plan.everyN) - 1);
  for (;;) {
    const day = step(k);
    if (inclusive ? day >= after : day > after) return day;
    k++;
  }
}

/** Work due within this many days counts as "due soon". */
export const DUE_SOON_DAYS = 7;

export type DueState = "overdue" | "due_soon" | "later" | "closed";

export function dueState(dueDate: string, status: WorkOrderStatus, today: string): DueState {
  if (status === "done" || status === "cancelled") return "closed";
  if (dueDate < today) return "overdue";
  return dueDate <= addDays(today, DUE_SOON_DAYS) ? "due_soon" : "later";
}

/** open → scheduled → in progress → done; anything not finished may be cancelled; in progress may go back to scheduled. */
const transitions: Record<WorkOrderStatus, WorkOrderStatus[]> = {
  open: ["scheduled", "in_progress", "cancelled"],
  scheduled: ["open", "in_progress", "cancelled"],
  in_progress: ["scheduled", "done", "cancelled"],
  done: [],
  cancelled: [],
};

export function canMoveWorkOrder(from: WorkOrderStatus, to: WorkOrderStatus): boolean {
  return transitions[from].includes(to);
}

export type CompletionProblem = { missing: "checklist"; keys: string[] } | { missing: "resolution" } | { missing: "signoff" };

/** What still stops a work order from being done (as codes, so the console can say it in any language). */
export function completionProblems(order: { checklist: ChecklistEntry[]; resolution: string | null; signoffName: string | null }): CompletionProblem[] {
  const problems: CompletionProblem[] = [];
  const open = order.checklist.filter((item) => !item.result).map((item) => item.key);
  if (open.length) problems.push({ missing: "checklist", keys: open });
  if (!order.resolution?.trim()) problems.push({ missing: "resolution" });
  if (!order.signoffName?.trim()) problems.push({ missing: "signoff" });
  return problems;
}

/** A failed tamper inspection: the terminal may have been tampered with or swapped. */
export function failedTamperCheck(checklist: ChecklistEntry[]): boolean {
  return checklist.some((item) => item.tamper && item.result === "fail");
}
