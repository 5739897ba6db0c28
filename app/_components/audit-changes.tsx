import { maskPhone, phoneFields } from "@/server/schemas/masking";

/** An audit entry's changes as "field: from → to" lines, phone numbers masked. */
export function AuditChanges({ changes }: { changes: Record<string, unknown> }) {
  const entries = Object.entries(changes);
  if (entries.length === 0) return null;
  const format = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));
  return (
    <ul className="mt-1 space-y-0.5 text-xs text-muted-foreground">
      {entries.map(([field, value]) => {
        const diff = value && typeof value === "object" && "from" in value && "to" in value ? (value as { from: unknown; to: unknown }) : null;
        const show = (v: unknown) => (phoneFields.has(field) && typeof v === "string" ? maskPhone(v) : format(v));
        return (
          <li key={field} className="break-all">
            <span className="font-mono">{field}</span>: {diff ? `${show(diff.from)} → ${show(diff.to)}` : show(value)}
          </li>
        );
      })}
    </ul>
  );
}
