"use client";

import { useTranslations } from "next-intl";
import type { TrainingState } from "@/db/schema/values";
import { cn } from "@/app/_lib/utils";
import { percentOf } from "./format";
import { Badge } from "./ui/badge";

type StandingState = TrainingState | "missing";

const stateVariant: Record<StandingState, "success" | "warning" | "danger" | "muted"> = {
  current: "success",
  expiring: "warning",
  expired: "danger",
  missing: "danger",
  failed: "danger",
  renewed: "muted",
};

export function TrainingStateBadge({ state }: { state: StandingState }) {
  const t = useTranslations("training.states");
  return <Badge variant={stateVariant[state]}>{t(state)}</Badge>;
}

/** A course's title and topics: a built-in course's in the reader's language, an admin's as written. */
export function useCourseText() {
  const t = useTranslations("training.builtInCourses");
  const translated = (key: string | null) => key !== null && t.has(`${key}.title`);
  return {
    title: (course: { key: string | null; title: string }) => (translated(course.key) ? t(`${course.key}.title`) : course.title),
    topics: (course: { key: string | null; topics: string[] }) => (translated(course.key) ? (t.raw(`${course.key}.topics`) as string[]) : course.topics),
  };
}

/** The share of a store's staff who are current, as a bar with its percentage. */
export function ComplianceBar({ share, label }: { share: number | null; label: string }) {
  if (share === null) return <span className="text-sm text-muted-foreground">{label}</span>;
  const percent = percentOf(share);
  return (
    <div className="flex min-w-36 items-center gap-2" title={label}>
      <div className="h-2 flex-1 overflow-hidden rounded-full bg-muted" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={label}>
        <div className={cn("h-full rounded-full", percent === 100 ? "bg-emerald-500" : percent >= 80 ? "bg-amber-500" : "bg-red-500")} style={{ width: `${percent}%` }} />
      </div>
      <span className="w-10 text-right text-sm tabular-nums">{percent}%</span>
    </div>
  );
}
