"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { auditListInput } from "@/server/schemas/audit";
import { AuditChanges } from "@/app/_components/audit-changes";
import { DateTime } from "@/app/_components/format";
import { EmptyState } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { Input, Select } from "@/app/_components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";

const entityTypes = ["terminal", "merchant", "store", "terminal_model", "user", "system"];

export function AuditView() {
  const t = useTranslations("audit");
  const trpc = useTRPC();
  const { input, update, isPending } = useListParams(auditListInput);
  const { data } = useSuspenseQuery(trpc.audit.list.queryOptions(input));
  const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : "");

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <form
        className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-5"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          update({ action: String(form.get("action")), entityId: String(form.get("entityId")), before: null });
        }}
      >
        <Input name="action" aria-label={t("action")} placeholder={t("actionPlaceholder")} defaultValue={input.action} />
        <Select aria-label={t("entityType")} value={input.entityType ?? ""} onChange={(e) => update({ entityType: e.target.value, before: null })}>
          <option value="">{t("allEntities")}</option>
          {entityTypes.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </Select>
        <Input name="entityId" aria-label={t("entityId")} placeholder={t("entityId")} defaultValue={input.entityId} />
        <label className="flex items-center gap-2 text-sm">
          {t("from")}
          <Input type="date" value={day(input.from)} onChange={(e) => update({ from: e.target.value, before: null })} />
        </label>
        <label className="flex items-center gap-2 text-sm">
          {t("to")}
          <Input type="date" value={day(input.to)} onChange={(e) => update({ to: e.target.value ? `${e.target.value}T23:59:59Z` : "", before: null })} />
        </label>
        <Button type="submit" variant="outline" className="sm:col-span-2 lg:col-span-5 lg:justify-self-start">
          {t("apply")}
        </Button>
      </form>
      <div className={cn("rounded-xl border bg-card px-1", isPending && "opacity-60")}>
        {data.items.length === 0 ? (
          <EmptyState title={t("empty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("at")}</TableHead>
                <TableHead>{t("actor")}</TableHead>
                <TableHead>{t("action")}</TableHead>
                <TableHead>{t("entity")}</TableHead>
                <TableHead>{t("changes")}</TableHead>
                <TableHead>{t("ip")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((entry) => (
                <TableRow key={entry.id} className="align-top">
                  <TableCell>
                    <DateTime date={entry.at} />
                  </TableCell>
                  <TableCell>{entry.actorLabel}</TableCell>
                  <TableCell className="font-mono text-xs">{entry.action}</TableCell>
                  <TableCell className="font-mono text-xs">
                    {entry.entityType}/{entry.entityId.slice(0, 8)}
                  </TableCell>
                  <TableCell className="max-w-md whitespace-normal">
                    <AuditChanges changes={entry.changes} />
                  </TableCell>
                  <TableCell className="font-mono text-xs">{entry.ip ?? "—"}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
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
