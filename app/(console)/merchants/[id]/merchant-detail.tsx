"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { terminalStatuses, type UserRole } from "@/db/schema/values";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { MerchantDialog, StoreDialog } from "../merchant-forms";

export function MerchantDetail({ id, role }: { id: string; role: UserRole }) {
  const t = useTranslations("merchants");
  const tst = useTranslations("stores");
  const ts = useTranslations("terminalStatus");
  const trpc = useTRPC();
  const { data: merchant } = useSuspenseQuery(trpc.merchants.getById.queryOptions({ id }));
  const count = (status: string) => merchant.terminalsByStatus.find((s) => s.status === status)?.n ?? 0;

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
      <Card>
        <CardHeader className="flex-row items-center justify-between">
          <CardTitle>{t("stores")}</CardTitle>
          {role === "admin" && <StoreDialog merchantId={id} />}
        </CardHeader>
        <CardContent>
          {merchant.stores.length === 0 ? (
            <p className="text-sm text-muted-foreground">{tst("empty")}</p>
          ) : (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>{tst("name")}</TableHead>
                  <TableHead className="hidden 2xl:table-cell">{tst("address")}</TableHead>
                  <TableHead>{tst("region")}</TableHead>
                  <TableHead>{tst("hours")}</TableHead>
                  <TableHead>{tst("maintenance")}</TableHead>
                  <TableHead>{t("terminals")}</TableHead>
                  <TableHead />
                </TableRow>
              </TableHeader>
              <TableBody>
                {merchant.stores.map((store) => {
                  const hours = Object.values(store.businessHours)[0];
                  return (
                    <TableRow key={store.id}>
                      <TableCell>
                        <div className="font-medium">{store.name}</div>
                        <div className="max-w-64 truncate text-xs text-muted-foreground 2xl:hidden">{store.address}</div>
                      </TableCell>
                      <TableCell className="hidden 2xl:table-cell">{store.address || "—"}</TableCell>
                      <TableCell>{store.region || "—"}</TableCell>
                      <TableCell>{hours ? `${hours.opens}–${hours.closes} (${store.timeZone})` : tst("noHours")}</TableCell>
                      <TableCell>{`${store.maintenanceStarts}–${store.maintenanceEnds}`}</TableCell>
                      <TableCell>
                        <Link className="text-primary hover:underline" href={`/terminals?merchantId=${id}&storeId=${store.id}`}>
                          {store.terminalCount}
                        </Link>
                      </TableCell>
                      <TableCell>
                        <div className="flex justify-end gap-2">
                          <Button asChild size="sm" variant="outline">
                            <Link href={`/training/evidence/${store.id}`}>{t("pciEvidence")}</Link>
                          </Button>
                          {role === "admin" && <StoreDialog merchantId={id} store={store} />}
                        </div>
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
