"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { emptyNotice, NoticeComposer } from "../notice-composer";

export function NewNotice() {
  const t = useTranslations("notices");
  return (
    <div className="space-y-4">
      <Link href="/notices" className="text-sm text-primary hover:underline">
        ← {t("title")}
      </Link>
      <h1 className="text-xl font-semibold">{t("new")}</h1>
      <NoticeComposer initial={emptyNotice} />
    </div>
  );
}
