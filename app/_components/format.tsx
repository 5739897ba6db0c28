"use client";

import { useFormatter, useNow } from "next-intl";

export function RelativeTime({ date }: { date: Date | null | undefined }) {
  const format = useFormatter();
  const now = useNow({ updateInterval: 60_000 });
  if (!date) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={date.toISOString()} title={format.dateTime(date, { dateStyle: "medium", timeStyle: "short" })}>
      {format.relativeTime(date, now)}
    </time>
  );
}

export function DateTime({ date }: { date: Date | null | undefined }) {
  const format = useFormatter();
  if (!date) return <span className="text-muted-foreground">—</span>;
  return <time dateTime={date.toISOString()}>{format.dateTime(date, { dateStyle: "medium", timeStyle: "short" })}</time>;
}

/** A share as a whole percentage, rounded down: 100 % only when it is all of them. */
export const percentOf = (share: number) => Math.floor(share * 100);

export function formatBytes(bytes: number) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function DateOnly({ date }: { date: Date | null | undefined }) {
  const format = useFormatter();
  if (!date) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={date.toISOString()} title={format.dateTime(date, { dateStyle: "medium", timeStyle: "short" })}>
      {format.dateTime(date, { dateStyle: "medium" })}
    </time>
  );
}
