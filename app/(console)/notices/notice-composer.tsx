"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useDeferredValue, useState } from "react";
import {
  DEFAULT_TIME_ZONE,
  NOTICE_SMS_PER_PHONE_PER_DAY,
  noticeReaderRoles,
  noticeSeverities,
  type NoticeAudience,
  type NoticeChannels,
  type NoticeSeverity,
  type NoticeStatus,
} from "@/db/schema/values";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FieldError, FormError, invalidProps, withoutFields } from "@/app/_components/form-error";
import { Markdown } from "@/app/_components/markdown";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label, Select, Textarea } from "@/app/_components/ui/input";
import { fromFleetInput, toFleetInput } from "@/app/_lib/fleet-day";
import { useTRPC } from "@/app/_lib/trpc/client";
import { cn } from "@/app/_lib/utils";

export interface NoticeDraft {
  id?: string;
  status?: NoticeStatus;
  title: string;
  body: string;
  severity: NoticeSeverity;
  audience: NoticeAudience;
  channels: NoticeChannels;
  publishAt: Date | null;
  expiresAt: Date | null;
}

export const emptyNotice: NoticeDraft = {
  title: "",
  body: "",
  severity: "info",
  audience: { everyone: true, merchantIds: [], storeIds: [], regions: [], terminalIds: [], modelIds: [], firmwareVersions: [], rolloutId: null, roles: ["merchant", "technician"] },
  channels: { inbox: true, terminals: true, sms: false },
  publishAt: null,
  expiresAt: null,
};

