"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { noticeSeverities, noticeStatuses } from "@/db/schema/values";
import { inboxInput, noticeListInput } from "@/server/schemas/notices";
import { DateTime, percentOf, RelativeTime } from "@/app/_components/format";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { NoticeSeverityBadge, NoticeStatusBadge } from "@/app/_components/notice-severity";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";

const rate = (part: number, whole: number) => (whole ? `${percentOf(part / whole)}%` : "—");

/** Every notice, for the admins who write them, with delivery figures. */
export function NoticeList() {
  const t = useTranslations("notices");
  const trpc = useTRPC();
  const list = useListParams(noticeListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.notices.list.queryOptions(input));
  const search = useSearchParam(input.q, update);
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "title", header: t("noticeTitle"), cell: (n) => n.title, card: "title", className: "max-w-96 truncate" },
    {
      id: "status",
      header: t("status"),
      cell: (n) => (
        <span className="flex flex-wrap items-center justify-end gap-1 md:justify-start">
          <NoticeStatusBadge status={n.status} />
          <NoticeSeverityBadge severity={n.severity} />
        </span>
      ),
      card: "status",
    },
    { id: "when", header: t("when"), cell: (n) => <DateTime date={n.publishedAt ?? n.publishAt ?? n.createdAt} /> },
    { id: "read", header: t("readRate"), cell: (n) => <span title={`${n.read} / ${n.readers}`}>{rate(n.read, n.readers)}</span>, className: "tabular-nums md:text-right" },
    { id: "ack", header: t("ackRate"), cell: (n) => <span title={`${n.acked} / ${n.terminals}`}>{rate(n.acked, n.terminals)}</span>, className: "tabular-nums md:text-right" },
  ];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <Button asChild>
          <Link href="/notices/new">
            <PlusIcon /> {t("new")}
          </Link>
        </Button>
      </div>
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-3">
        <SearchBox label={t("search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={noticeStatuses.map((s) => ({ value: s, label: t(`statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          label={t("severity")}
          allLabel={t("allSeverities")}
          value={input.severity}
          options={noticeSeverities.map((s) => ({ value: s, label: t(`severities.${s}`) }))}
          onChange={(severity) => update({ severity })}
        />
      </div>
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(n) => n.id}
        rowHref={(n) => `/notices/${n.id}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="notices"
      />
    </div>
  );
}

/** A merchant owner's or technician's notices, newest first, unread marked. */
export function NoticeInbox() {
  const t = useTranslations("notices");
  const trpc = useTRPC();
  const list = useListParams(inboxInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.notices.inbox.queryOptions(input));
  const columns: Column<(typeof data.items)[number]>[] = [
    {
      id: "title",
      header: t("noticeTitle"),
      cell: (n) => (
        // Inline, so a long title truncates in the table and wraps on a card.
        <span data-unread={!n.readAt}>
          {!n.readAt && (
            <>
              <span className="mr-1 inline-block size-2 rounded-full bg-primary align-middle">
                <span className="sr-only">{t("unreadMark")}</span>
              </span>{" "}
            </>
          )}
          <span className={n.readAt ? "font-normal" : "font-semibold"}>{n.title}</span>
        </span>
      ),
      card: "title",
      className: "max-w-96 truncate",
    },
    { id: "severity", header: t("severity"), cell: (n) => <NoticeSeverityBadge severity={n.severity} />, card: "status" },
    {
      id: "message",
      header: t("compose.body"),
      cell: (n) => <span className="line-clamp-2 text-muted-foreground">{n.body.replace(/[*_#>`]/g, "")}</span>,
      // The excerpt takes the room the other columns leave, wrapping onto a second line.
      className: "w-full min-w-64 whitespace-normal",
    },
    {
      id: "published",
      header: t("publishedAt"),
      cell: (n) => (
        <span className="text-xs text-muted-foreground">
          <RelativeTime date={n.publishedAt} />
        </span>
      ),
      card: "status",
    },
  ];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("inbox")}</h1>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" checked={input.unread ?? false} onChange={(e) => update({ unread: e.target.checked ? "true" : "" })} />
          {t("unreadOnly")}
        </label>
      </div>
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(n) => n.id}
        rowLabel={(n) => (n.readAt ? n.title : `${t("unreadMark")} ${n.title}`)}
        rowHref={(n) => `/notices/${n.id}`}
        params={list}
        paging={data}
        empty={{ title: input.unread ? t("inboxAllRead") : t("inboxEmpty") }}
        data-testid="inbox"
      />
    </div>
  );
}
