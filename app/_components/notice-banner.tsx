"use client";

import { TriangleAlertIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";

/** Unread critical notices, on every page until they are read. */
export function CriticalNoticeBanner({ notices }: { notices: { id: string; title: string }[] }) {
  const t = useTranslations("notices");
  if (notices.length === 0) return null;
  return (
    <div role="alert" className="mb-4 space-y-1 rounded-xl border border-red-300 bg-red-50 p-3 text-red-900 print:hidden" data-testid="critical-notice-banner">
      {notices.map((n) => (
        <p key={n.id} className="flex flex-wrap items-center gap-2 text-sm">
          <TriangleAlertIcon className="size-4 shrink-0" aria-hidden />
          <span className="font-medium">{t("criticalLabel")}</span>
          <span>{n.title}</span>
          <Link href={`/notices/${n.id}`} className="ml-auto font-medium underline">
            {t("readNow")}
          </Link>
        </p>
      ))}
    </div>
  );
}