/** Writes a notice: content, audience with its live size, channels and timing; saves, schedules or publishes it. */
export function NoticeComposer({ initial }: { initial: NoticeDraft }) {
  const t = useTranslations("notices");
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState(initial);
  const [showPreview, setShowPreview] = useState(false);
  const { data: options } = useQuery(trpc.terminals.filterOptions.queryOptions());
  const { data: rollouts } = useQuery(trpc.rollouts.list.queryOptions({ page: 1, pageSize: 100 }));
  const audience = useDeferredValue(notice.audience);
  const chosen =
    (!audience.everyone &&
      audience.merchantIds.length + audience.storeIds.length + audience.regions.length + audience.terminalIds.length + audience.modelIds.length + audience.firmwareVersions.length > 0) ||
    audience.rolloutId !== null;
  // The listed terminals come from the saved notice (the composer only keeps or removes them): it is named rather than thousands of ids put in the query's URL.
  const previewed = notice.id && audience.terminalIds.length > 0 ? { ...audience, terminalIds: [], terminalsOf: notice.id } : audience;
  const { data: size } = useQuery({ ...trpc.notices.preview.queryOptions(previewed), enabled: audience.everyone || chosen });

  const invalidate = () => queryClient.invalidateQueries(trpc.notices.pathFilter());
  const create = useMutation(trpc.notices.create.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.notices.update.mutationOptions({ onSuccess: invalidate }));
  const schedule = useMutation(trpc.notices.schedule.mutationOptions({ onSuccess: invalidate }));
  const publish = useMutation(trpc.notices.publish.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.notices.deleteDraft.mutationOptions({ onSuccess: invalidate }));
  const refusal = create.error ?? update.error ?? schedule.error ?? publish.error;
  const pending = create.isPending || update.isPending || schedule.isPending || publish.isPending || remove.isPending;
  // The fields changed since the last refusal: their messages no longer describe what is there.
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  const [refusalSeen, setRefusalSeen] = useState(refusal);
  if (refusal !== refusalSeen) {
    setRefusalSeen(refusal);
    setChanged(new Set());
  }
  const error = withoutFields(refusal, changed);
  /** Each attempt starts clean, so only its own refusal shows. */
  const startAttempt = () => [create, update, schedule, publish].forEach((m) => m.reset());

  const set = (patch: Partial<NoticeDraft>) => {
    setNotice((n) => ({ ...n, ...patch }));
    setChanged((fields) => new Set([...fields, ...Object.keys(patch)]));
  };
  const setAudience = (patch: Partial<NoticeAudience>) => set({ audience: { ...notice.audience, ...patch } });
  const setChannels = (patch: Partial<NoticeChannels>) => set({ channels: { ...notice.channels, ...patch } });

  /** Saves the draft (creating it the first time) and returns its id. */
  const save = async (publishAt = notice.publishAt) => {
    const values = { title: notice.title, body: notice.body, severity: notice.severity, audience: notice.audience, channels: notice.channels, publishAt, expiresAt: notice.expiresAt };
    if (notice.id) {
      await update.mutateAsync({ id: notice.id, ...values });
      return notice.id;
    }
    const created = await create.mutateAsync(values);
    set({ id: created.id, status: created.status });
    return created.id;
  };
  const saveAndOpen = async () => {
    startAttempt();
    router.push(`/notices/${await save()}`);
  };
  const saveAndSchedule = async () => {
    startAttempt();
    const id = await save();
    await schedule.mutateAsync({ id });
    router.push(`/notices/${id}`);
  };
  const saveAndPublish = async () => {
    startAttempt();
    let id: string;
    try {
      // Published now: a publish time set earlier no longer applies.
      id = await save(null);
    } catch {
      // The draft was refused: the confirmation closes, so the marked fields and the banner on the page show what to correct.
      return;
    }
    await publish.mutateAsync({ id });
    router.push(`/notices/${id}`);
  };

  return (
    <form
      className="grid gap-4 lg:grid-cols-[1fr_20rem]"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void saveAndOpen().catch(() => undefined);
      }}
    >
      <div className="grid gap-4">
        <Card>
          <CardHeader>
            <CardTitle className="text-base">{t("compose.content")}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-3">
            <div className="grid gap-1.5">
              <Label htmlFor="notice-title">{t("compose.title")}</Label>
              <Input id="notice-title" value={notice.title} maxLength={120} onChange={(e) => set({ title: e.target.value })} {...invalidProps(error, "title")} />
              <FieldError error={error} field="title" />
            </div>
            <div className="grid gap-1.5">
              <div className="flex items-center justify-between">
                <Label htmlFor={showPreview ? undefined : "notice-body"}>{t("compose.body")}</Label>
                <Button type="button" size="sm" variant="ghost" onClick={() => setShowPreview((p) => !p)}>
                  {showPreview ? t("compose.edit") : t("compose.preview")}
                </Button>
              </div>
              {showPreview ? (
                <div className="min-h-32 rounded-md border p-3" data-testid="notice-preview">
                  <Markdown text={notice.body} />
                </div>
              ) : (
                <Textarea id="notice-body" rows={8} maxLength={5000} value={notice.body} onChange={(e) => set({ body: e.target.value })} {...invalidProps(error, "body")} />
              )}
              <p className="text-xs text-muted-foreground">{t("compose.markdownHint")}</p>
              <FieldError error={error} field="body" />
            </div>
            <div className="grid gap-1.5 sm:max-w-xs">
              <Label htmlFor="notice-severity">{t("compose.severity")}</Label>
              <Select
                id="notice-severity"
                value={notice.severity}
                onChange={(e) => {
                  const severity = e.target.value as NoticeSeverity;
                  set({ severity, channels: { ...notice.channels, sms: severity === "critical" && notice.channels.sms } });
                }}
              >
                {noticeSeverities.map((s) => (
                  <option key={s} value={s}>
                    {t(`severities.${s}`)}
                  </option>
                ))}
              </Select>
            </div>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle className="text-base">{t("compose.audience")}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-3">
            <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label={t("compose.audience")} {...invalidProps(error, "audience")}>
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  className="size-4"
                  name="audience-kind"
                  checked={notice.audience.everyone}
                  onChange={() => setAudience({ everyone: true, merchantIds: [], storeIds: [], regions: [], terminalIds: [], modelIds: [], firmwareVersions: [], rolloutId: null })}
                />
                {t("compose.everyone")}
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" className="size-4" name="audience-kind" checked={!notice.audience.everyone} onChange={() => setAudience({ everyone: false })} />
                {t("compose.chosen")}
              </label>
            </div>
            {!notice.audience.everyone && (
              <div className="grid gap-3 md:grid-cols-2">
                <CheckboxList
                  label={t("compose.merchants")}
                  options={(options?.merchants ?? []).map((m) => ({ value: m.id, label: m.name }))}
                  value={notice.audience.merchantIds}
                  onChange={(merchantIds) => setAudience({ merchantIds })}
                />
                <CheckboxList
                  label={t("compose.stores")}
                  options={(options?.stores ?? []).map((s) => ({ value: s.id, label: s.name }))}
                  value={notice.audience.storeIds}
                  onChange={(storeIds) => setAudience({ storeIds })}
                />
                <CheckboxList
                  label={t("compose.regions")}
                  options={(options?.regions ?? []).map((r) => ({ value: r, label: r }))}
                  value={notice.audience.regions}
                  onChange={(regions) => setAudience({ regions })}
                />
                <CheckboxList
                  label={t("compose.models")}
                  options={(options?.models ?? []).map((m) => ({ value: m.id, label: m.name }))}
                  value={notice.audience.modelIds}
                  onChange={(modelIds) => setAudience({ modelIds })}
                />
                <CheckboxList
                  label={t("compose.firmware")}
                  options={(options?.firmwareVersions ?? []).map((v) => ({ value: v, label: v }))}
                  value={notice.audience.firmwareVersions}
                  onChange={(firmwareVersions) => setAudience({ firmwareVersions })}
                />
                <div className="grid content-start gap-1.5">
                  <Label htmlFor="notice-rollout">{t("compose.rollout")}</Label>
                  <Select id="notice-rollout" value={notice.audience.rolloutId ?? ""} onChange={(e) => setAudience({ rolloutId: e.target.value || null })}>
                    <option value="">{t("compose.noRollout")}</option>
                    {(rollouts?.items ?? []).map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name}
                      </option>
                    ))}
                  </Select>
                </div>
              </div>
            )}
            {!notice.audience.everyone && notice.audience.terminalIds.length > 0 && (
              <div className="grid gap-1 rounded-md border p-2" data-testid="listed-terminals">
                <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
                  <span className="font-medium">{t("compose.listedTerminals", { count: notice.audience.terminalIds.length })}</span>
                  <Button type="button" size="sm" variant="outline" onClick={() => setAudience({ terminalIds: [] })}>
                    {t("compose.removeListedTerminals")}
                  </Button>
                </div>
                <p className="text-xs text-muted-foreground">{t("compose.listedTerminalsHint")}</p>
              </div>
            )}
            <p className="text-xs text-muted-foreground">{t("compose.audienceHint")}</p>
            <fieldset className="grid gap-1.5" {...invalidProps(error, "audience")}>
              <legend className="mb-1 text-sm font-medium">{t("compose.readers")}</legend>
              <div className="flex flex-wrap gap-4 text-sm">
                {noticeReaderRoles.map((role) => (
                  <label key={role} className="flex items-center gap-2">
                    <input
                      type="checkbox"
                      className="size-4"
                      checked={notice.audience.roles.includes(role)}
                      onChange={(e) => setAudience({ roles: e.target.checked ? [...notice.audience.roles, role] : notice.audience.roles.filter((r) => r !== role) })}
                    />
                    {t(`readerRoles.${role}`)}
                  </label>
                ))}
              </div>
            </fieldset>
            <FieldError error={error} field="audience" />
          </CardContent>
        </Card>
      </div>

      <div className="grid content-start gap-4">
        <Card>
          <CardHeader>
            <CardTitle className="text-base">{t("compose.reach")}</CardTitle>
          </CardHeader>
          <CardContent>
            {!audience.everyone && !chosen ? (
              <p className="text-sm text-muted-foreground">{t("compose.chooseAudience")}</p>
            ) : !size ? (
              <p className="text-sm text-muted-foreground">…</p>
            ) : (
              <dl className="grid grid-cols-2 gap-2 text-sm" data-testid="audience-size">
                <Reach label={t("compose.reachTerminals")} value={size.terminals} off={!notice.channels.terminals} />
                <Reach label={t("compose.reachMerchants")} value={size.merchants} />
                <Reach label={t("compose.reachOwners")} value={size.merchantUsers} off={!notice.channels.inbox || !notice.audience.roles.includes("merchant")} />
                <Reach label={t("compose.reachTechnicians")} value={size.technicians} off={!notice.channels.inbox || !notice.audience.roles.includes("technician")} />
                <Reach label={t("compose.reachPhones")} value={size.smsPhones} off={!notice.channels.sms} />
              </dl>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle className="text-base">{t("compose.channels")}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-2 text-sm" role="group" aria-label={t("compose.channels")} {...invalidProps(error, "channels")}>
            <label className="flex items-center gap-2">
              <input type="checkbox" className="size-4" checked={notice.channels.inbox} onChange={(e) => setChannels({ inbox: e.target.checked })} />
              {t("channels.inbox")}
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" className="size-4" checked={notice.channels.terminals} onChange={(e) => setChannels({ terminals: e.target.checked })} />
              {t("channels.terminals")}
            </label>
            <label className={cn("flex items-center gap-2", notice.severity !== "critical" && "text-muted-foreground")}>
              <input type="checkbox" className="size-4" disabled={notice.severity !== "critical"} checked={notice.channels.sms} onChange={(e) => setChannels({ sms: e.target.checked })} />
              {t("channels.sms")}
            </label>
            <p className="text-xs text-muted-foreground">{t("compose.smsHint", { limit: NOTICE_SMS_PER_PHONE_PER_DAY })}</p>
            <FieldError error={error} field="channels" />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle className="text-base">{t("compose.timing")}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-3">
            <p className="text-xs text-muted-foreground">{t("compose.timeZone", { zone: DEFAULT_TIME_ZONE })}</p>
            <div className="grid gap-1.5">
              <Label htmlFor="notice-publish-at">{t("compose.publishAt")}</Label>
              <Input
                id="notice-publish-at"
                type="datetime-local"
                value={toFleetInput(notice.publishAt)}
                onChange={(e) => set({ publishAt: fromFleetInput(e.target.value) })}
                {...invalidProps(error, "publishAt")}
              />
              <FieldError error={error} field="publishAt" />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="notice-expires-at">{t("compose.expiresAt")}</Label>
              <Input
                id="notice-expires-at"
                type="datetime-local"
                value={toFleetInput(notice.expiresAt)}
                onChange={(e) => set({ expiresAt: fromFleetInput(e.target.value) })}
                {...invalidProps(error, "expiresAt")}
              />
              <FieldError error={error} field="expiresAt" />
            </div>
          </CardContent>
        </Card>

        <FormError error={error} />
        <div className="flex flex-wrap gap-2">
          <Button type="submit" variant="outline" disabled={pending}>
            {t("compose.saveDraft")}
          </Button>
          {notice.publishAt && notice.status !== "scheduled" && (
            <Button type="button" variant="outline" disabled={pending} onClick={() => void saveAndSchedule().catch(() => undefined)}>
              {t("compose.schedule")}
            </Button>
          )}
          <ConfirmDialog
            label={t("compose.publishNow")}
            variant="default"
            title={t("compose.publishTitle")}
            description={
              size
                ? t("compose.publishConfirm", { people: notice.channels.inbox ? size.merchantUsers + size.technicians : 0, terminals: notice.channels.terminals ? size.terminals : 0 })
                : t("compose.publishConfirmPlain")
            }
            error={publish.error}
            pending={pending}
            onConfirm={saveAndPublish}
          />
          {notice.id && notice.status === "draft" && (
            <ConfirmDialog
              label={t("compose.deleteDraft")}
              destructive
              description={t("compose.deleteConfirm")}
              error={remove.error}
              pending={remove.isPending}
              onConfirm={async () => {
                await remove.mutateAsync({ id: notice.id! });
                router.push("/notices");
              }}
            />
          )}
        </div>
      </div>
    </form>
  );
}

