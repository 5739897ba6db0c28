"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { Suspense } from "react";
import { terminalStatuses, type UserRole } from "@/db/schema/values";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { CardWithList, type Column } from "@/app/_components/data-list";
import { TableSkeleton } from "@/app/_components/list-controls";
import { useTRPC } from "@/app/_lib/trpc/client";
import { MerchantDialog, StoreDialog } from "../merchant-forms";
import { ConsoleLogins } from "./console-logins";

export function MerchantDetail({ id, role }: { id: string; role: UserRole }) {
  const t = useTranslations("merchants");
  const tst = useTranslations("stores");
  const ts = useTranslations("terminalStatus");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const { data: merchant } = useSuspenseQuery(trpc.merchants.getById.queryOptions({ id }));
  const count = (status: string) => merchant.terminalsByStatus.find((s) => s.status === status)?.n ?? 0;
  const storeColumns: Column<(typeof merchant.stores)[number]>[] = [
    {
      id: "name",
      header: tst("name"),
      cell: (store) => (
        <>
          <div className="font-medium">
            {store.name} <span className="font-mono text-xs font-normal text-muted-foreground">{store.code}</span>
          </div>
          <div className="max-w-64 truncate text-xs font-normal text-muted-foreground 2xl:hidden">{store.address}</div>
        </>
      ),
      card: "title",
    },
    { id: "address", header: tst("address"), cell: (store) => store.address || "—", className: "hidden 2xl:table-cell", card: "none" },
    { id: "region", header: tst("region"), cell: (store) => store.region || "—" },
    {
      id: "phone",
      header: tst("phone"),
      cell: (store) =>
        store.phone ? (
          <a className="font-mono text-primary hover:underline" href={`tel:${store.phone}`}>
            {store.phone}
          </a>
        ) : (
          "—"
        ),
    },
    {
      id: "hours",
      header: tst("hours"),
      cell: (store) => {
        const hours = Object.values(store.businessHours)[0];
        return hours ? `${hours.opens}–${hours.closes} (${store.timeZone})` : tst("noHours");
      },
    },
    { id: "maintenance", header: tst("maintenance"), cell: (store) => `${store.maintenanceStarts}–${store.maintenanceEnds}` },
    {
      id: "terminals",
      header: t("terminals"),
      cell: (store) => (
        <Link className="text-primary hover:underline" href={`/terminals?merchantId=${id}&storeId=${store.id}`}>
          {store.terminalCount}
        </Link>
      ),
    },
    {
      id: "actions",
      header: <span className="sr-only">{tc("actions")}</span>,
      cell: (store) => (
        <div className="flex justify-end gap-2">
          <Button asChild size="sm" variant="outline">
            <Link href={`/training/evidence/${store.id}`}>{t("pciEvidence")}</Link>
          </Button>
          {role === "admin" && <StoreDialog merchantId={id} store={store} />}
        </div>
      ),
      card: "actions",
    },
  ];

  return (
    <div className="space-y-4">
      {role !== "merchant" && (
        <Link href="/merchants" className="text-sm text-muted-foreground hover:text-foreground">
          ← {t("title")}
        </Link>
      )}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-3">
          <h1 className="text-xl font-semibold">{merchant.name}</h1>
          <span className="font-mono text-sm text-muted-foreground">{merchant.code}</span>
          <Badge variant={merchant.status === "active" ? "success" : "muted"}>{t(`statuses.${merchant.status}`)}</Badge>
        </div>
        {role === "admin" && <MerchantDialog merchant={merchant} />}
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>{t("contact")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="space-y-2 text-sm">
              <div>
                <dt className="text-muted-foreground">{t("registeredPhone")}</dt>
                <dd className="font-mono">{merchant.registeredPhone}</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">{t("contactName")}</dt>
                <dd>{merchant.contactName ?? "—"}</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">{t("contactEmail")}</dt>
                <dd>{merchant.contactEmail ?? "—"}</dd>
              </div>
            </dl>
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>{t("terminals")}</CardTitle>
          </CardHeader>
          <CardContent className="grid grid-cols-2 gap-2 sm:grid-cols-5">
            {terminalStatuses.map((status) => (
              <Link key={status} href={`/terminals?merchantId=${id}&status=${status}`} className="rounded-lg border p-3 hover:bg-accent">
                <p className="text-xs text-muted-foreground">{ts(status)}</p>
                <p className="text-xl font-semibold tabular-nums">{count(status)}</p>
              </Link>
            ))}
          </CardContent>
        </Card>
      </div>
      <CardWithList
        title={t("stores")}
        actions={role === "admin" && <StoreDialog merchantId={id} />}
        columns={storeColumns}
        rows={merchant.stores}
        rowKey={(store) => store.id}
        empty={{ title: tst("empty") }}
        data-testid="merchant-stores"
      />
      {role !== "technician" && (
        <Suspense fallback={<TableSkeleton rows={3} />}>
          <ConsoleLogins merchant={{ id, name: merchant.name }} />
        </Suspense>
      )}
    </div>
  );
}
