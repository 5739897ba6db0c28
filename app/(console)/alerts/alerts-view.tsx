"use client";

import { WebhookIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import type { UserRole } from "@/db/schema/values";
import { Button } from "@/app/_components/ui/button";
import { cn } from "@/app/_lib/utils";
import { AlertInbox } from "./alert-inbox";
import { AlertRules, writesRules } from "./alert-rules";
import { DeliverySettings } from "./delivery-settings";
import { alertsViewOf, alertsViews } from "./url-params";

export function AlertsView({ role }: { role: UserRole }) {
  const t = useTranslations("alertsPage");
  const view = alertsViewOf(useSearchParams().get("view"));
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        {writesRules(role) && (
          <Button variant="outline" size="sm" asChild>
            <Link href="/alerts/webhooks">
              <WebhookIcon aria-hidden />
              {t("webhooks")}
            </Link>
          </Button>
        )}
      </div>
      <nav className="flex gap-1 overflow-x-auto border-b" aria-label={t("views")}>
        {alertsViews.map((v) => (
          <Link
            key={v}
            href={v === "inbox" ? "/alerts" : `/alerts?view=${v}`}
            aria-current={view === v ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm whitespace-nowrap",
              view === v ? "border-primary font-medium text-primary" : "border-transparent text-muted-foreground hover:text-foreground",
            )}
          >
            {t(`viewNames.${v}`)}
          </Link>
        ))}
      </nav>
      {view === "inbox" && <AlertInbox role={role} />}
      {view === "rules" && <AlertRules role={role} />}
      {view === "delivery" && <DeliverySettings />}
    </div>
  );
}
