"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeftIcon, DownloadIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import Link from "next/link";
import { PrintButton } from "@/app/_components/print-button";
import { TerminalStatusBadge } from "@/app/_components/terminal-status";
import { percentOf } from "@/app/_components/format";
import { ComplianceBar, TrainingStateBadge, useCourseText } from "@/app/_components/training";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";
import { cn } from "@/app/_lib/utils";

/** A store's PCI DSS 9.5.1 evidence: the device list, tamper inspections and staff training, ready to print. */
export function Evidence({ storeId }: { storeId: string }) {
  const t = useTranslations("training.evidence");
  const tt = useTranslations("training");
  const tw = useTranslations("workOrders");
  const format = useFormatter();
  const course = useCourseText();
  const trpc = useTRPC();
  const { data: e } = useSuspenseQuery(trpc.training.evidence.queryOptions({ storeId }));
  const location = [e.store.name, e.store.address, e.store.region].filter(Boolean).join(", ");
  const { summary } = e;
  // Due dates are calendar days: formatted as that day whatever the reader's time zone.
  const day = (date: string) => format.dateTime(new Date(`${date}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" });
  return (
    <div className="space-y-4 print:space-y-3">
      <Link href="/training" className="flex items-center gap-1 text-sm text-primary hover:underline print:hidden">
        <ArrowLeftIcon className="size-4" /> {t("back")}
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h1 className="text-xl font-semibold">{t("title")}</h1>
          <p className="font-medium">{t("subtitle", { store: e.store.name, merchant: e.store.merchantName })}</p>
          <p className="text-sm text-muted-foreground">{[e.store.address, e.store.region].filter(Boolean).join(", ")}</p>
          <p className="text-xs text-muted-foreground">{t("generated", { date: format.dateTime(e.generatedAt, { dateStyle: "medium", timeStyle: "short" }) })}</p>
        </div>
        <div className="flex gap-2 print:hidden">
          <PrintButton label={t("print")} />
          <Button asChild variant="outline">
            <a href={`/api/training/evidence/${storeId}`} download>
              <DownloadIcon /> {t("exportCsv")}
            </a>
          </Button>
        </div>
      </div>

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="evidence-summary">
        <Stat label={t("summaryDevices")} value={summary.devices} />
        <Stat label={t("summaryFailed")} value={summary.failedTamperChecks} bad={summary.failedTamperChecks > 0} />
        <Stat label={t("summaryNever")} value={summary.neverInspected} bad={summary.neverInspected > 0} />
        <Stat label={t("summaryOverdue")} value={summary.overdueInspections} bad={summary.overdueInspections > 0} />
        <Stat
          label={t("summaryStaff")}
          value={summary.share === null ? "—" : `${percentOf(summary.share)}% (${summary.compliant}/${summary.staff})`}
          bad={summary.share !== null && summary.share < 1}
        />
      </dl>

      <Card className="print:break-inside-auto">
        <CardHeader>
          <CardTitle className="text-base">{t("devices")}</CardTitle>
          <p className="text-sm text-muted-foreground">{t("devicesHint")}</p>
          <p className="text-sm">
            <span className="text-muted-foreground">{t("location")}:</span> {location}
          </p>
        </CardHeader>
        <CardContent className="overflow-x-auto px-1">
          {e.devices.length === 0 ? (
            <p className="px-3 text-sm text-muted-foreground">{t("noDevices")}</p>
          ) : (
            <Table data-testid="evidence-devices">
              <TableHeader>
                <TableRow>
                  <TableHead>{t("serial")}</TableHead>
                  <TableHead>{t("make")}</TableHead>
                  <TableHead>{t("model")}</TableHead>
                  <TableHead>{t("status")}</TableHead>
                  <TableHead>{t("lastInspection")}</TableHead>
                  <TableHead>{t("nextInspection")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {e.devices.map((d) => (
                  <TableRow key={d.id} data-serial={d.serialNumber}>
                    <TableCell>
                      <Link className="font-mono text-xs text-primary hover:underline print:text-foreground" href={`/terminals/${d.serialNumber}`}>
                        {d.serialNumber}
                      </Link>
                    </TableCell>
                    <TableCell>{d.manufacturer}</TableCell>
                    <TableCell>{d.model}</TableCell>
                    <TableCell>
                      <TerminalStatusBadge status={d.status} />
                    </TableCell>
                    <TableCell>
                      {d.lastInspection ? (
                        <div className="flex items-center gap-2">
                          <Link href={`/work-orders/${d.lastInspection.workOrderId}`} className="flex flex-wrap items-center gap-1.5 hover:underline">
                            <Badge variant={d.lastInspection.result === "fail" ? "danger" : d.lastInspection.result === "pass" ? "success" : "muted"}>
                              {t(`tamperResults.${d.lastInspection.result}`)}
                            </Badge>
                            <span className="text-xs tabular-nums">{format.dateTime(d.lastInspection.on, { dateStyle: "medium" })}</span>
                          </Link>
                          {d.lastInspection.photoId && (
                            <a href={`/api/work-orders/${d.lastInspection.workOrderId}/photos/${d.lastInspection.photoId}`} target="_blank" rel="noopener" className="shrink-0">
                              {/* eslint-disable-next-line @next/next/no-img-element -- a private, per-user image: next/image's optimiser would cache it for everyone. */}
                              <img
                                src={`/api/work-orders/${d.lastInspection.workOrderId}/photos/${d.lastInspection.photoId}`}
                                alt={t("sealPhoto", { serial: d.serialNumber })}
                                className="size-12 rounded border object-cover print:size-20"
                                loading="lazy"
                              />
                            </a>
                          )}
                        </div>
                      ) : (
                        // Said as a finding, not left blank: no inspection is on record for this device.
                        <Badge variant="warning">{t("never")}</Badge>
                      )}
                    </TableCell>
                    <TableCell>
                      {d.nextInspection ? (
                        <Link href={`/work-orders/${d.nextInspection.workOrderId}`} className="flex flex-wrap items-center gap-1.5 hover:underline">
                          {d.nextInspection.overdue ? (
                            <Badge variant="danger">{t("overdueSince", { date: day(d.nextInspection.dueDate) })}</Badge>
                          ) : (
                            <span className="text-xs tabular-nums">{day(d.nextInspection.dueDate)}</span>
                          )}
                        </Link>
                      ) : (
                        <span className="text-muted-foreground">—</span>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle className="text-base">{t("overdueTitle")}</CardTitle>
        </CardHeader>
        <CardContent className="overflow-x-auto px-1">
          {e.overdueInspections.length === 0 ? (
            <p className="px-3 text-sm text-muted-foreground">{t("noOverdue")}</p>
          ) : (
            <Table data-testid="evidence-overdue">
              <TableHeader>
                <TableRow>
                  <TableHead>{t("workOrder")}</TableHead>
                  <TableHead>{t("serial")}</TableHead>
                  <TableHead>{t("due")}</TableHead>
                  <TableHead>{t("status")}</TableHead>
                  <TableHead>{t("technician")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {e.overdueInspections.map((w) => (
                  <TableRow key={w.id}>
                    <TableCell>
                      <Link className="font-mono text-xs text-primary hover:underline print:text-foreground" href={`/work-orders/${w.id}`}>
                        WO-{w.number}
                      </Link>{" "}
                      <span className="text-xs text-muted-foreground">{tw(`types.${w.type}`)}</span>
                    </TableCell>
                    <TableCell className="font-mono text-xs">{w.serialNumber}</TableCell>
                    <TableCell className="text-red-700 tabular-nums">{t("overdueSince", { date: day(w.dueDate) })}</TableCell>
                    <TableCell>{tw(`statuses.${w.status}`)}</TableCell>
                    <TableCell>{w.technicianName ?? t("unassigned")}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle className="flex flex-wrap items-center justify-between gap-2 text-base">
            {t("training")}
            <ComplianceBar share={summary.share} label={summary.share === null ? tt("compliance.noStaff") : tt("compliance.shareLabel", { compliant: summary.compliant, staff: summary.staff })} />
          </CardTitle>
          <p className="text-sm text-muted-foreground">{t("trainingHint")}</p>
        </CardHeader>
        <CardContent>
          {e.staff.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("noStaff")}</p>
          ) : (
            <ul className="divide-y" data-testid="evidence-staff">
              {e.staff.map((person) => (
                <li key={person.id} className="grid gap-2 py-2 sm:grid-cols-[12rem_1fr]" data-staff={person.name}>
                  <div>
                    <p className={cn("font-medium", !person.current && "text-red-700")}>{person.name}</p>
                    <p className="text-xs text-muted-foreground">{tt(`roles.${person.role}`)}</p>
                  </div>
                  <ul className="grid gap-1 text-sm">
                    {person.courses.map((c) => (
                      <li key={c.courseId} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                        <TrainingStateBadge state={c.state} />
                        <span>{course.title({ key: c.courseKey, title: c.courseTitle })}</span>
                        {c.expiresOn && (
                          <span className="text-xs text-muted-foreground tabular-nums">
                            {c.trainedOn} → {c.expiresOn}
                          </span>
                        )}
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function Stat({ label, value, bad }: { label: string; value: string | number; bad?: boolean }) {
  return (
    <div className="rounded-xl border bg-card p-3">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className={cn("text-xl font-semibold tabular-nums", bad && "text-red-700")}>{value}</dd>
    </div>
  );
}
