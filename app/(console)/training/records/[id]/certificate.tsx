"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeftIcon, AwardIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { PrintButton } from "@/app/_components/print-button";
import { TrainingStateBadge, useCourseText } from "@/app/_components/training";
import { useTRPC } from "@/app/_lib/trpc/client";

/** A printable certificate for one passed training record; a failed attempt says so instead. */
export function Certificate({ id }: { id: string }) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const course = useCourseText();
  const { data: r } = useSuspenseQuery(trpc.training.record.queryOptions({ id }));
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2 print:hidden">
        <Link href="/training?view=records" className="flex items-center gap-1 text-sm text-primary hover:underline">
          <ArrowLeftIcon className="size-4" /> {t("certificate.back")}
        </Link>
        <div className="flex items-center gap-2 text-sm">
          {t("certificate.stateNote")}: <TrainingStateBadge state={r.state} />
          {r.result === "passed" && <PrintButton label={t("certificate.print")} />}
        </div>
      </div>
      {r.result === "failed" ? (
        <p role="status" className="rounded-xl border bg-card p-6 text-sm">
          {t("certificate.failedNotice")}
        </p>
      ) : (
        <article className="rounded-xl border-4 border-double border-primary/40 bg-card p-6 text-center sm:p-10 print:border-primary" data-testid="certificate">
          <AwardIcon className="mx-auto size-10 text-primary" aria-hidden />
          <p className="mt-2 text-sm tracking-widest text-muted-foreground uppercase">{r.merchantName}</p>
          <h1 className="mt-1 text-2xl font-semibold sm:text-3xl">{t("certificate.heading")}</h1>
          <p className="mt-6 text-sm text-muted-foreground">{t("certificate.certifies")}</p>
          <p className="mt-1 text-2xl font-semibold">{r.staffName}</p>
          <p className="text-sm text-muted-foreground">
            {t(`roles.${r.staffRole}`)} · {r.storeName}
          </p>
          <p className="mt-4 text-sm text-muted-foreground">{t("certificate.completed")}</p>
          <p className="mt-1 text-xl font-medium">{course.title({ key: r.courseKey, title: r.courseTitle })}</p>
          <p className="mt-1 text-sm">
            {t("certificate.on")} <span className="tabular-nums">{r.trainedOn}</span>
          </p>
          <div className="mx-auto mt-6 max-w-md text-left">
            <h2 className="text-sm font-medium">{t("certificate.topics")}</h2>
            <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm">
              {course.topics({ key: r.courseKey, topics: r.topics }).map((topic) => (
                <li key={topic}>{topic}</li>
              ))}
            </ul>
          </div>
          <dl className="mt-8 grid gap-4 text-left text-sm sm:grid-cols-2">
            <div>
              <dt className="text-muted-foreground">{t("certificate.expiresOn")}</dt>
              <dd className="font-medium tabular-nums">{r.expiresOn}</dd>
            </div>
            <div>
              <dt className="text-muted-foreground">{t("certificate.trainer")}</dt>
              <dd className="font-medium">
                {r.trainerName} <span className="font-normal text-muted-foreground">· {t(`trainerKinds.${r.trainerKind}`)}</span>
              </dd>
            </div>
            {r.score !== null && (
              <div>
                <dt className="text-muted-foreground">{t("certificate.score")}</dt>
                <dd className="font-medium tabular-nums">{r.score} / 100</dd>
              </div>
            )}
            <div>
              <dt className="text-muted-foreground">{t("certificate.number")}</dt>
              <dd className="font-mono font-medium">TR-{r.number}</dd>
            </div>
          </dl>
        </article>
      )}
    </div>
  );
}
