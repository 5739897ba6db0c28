"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import type { UserRole } from "@/db/schema/values";
import { merchantListInput } from "@/server/schemas/merchants";
import { EmptyState, Pagination, SortableHead } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Input } from "@/app/_components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { cn } from "@/app/_lib/utils";
import { MerchantDialog } from "./merchant-forms";

export function MerchantsView({ role }: { role: UserRole }) {
  const t = useTranslations("merchants");
  const trpc = useTRPC();
  const { input, update, isPending } = useListParams(merchantListInput);
  const { data } = useSuspenseQuery(trpc.merchants.list.queryOptions(input));
  const search = useSearchParam(input.q, update);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        {role === "admin" && <MerchantDialog />}
      </div>
      <Input className="max-w-sm" aria-label={t("search")} placeholder={t("search")} {...search.inputProps} />
      <div className={cn("rounded-xl border bg-card px-1", isPending && "opacity-60")}>
        {data.items.length === 0 ? (
          <EmptyState title={t("empty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <SortableHead field="name" label={t("name")} sort={input.sort} dir={input.dir} onSort={update} />
                <TableHead>{t("registeredPhone")}</TableHead>
                <TableHead>{t("contactName")}</TableHead>
                <TableHead>{t("stores")}</TableHead>
                <SortableHead field="terminalCount" label={t("terminals")} sort={input.sort} dir={input.dir} onSort={update} />
                <TableHead>{t("status")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.items.map((m) => (
                <TableRow key={m.id}>
                  <TableCell>
                    <Link href={`/merchants/${m.id}`} className="font-medium text-primary hover:underline">
                      {m.name}
                    </Link>
                  </TableCell>
                  <TableCell className="font-mono">{m.registeredPhone}</TableCell>
                  <TableCell>{m.contactName ?? "—"}</TableCell>
                  <TableCell className="tabular-nums">{m.storeCount}</TableCell>
                  <TableCell className="tabular-nums">{m.terminalCount}</TableCell>
                  <TableCell>
                    <Badge variant={m.status === "active" ? "success" : "muted"}>{t(`statuses.${m.status}`)}</Badge>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      <Pagination page={data.page} pageSize={data.pageSize} total={data.total} onChange={update} />
    </div>
  );
}
