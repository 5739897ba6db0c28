import { getTranslations } from "next-intl/server";
import Link from "next/link";

export async function NotFoundMessage() {
  const t = await getTranslations("notFound");
  return (
    <div className="flex flex-col items-center gap-3 py-20 text-center" data-testid="not-found">
      <p className="text-5xl font-semibold text-muted-foreground">404</p>
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <p className="max-w-md text-sm text-muted-foreground">{t("hint")}</p>
      <Link href="/" className="text-sm text-primary hover:underline">
        {t("home")}
      </Link>
    </div>
  );
}
