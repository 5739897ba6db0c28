"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import type { AppRouter } from "@/server/root";
import { auditActionGroups, auditEntityTypes, auditListInput } from "@/server/schemas/audit";
import { AuditChanges, AuditSentence, useActorName } from "@/app/_components/audit-changes";
import { DataList, type Column } from "@/app/_components/data-list";
import { DateTime } from "@/app/_components/format";
import { Button } from "@/app/_components/ui/button";
import { Input, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams } from "@/app/_lib/use-list-params";

type Entry = inferRouterOutputs<AppRouter>["audit"]["list"]["items"][number];

/** The export takes the page's filters, not its place in the list. */
function exportHref(queryString: string): string {
  const params = new URLSearchParams(queryString);
  params.delete("before");
  params.delete("limit");
  const query = params.toString();
  return `/api/audit/export${query ? `?${query}` : ""}`;
}

export function AuditView() {
  const t = useTranslations("audit");
  const te = useTranslations("auditEntities");
  const tg = useTranslations("auditActionGroups");
  const trpc = useTRPC();
  const list = useListParams(auditListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.audit.list.queryOptions(input));
  const actorName = useActorName();
  const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : "");
  // Every filter change starts from the newest entries again.
  const filter = (patch: Record<string, string | undefined>) => update({ ...patch, before: null } as Record<string, string | null | undefined>);

  const columns: Column<Entry>[] = [
    {
      id: "what",
      header: t("what"),
      card: "title",
      className: "whitespace-normal min-w-64",
      cell: (e) => (
        <AuditSentence
          action={e.action}
          changes={e.changes}
          actor={e.actor}
          subject={{ ...e.subject, label: e.subject.label ?? null }}
          actorHref={e.actor.id ? `/audit?actorId=${encodeURIComponent(e.actor.id)}` : null}
        />
      ),
    },
    { id: "at", header: t("at"), cell: (e) => <DateTime date={e.at} />, className: "whitespace-nowrap" },
    {
      id: "actor",
      header: t("actor"),
      cell: (e) =>
        e.actor.id ? (
          <Link className="text-primary hover:underline" href={`/audit?actorId=${encodeURIComponent(e.actor.id)}`} title={e.actor.label ?? undefined}>
            {actorName(e.actor)}
          </Link>
        ) : (
          actorName(e.actor)
        ),
    },
    { id: "changes", header: t("changes"), className: "max-w-md whitespace-normal", cell: (e) => <AuditChanges changes={e.changes} /> },
    { id: "ip", header: t("ip"), className: "font-mono text-xs", cell: (e) => e.ip ?? "—" },
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <Button asChild variant="outline" size="sm">
          <a href={exportHref(list.queryString)} download>
            <DownloadIcon aria-hidden />
            {t("export")}
          </a>
        </Button>
      </div>
      <form
        // The search box gets the widest of the five columns, so its placeholder is read whole at 1280 px.
        className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_1.6fr_1fr_1fr]"
        onSubmit={(e) => {
          e.preventDefault();
          filter({ entityId: String(new FormData(e.currentTarget).get("entityId") ?? "") });
        }}
      >
        <Select aria-label={t("action")} value={input.action ?? ""} onChange={(e) => filter({ action: e.target.value })}>
          <option value="">{t("allActions")}</option>
          {/* An exact action (a link from elsewhere) stays selectable as itself. */}
          {input.action && !auditActionGroups.includes(input.action) && <option value={input.action}>{input.action}</option>}
          {auditActionGroups.map((group) => (
            <option key={group} value={group}>
              {tg(group)}
            </option>
          ))}
        </Select>
        <Select aria-label={t("entityType")} value={input.entityType ?? ""} onChange={(e) => filter({ entityType: e.target.value })}>
          <option value="">{t("allEntities")}</option>
          {auditEntityTypes.map((type) => (
            <option key={type} value={type}>
              {te(type)}
            </option>
          ))}
        </Select>
        <Input name="entityId" aria-label={t("entityId")} placeholder={t("entityIdPlaceholder")} defaultValue={input.entityId} />
        <label className="flex items-center gap-2 text-sm">
          {t("from")}
          <Input type="date" value={day(input.from)} onChange={(e) => filter({ from: e.target.value })} />
        </label>
        <label className="flex items-center gap-2 text-sm">
          {t("to")}
          <Input type="date" value={day(input.to)} onChange={(e) => filter({ to: e.target.value ? `${e.target.value}T23:59:59Z` : "" })} />
        </label>
        <div className="flex flex-wrap gap-2 sm:col-span-2 lg:col-span-5">
          <Button type="submit" variant="outline">
            {t("apply")}
          </Button>
          {input.actorId && (
            <Button type="button" variant="ghost" onClick={() => filter({ actorId: "" })}>
              {t("actor")}: {actorName(data.items.find((e) => e.actor.id === input.actorId)?.actor ?? { name: null, label: input.actorId })} ✕
            </Button>
          )}
        </div>
      </form>
      <DataList columns={columns} rows={data.items} rowKey={(e) => String(e.id)} params={list} empty={{ title: t("empty") }} data-testid="audit-log" />
      <div className="flex gap-2">
        {input.before && (
          <Button variant="outline" onClick={() => update({ before: null })}>
            {t("newest")}
          </Button>
        )}
        {data.nextBefore && (
          <Button variant="outline" onClick={() => update({ before: data.nextBefore })}>
            {t("older")}
          </Button>
        )}
      </div>
    </div>
  );
}