function Reach({ label, value, off }: { label: string; value: number; off?: boolean }) {
  return (
    // A channel the notice does not use reads as switched off by its dashed frame and muted figure; fading it out would fail contrast.
    <div className={cn("rounded-md border p-2", off && "border-dashed text-muted-foreground")}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{off ? 0 : value}</dd>
    </div>
  );
}

/** A labelled list of checkboxes, with a filter box when it is long. */
function CheckboxList({ label, options, value, onChange }: { label: string; options: { value: string; label: string }[]; value: string[]; onChange: (value: string[]) => void }) {
  const t = useTranslations("notices.compose");
  const [filter, setFilter] = useState("");
  const shown = filter ? options.filter((o) => o.label.toLowerCase().includes(filter.toLowerCase())) : options;
  return (
    <fieldset className="grid content-start gap-1.5">
      <legend className="mb-1 text-sm font-medium">
        {label}
        {value.length > 0 && <span className="ml-1 text-muted-foreground">({value.length})</span>}
      </legend>
      {options.length > 8 && (
        <Input
          aria-label={t("filter", { list: label })}
          placeholder={t("filterPlaceholder")}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          // Enter filters; it must not submit the composer.
          onKeyDown={(e) => e.key === "Enter" && e.preventDefault()}
          className="h-8"
        />
      )}
      <div className="max-h-40 overflow-y-auto rounded-md border p-2">
        {shown.length === 0 ? (
          <p className="text-xs text-muted-foreground">—</p>
        ) : (
          shown.map((o) => (
            <label key={o.value} className="flex items-center gap-2 py-0.5 text-sm">
              <input type="checkbox" className="size-4" checked={value.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))} />
              {o.label}
            </label>
          ))
        )}
      </div>
    </fieldset>
  );
}
