"use client";

import { useMutation, useSuspenseQuery } from "@tanstack/react-query";
import { PlusIcon, Trash2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { defaultPhases, publishedReleasesInput } from "@/server/schemas/firmware";
import { FieldError, FormError, invalidProps } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label, Select, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

type Phase = (typeof defaultPhases)[number];
type Mode = "filters" | "serials";

const splitList = (text: string) => [
  ...new Set(
    text
      .split(/[\s,;]+/)
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  ),
];

/** A list of checkboxes for one target filter; nothing ticked means no filter. */
function CheckList({ legend, options, selected, onChange }: { legend: string; options: { id: string; name: string }[]; selected: string[]; onChange: (ids: string[]) => void }) {
  return (
    <fieldset className="grid gap-1.5">
      <legend className="mb-1.5 text-sm font-medium">{legend}</legend>
      <div className="max-h-40 space-y-1 overflow-y-auto rounded-md border p-2">
        {options.map((o) => (
          <label key={o.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" className="size-4" checked={selected.includes(o.id)} onChange={(e) => onChange(e.target.checked ? [...selected, o.id] : selected.filter((id) => id !== o.id))} />
            {o.name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Waits until the value has been still for `ms`, so typing does not send a preview per keystroke. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function NewRolloutForm({ initialReleaseId, initialSerials }: { initialReleaseId?: string; initialSerials?: string }) {
  const t = useTranslations("rollouts");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const router = useRouter();
  const { data: releases } = useSuspenseQuery(trpc.firmware.list.queryOptions(publishedReleasesInput));
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const [releaseId, setReleaseId] = useState(releases.items.some((r) => r.id === initialReleaseId) ? initialReleaseId! : (releases.items[0]?.id ?? ""));
  const release = releases.items.find((r) => r.id === releaseId);
  const [name, setName] = useState("");
  const [mode, setMode] = useState<Mode>(initialSerials ? "serials" : "filters");
  const [modelIds, setModelIds] = useState<string[]>([]);
  const [merchantIds, setMerchantIds] = useState<string[]>([]);
  const [storeIds, setStoreIds] = useState<string[]>([]);
  const [versions, setVersions] = useState<string[]>([]);
  const [serialText, setSerialText] = useState(() => splitList(initialSerials ?? "").join("\n"));
  const [phases, setPhases] = useState<Phase[]>(defaultPhases);
  const [startsAt, setStartsAt] = useState("");
  const [maxAttempts, setMaxAttempts] = useState(3);

  const target =
    mode === "serials"
      ? { serialNumbers: splitList(serialText) }
      : {
          modelIds,
          merchantIds,
          storeIds: storeIds.filter((id) => !merchantIds.length || merchantIds.includes(options.stores.find((s) => s.id === id)?.merchantId ?? "")),
          firmwareVersions: versions,
        };
  const previewInput = useDebounced(JSON.stringify({ releaseId, target }), 400);
  const preview = useMutation(trpc.rollouts.preview.mutationOptions());
  const { mutate: runPreview } = preview;
  useEffect(() => {
    const input = JSON.parse(previewInput) as { releaseId: string; target: typeof target };
    if (input.releaseId) runPreview(input);
  }, [previewInput, runPreview]);
  const create = useMutation(trpc.rollouts.create.mutationOptions({ onSuccess: (created) => router.push(`/rollouts/${created.id}`) }));

  if (releases.items.length === 0) {
    return (
      <div className="space-y-4">
        <h1 className="text-xl font-semibold">{t("new")}</h1>
        <p className="text-sm">
          {t("noReleases")}{" "}
          <Link className="text-primary hover:underline" href="/firmware">
            /firmware
          </Link>
        </p>
      </div>
    );
  }

  const setPhase = (i: number, patch: Partial<Phase>) => setPhases(phases.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  const visibleStores = options.stores.filter((s) => !merchantIds.length || merchantIds.includes(s.merchantId));
  const suggestedName = release ? `${release.version} · ${new Date().toISOString().slice(0, 10)}` : "";

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name: name.trim() || suggestedName, releaseId, target, phases, startsAt: startsAt ? new Date(startsAt) : undefined, maxAttempts });
      }}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("new")}</h1>
        <Link className="text-sm text-primary hover:underline" href="/rollouts">
          {t("back")}
        </Link>
      </div>

      <Card>
        <CardContent className="grid gap-3 pt-6 sm:grid-cols-2">
          <div className="grid gap-1.5">
            <Label htmlFor="rollout-release">{t("release")}</Label>
            <Select id="rollout-release" value={releaseId} onChange={(e) => setReleaseId(e.target.value)} {...invalidProps(create.error, "releaseId")}>
              {releases.items.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.version} ({r.models.map((m) => m.name).join(", ")})
                </option>
              ))}
            </Select>
            <FieldError error={create.error} field="releaseId" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="rollout-name">{t("name")}</Label>
            <Input id="rollout-name" value={name} placeholder={suggestedName} onChange={(e) => setName(e.target.value)} {...invalidProps(create.error, "name")} />
            <FieldError error={create.error} field="name" />
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("target")}</CardTitle>
          <CardDescription>{t("targetHint")}</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <div className="flex gap-4 text-sm" role="radiogroup" aria-label={t("target")}>
            {(["filters", "serials"] as const).map((m) => (
              <label key={m} className="flex items-center gap-2">
                <input type="radio" name="mode" className="size-4" checked={mode === m} onChange={() => setMode(m)} />
                {m === "filters" ? t("byFilters") : t("bySerials")}
              </label>
            ))}
          </div>
          {mode === "filters" ? (
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" role="group" aria-label={t("byFilters")} {...invalidProps(create.error, "target")}>
              <CheckList legend={t("modelsFilter")} options={options.models.filter((m) => !release || release.models.some((rm) => rm.id === m.id))} selected={modelIds} onChange={setModelIds} />
              <CheckList legend={t("merchantsFilter")} options={options.merchants} selected={merchantIds} onChange={setMerchantIds} />
              <CheckList legend={t("storesFilter")} options={visibleStores} selected={storeIds} onChange={setStoreIds} />
              <CheckList legend={t("versionsFilter")} options={options.firmwareVersions.map((v) => ({ id: v, name: v }))} selected={versions} onChange={setVersions} />
            </div>
          ) : (
            <div className="grid gap-1.5">
              <Label htmlFor="rollout-serials">{t("serials")}</Label>
              <Textarea id="rollout-serials" rows={6} className="font-mono" value={serialText} onChange={(e) => setSerialText(e.target.value)} {...invalidProps(create.error, "target")} />
              <p className="text-xs text-muted-foreground">{t("serialsHint")}</p>
            </div>
          )}
          <FieldError error={create.error} field="target" />
          <div className="rounded-md bg-muted px-3 py-2 text-sm" role="status" aria-live="polite" data-testid="rollout-preview">
            {preview.data ? (
              <>
                <p className="font-medium">{t("preview", { eligible: preview.data.eligible })}</p>
                <p className="text-muted-foreground">{t("previewDetail", { matched: preview.data.matched, ...preview.data.excluded })}</p>
              </>
            ) : preview.error ? (
              <FormError error={preview.error} />
            ) : (
              <p className="text-muted-foreground">{t("previewLoading")}</p>
            )}
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("phases")}</CardTitle>
          <CardDescription>{t("phasesHint")}</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          {phases.map((p, i) => (
            <fieldset key={i} className="grid grid-cols-2 items-end gap-2 rounded-md border p-2 sm:grid-cols-[1fr_1fr_1fr_auto_auto]">
              <legend className="px-1 text-sm font-medium">{t("phase", { n: i + 1 })}</legend>
              {(["percent", "successThreshold", "failureThreshold"] as const).map((key) => (
                <label key={key} className="grid gap-1 text-xs">
                  {t(key === "percent" ? "share" : key)}
                  <Input
                    type="number"
                    min={0}
                    max={100}
                    step="any"
                    value={p[key]}
                    onChange={(e) => setPhase(i, { [key]: Number(e.target.value) })}
                    {...invalidProps(create.error, `phases.${i}.${key}`, "phases")}
                  />
                </label>
              ))}
              <label className="flex items-center gap-2 pb-2 text-xs">
                <input type="checkbox" className="size-4" checked={p.requiresApproval} onChange={(e) => setPhase(i, { requiresApproval: e.target.checked })} />
                {t("requiresApproval")}
              </label>
              <Button
                type="button"
                variant="outline"
                size="icon"
                aria-label={t("removePhase", { n: i + 1 })}
                disabled={phases.length === 1}
                onClick={() => setPhases(phases.filter((_, j) => j !== i))}
              >
                <Trash2Icon />
              </Button>
            </fieldset>
          ))}
          <FieldError error={create.error} field="phases" />
          <Button type="button" variant="outline" size="sm" disabled={phases.length >= 10} onClick={() => setPhases([...phases, { ...phases.at(-1)!, percent: 100 }])}>
            <PlusIcon /> {t("addPhase")}
          </Button>
        </CardContent>
      </Card>

      <Card>
        <CardContent className="grid gap-3 pt-6 sm:grid-cols-2">
          <div className="grid gap-1.5">
            <Label htmlFor="rollout-start">{t("startsAt")}</Label>
            <Input id="rollout-start" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
            <p className="text-xs text-muted-foreground">{t("startsAtHint")}</p>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="rollout-attempts">{t("maxAttempts")}</Label>
            <Input id="rollout-attempts" type="number" min={1} max={10} value={maxAttempts} onChange={(e) => setMaxAttempts(Number(e.target.value))} {...invalidProps(create.error, "maxAttempts")} />
            <FieldError error={create.error} field="maxAttempts" />
          </div>
        </CardContent>
      </Card>

      <FormError error={create.error} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={create.isPending || !preview.data?.eligible}>
          {create.isPending ? tc("saving") : t("create")}
        </Button>
        {create.isPending && (
          <p className="text-sm text-muted-foreground" role="status">
            {t("creating", { count: preview.data?.eligible ?? 0 })}
          </p>
        )}
      </div>
    </form>
  );
}
