"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { outboxStatuses } from "@/db/schema/values";
import { emailOutboxListInput } from "@/server/schemas/account-links";
import { DataList, type Column } from "@/app/_components/data-list";
import { DateTime } from "@/app/_components/format";
import { Badge } from "@/app/_components/ui/badge";
import { Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

const statusVariant = { queued: "warning", sent: "success", failed: "danger" } as const;

/** What the console sent by e-mail (or, with EMAIL_PROVIDER=console, wrote to the log), for admins: links stay masked. */
export function EmailOutbox() {
  const t = useTranslations("emailOutbox");
  const trpc = useTRPC();
  const [input, setInput] = useState(emailOutboxListInput.parse({}));
  const { data } = useSuspenseQuery(trpc.email.outbox.queryOptions(input));
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "to", header: t("to"), cell: (m) => <span className="break-all">{m.to}</span>, card: "title" },
    { id: "status", header: t("status"), cell: (m) => <Badge variant={statusVariant[m.status]}>{t(`statuses.${m.status}`)}</Badge>, card: "status" },
    {
      id: "message",
      header: t("subject"),
      // Subject and masked text wrap in one cell, so the table fits beside the SMS outbox without scrolling sideways.
      cell: (m) => (
        <div className="max-w-md min-w-48 whitespace-normal">
          <div>
            {m.subject} <span className="text-xs text-muted-foreground">· {t(`kinds.${m.kind}`)}</span>
          </div>
          <div className="line-clamp-2 text-xs break-words text-muted-foreground" title={m.preview}>
            {m.preview}
          </div>
        </div>
      ),
    },
    {
      id: "times",
      header: t("queuedAt"),
      cell: (m) => (
        <div className="text-sm">
          <DateTime date={m.createdAt} />
          {m.sentAt && (
            <div className="text-xs text-muted-foreground">
              {t("sentAt")}: <DateTime date={m.sentAt} />
            </div>
          )}
        </div>
      ),
    },
    {
      id: "attempts",
      header: t("attempts"),
      cell: (m) => (
        <div className="max-w-56 whitespace-normal">
          <span className="tabular-nums">{m.attempts}</span> <span className="text-xs text-muted-foreground">({m.provider})</span>
          {m.lastError && (
            <div className="line-clamp-2 text-xs break-words text-red-700" title={m.lastError}>
              {m.lastError}
            </div>
          )}
        </div>
      ),
    },
  ];
  return (
    <section className="space-y-2" aria-labelledby="email-outbox-title">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="email-outbox-title" className="text-lg font-semibold">
          {t("title")}
        </h2>
        <Select className="w-48" aria-label={t("status")} value={input.status ?? ""} onChange={(e) => setInput({ ...input, page: 1, status: (e.target.value || undefined) as typeof input.status })}>
          <option value="">{t("allStatuses")}</option>
          {outboxStatuses.map((s) => (
            <option key={s} value={s}>
              {t(`statuses.${s}`)}
            </option>
          ))}
        </Select>
      </div>
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(m) => m.id}
        // Pages in the component, not in the URL: it sits below the page's own list.
        params={{ input: {}, update: (patch) => setInput({ ...input, ...(patch as { page?: number; pageSize?: number }) }) }}
        paging={data}
        empty={{ title: t("empty") }}
        data-testid="email-outbox"
      />
    </section>
  );
}
