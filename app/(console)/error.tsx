"use client";

import { useTranslations } from "next-intl";
import { Button } from "../_components/ui/button";

export default function ConsoleError({ reset }: { error: Error; reset: () => void }) {
  const t = useTranslations("error");
  return (
    <div role="alert" className="flex flex-col items-center gap-3 py-20 text-center">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <p className="text-sm text-muted-foreground">{t("hint")}</p>
      <Button variant="outline" onClick={reset}>
        {t("retry")}
      </Button>
    </div>
  );
}
