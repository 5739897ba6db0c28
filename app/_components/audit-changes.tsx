"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import { maskPhone, phoneFields } from "@/server/schemas/masking";

/** Who acted: a console user (by name), a terminal ("terminal DEMO-0101") or the system. */
export type AuditEntryActor = { name: string | null; label: string | null };
/** What an entry is about, named by the server (audit-subjects.ts). */
export type AuditEntrySubject = { type: string; id: string; label: string | null; parentId: string | null; exists?: boolean };

// Stand-ins for the actor and the subject while the sentence is worded, then swapped for links:
// private-use characters never occur in a translation or a name.
const ACTOR = "\uE000";
const SUBJECT = "\uE001";

type Diff = { from: unknown; to: unknown };
const isDiff = (value: unknown): value is Diff => value !== null && typeof value === "object" && "to" in value;

/**
 * The entry's changes as sentence parameters: a scalar as it is, a change by its new value, so
 * "{status, select, …}" in a sentence reads what the status became.
 */
function sentenceParams(changes: Record<string, unknown>): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [field, value] of Object.entries(changes)) {
    const scalar = isDiff(value) ? value.to : value;
    if (typeof scalar === "string" || typeof scalar === "number") params[field] = phoneFields.has(field) && typeof scalar === "string" ? maskPhone(scalar) : scalar;
  }
  return params;
}

/** The console page an entity's name links to, or null when it has none. */
export function subjectHref(subject: AuditEntrySubject): string | null {
  if (subject.exists === false) return null;
  switch (subject.type) {
    case "terminal":
      return subject.label ? `/terminals/${encodeURIComponent(subject.label)}` : null;
    case "merchant":
      return `/merchants/${subject.id}`;
    case "store":
      return subject.parentId ? `/merchants/${subject.parentId}` : null;
    case "work_order":
      return `/work-orders/${subject.id}`;
    case "rollout":
      return `/rollouts/${subject.id}`;
    case "notice":
      return `/notices/${subject.id}`;
    case "user":
      return subject.label ? `/users?q=${encodeURIComponent(subject.label)}` : "/users";
    case "firmware_release":
      return "/firmware";
    case "maintenance_plan":
      return "/maintenance?view=plans";
    case "staff_member":
    case "training_course":
    case "training_record":
    case "training_session":
      return "/training";
    case "sms":
    case "email":
      return "/activations";
    case "alert":
      return `/alerts?alert=${subject.id}`;
    case "alert_rule":
      return "/alerts?view=rules";
    case "webhook":
      return "/alerts/webhooks";
    default:
      return null;
  }
}

/** A person's or a terminal's name as the log shows it, in the reader's language. */
export function useActorName() {
  const t = useTranslations("audit");
  return (actor: AuditEntryActor) => {
    if (actor.name) return actor.name;
    if (!actor.label || actor.label === "system") return t("system");
    const terminal = /^terminal (.+)$/.exec(actor.label);
    return terminal ? t("terminalActor", { serialNumber: terminal[1]! }) : actor.label;
  };
}

// A link inside running text is underlined: colour alone does not set it apart (WCAG 1.4.1).
const sentenceLink = "font-medium text-primary underline decoration-primary/40 underline-offset-2 hover:decoration-primary";

/**
 * An audit entry as a sentence in the reader's language ("Tom Technician suspended DEMO-0009: tamper
 * check failed"), from the auditActions catalogue; the actor and the subject link to their pages.
 * The terminal history and the audit log both use it.
 */
export function AuditSentence({
  action,
  changes,
  actor,
  subject,
  actorHref,
  linkSubject = true,
}: {
  action: string;
  changes: Record<string, unknown>;
  actor: AuditEntryActor;
  subject: AuditEntrySubject;
  actorHref?: string | null;
  /** False on the subject's own page. */
  linkSubject?: boolean;
}) {
  const t = useTranslations("auditActions");
  const ta = useTranslations("audit");
  const te = useTranslations("auditEntities");
  const actorName = useActorName();
  const subjectName = subject.label ?? ta("entityFallback", { type: te.has(subject.type) ? te(subject.type) : subject.type, id: subject.id.slice(0, 8) });
  // An action written before the catalogue knew it still reads, as its raw name.
  if (!t.has(action)) return <span className="font-mono text-xs">{action}</span>;
  const sentence = t(action, { ...sentenceParams(changes), actor: ACTOR, subject: SUBJECT });
  const href = linkSubject ? subjectHref(subject) : null;
  const parts: ReactNode[] = sentence.split(new RegExp(`([${ACTOR}${SUBJECT}])`)).map((part, i) => {
    if (part === ACTOR) {
      return actorHref ? (
        <Link key={i} className={sentenceLink} href={actorHref}>
          {actorName(actor)}
        </Link>
      ) : (
        <span key={i} className="font-medium">
          {actorName(actor)}
        </span>
      );
    }
    if (part === SUBJECT) {
      return href ? (
        <Link key={i} className={sentenceLink} href={href}>
          {subjectName}
        </Link>
      ) : (
        <span key={i} className="font-medium">
          {subjectName}
        </span>
      );
    }
    return <Fragment key={i}>{part}</Fragment>;
  });
  return <span data-action={action}>{parts}</span>;
}

/** An audit entry's changes as "Field: from → to" lines, field names translated, phone numbers masked. */
const internalId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function AuditChanges({ changes }: { changes: Record<string, unknown> }) {
  const t = useTranslations("auditFields");
  const ta = useTranslations("audit");
  // A bare internal id means nothing to a reader (the subject links to the record; the CSV export keeps ids).
  const entries = Object.entries(changes).filter(([, value]) => !(typeof value === "string" && internalId.test(value)));
  if (entries.length === 0) return null;
  const format = (value: unknown): string => {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? ta("yes") : ta("no");
    if (Array.isArray(value)) return value.length ? value.map(format).join(", ") : "—";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  };
  return (
    <ul className="mt-1 space-y-0.5 text-xs text-muted-foreground">
      {entries.map(([field, value]) => {
        const show = (v: unknown) => (phoneFields.has(field) && typeof v === "string" ? maskPhone(v) : format(v));
        return (
          <li key={field} className="break-words">
            <span className="font-medium text-foreground/80">{t.has(field) ? t(field) : field}</span>: {isDiff(value) ? `${show(value.from)} → ${show(value.to)}` : show(value)}
          </li>
        );
      })}
    </ul>
  );
}
