"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import { releaseChannels, releaseStatuses } from "@/db/schema/values";
import { releaseListInput } from "@/server/schemas/firmware";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FieldError, FormError, invalidProps } from "@/app/_components/form-error";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { DateOnly, formatBytes } from "@/app/_components/format";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input, Label, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";

const statusVariant = { draft: "muted", published: "success", deprecated: "warning" } as const;

export function FirmwareView() {
  const t = useTranslations("firmware");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const list = useListParams(releaseListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.firmware.list.queryOptions(input));
  const { data: models } = useSuspenseQuery(trpc.models.list.queryOptions());
  const search = useSearchParam(input.q, update);
  // Sized to fit 1280 px beside the menu: badges wrap under the version, model names wrap, the checksum waits for 2xl.
  const columns: Column<(typeof data.items)[number]>[] = [
    {
      id: "version",
      header: t("version"),
      cell: (r) => (
        <span className="flex flex-wrap items-center gap-1 font-mono">
          <ReleaseDetails id={r.id} version={r.version} />
          <Badge variant="outline">{t(`channels.${r.channel}`)}</Badge>
          {r.isRollback && <Badge variant="warning">{t("rollbackBadge")}</Badge>}
        </span>
      ),
      card: "title",
      className: "max-w-44 whitespace-normal",
    },
    { id: "status", header: t("status"), cell: (r) => <Badge variant={statusVariant[r.status]}>{t(`statuses.${r.status}`)}</Badge>, card: "status" },
    { id: "models", header: t("models"), cell: (r) => r.models.map((m) => m.name).join(", "), className: "max-w-48 text-xs whitespace-normal" },
    {
      id: "size",
      header: t("size"),
      cell: (r) => <span className="tabular-nums">{r.sizeBytes === null ? <span className="text-muted-foreground">{t("noImage")}</span> : formatBytes(r.sizeBytes)}</span>,
      className: "md:text-right",
    },
    {
      id: "sha256",
      header: t("sha256"),
      cell: (r) => (
        <span className="font-mono text-xs" title={r.sha256 ?? undefined}>
          {r.sha256 ? `${r.sha256.slice(0, 12)}…` : "—"}
        </span>
      ),
      className: "hidden 2xl:table-cell",
      card: "none",
    },
    { id: "created", header: t("created"), cell: (r) => <DateOnly date={r.createdAt} /> },
    {
      id: "rollouts",
      header: t("rollouts"),
      cell: (r) =>
        r.rolloutCount > 0 ? (
          <Link className="text-primary tabular-nums hover:underline" href={`/rollouts?releaseId=${r.id}`}>
            {r.rolloutCount}
          </Link>
        ) : (
          0
        ),
      className: "md:text-right",
    },
    { id: "actions", header: <span className="sr-only">{tc("actions")}</span>, cell: (r) => <ReleaseActions release={r} />, card: "actions" },
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <ReleaseDialog models={models} />
      </div>
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <SearchBox label={t("search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("status")}
          allLabel={t("allStatuses")}
          value={input.status}
          options={releaseStatuses.map((s) => ({ value: s, label: t(`statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          label={t("channel")}
          allLabel={t("allChannels")}
          value={input.channel}
          options={releaseChannels.map((c) => ({ value: c, label: t(`channels.${c}`) }))}
          onChange={(channel) => update({ channel })}
        />
        <FilterSelect
          label={t("models")}
          allLabel={t("allModels")}
          value={input.modelId}
          options={models.map((m) => ({ value: m.id, label: `${m.manufacturer} ${m.model}` }))}
          onChange={(modelId) => update({ modelId })}
        />
      </div>

      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(r) => r.id}
        rowLabel={(r) => r.version}
        rowTestId={(r) => `release-${r.version}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="releases"
      />
    </div>
  );
}

/** A release's full record: image, checksum, notes (editable at any status) and a download link. */
function ReleaseDetails({ id, version }: { id: string; version: string }) {
  const t = useTranslations("firmware");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateReleases();
  const [open, setOpen] = useState(false);
  const { data } = useQuery({ ...trpc.firmware.get.queryOptions({ id }), enabled: open });
  const save = useMutation(trpc.firmware.update.mutationOptions({ onSuccess: invalidate }));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <button type="button" className="text-primary hover:underline">
          {version}
        </button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")} className="max-h-[90vh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle className="font-mono">{version}</DialogTitle>
          <DialogDescription>{data ? data.models.map((m) => m.name).join(", ") : "…"}</DialogDescription>
        </DialogHeader>
        {data && (
          <div className="grid gap-3 text-sm">
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
              <dt className="text-muted-foreground">{t("status")}</dt>
              <dd>
                <Badge variant={statusVariant[data.status]}>{t(`statuses.${data.status}`)}</Badge> <Badge variant="outline">{t(`channels.${data.channel}`)}</Badge>
              </dd>
              <dt className="text-muted-foreground">{t("fileName")}</dt>
              <dd className="break-all font-mono text-xs">{data.fileName ?? t("noImage")}</dd>
              <dt className="text-muted-foreground">{t("size")}</dt>
              <dd>{data.sizeBytes === null ? "—" : `${formatBytes(data.sizeBytes)} (${data.sizeBytes.toLocaleString()} B)`}</dd>
              <dt className="text-muted-foreground">{t("sha256")}</dt>
              <dd className="break-all font-mono text-xs" data-testid="release-sha256">
                {data.sha256 ?? "—"}
              </dd>
              <dt className="text-muted-foreground">{t("created")}</dt>
              <dd>
                <DateOnly date={data.createdAt} /> · {data.createdBy}
              </dd>
              <dt className="text-muted-foreground">{t("publishedAt")}</dt>
              <dd>
                <DateOnly date={data.publishedAt} />
              </dd>
            </dl>
            <form
              className="grid gap-1.5"
              onSubmit={(e) => {
                e.preventDefault();
                save.mutate({ id, notes: formText(new FormData(e.currentTarget), "notes") });
              }}
            >
              <Label htmlFor={`notes-${id}`}>{t("notes")}</Label>
              <Textarea id={`notes-${id}`} name="notes" rows={4} defaultValue={data.notes} />
              <FormError error={save.error} />
              <div className="flex flex-wrap items-center justify-between gap-2">
                {data.sizeBytes !== null ? (
                  <a className="text-primary hover:underline" href={`/api/firmware/releases/${id}/image`} download>
                    {t("download")}
                  </a>
                ) : (
                  <span />
                )}
                <Button type="submit" size="sm" disabled={save.isPending}>
                  {save.isSuccess ? t("notesSaved") : tc("save")}
                </Button>
              </div>
            </form>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}

function useInvalidateReleases() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.firmware.pathFilter());
}

function ReleaseActions({ release }: { release: { id: string; version: string; status: "draft" | "published" | "deprecated"; sizeBytes: number | null } }) {
  const t = useTranslations("firmware");
  const trpc = useTRPC();
  const invalidate = useInvalidateReleases();
  const setStatus = useMutation(trpc.firmware.setStatus.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.firmware.deleteDraft.mutationOptions({ onSuccess: invalidate }));
  const version = release.version;
  return (
    <div className="flex justify-end gap-1.5 whitespace-nowrap">
      {release.status === "draft" && release.sizeBytes === null && <UploadImageDialog releaseId={release.id} version={version} />}
      {release.status === "draft" && release.sizeBytes !== null && (
        <ConfirmDialog
          label={t("publish")}
          description={t("publishConfirm", { version })}
          onConfirm={() => setStatus.mutateAsync({ id: release.id, status: "published" })}
          error={setStatus.error}
          pending={setStatus.isPending}
        />
      )}
      {release.status === "published" && (
        <Button asChild size="sm">
          <Link href={`/rollouts/new?releaseId=${release.id}`}>{t("rollOut")}</Link>
        </Button>
      )}
      {release.status === "published" && (
        <ConfirmDialog
          label={t("deprecate")}
          description={t("deprecateConfirm", { version })}
          onConfirm={() => setStatus.mutateAsync({ id: release.id, status: "deprecated" })}
          error={setStatus.error}
          pending={setStatus.isPending}
        />
      )}
      {release.status === "deprecated" && (
        <ConfirmDialog
          label={t("republish")}
          description={t("publishConfirm", { version })}
          onConfirm={() => setStatus.mutateAsync({ id: release.id, status: "published" })}
          error={setStatus.error}
          pending={setStatus.isPending}
        />
      )}
      {release.status === "draft" && (
        <ConfirmDialog
          label={t("delete")}
          destructive
          description={t("deleteConfirm", { version })}
          onConfirm={() => remove.mutateAsync({ id: release.id })}
          error={remove.error}
          pending={remove.isPending}
        />
      )}
    </div>
  );
}

/** Streams a file to the upload endpoint with progress (fetch cannot report upload progress). */
function uploadImage(releaseId: string, file: File, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/firmware/releases/${releaseId}/image`);
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let message = xhr.statusText;
      try {
        message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
      } catch {
        // Not our JSON error: keep the status text.
      }
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error("network error"));
    xhr.send(file);
  });
}

function UploadProgress({ percent }: { percent: number | null }) {
  const t = useTranslations("firmware");
  if (percent === null) return null;
  return (
    <div className="space-y-1" role="status">
      <div className="h-2 overflow-hidden rounded bg-muted">
        <div className="h-full bg-primary transition-all" style={{ width: `${percent}%` }} />
      </div>
      <p className="text-xs text-muted-foreground">{t("uploading", { percent })}</p>
    </div>
  );
}

/** A new release: its details, then its image streamed to the server. */
function ReleaseDialog({ models }: { models: { id: string; manufacturer: string; model: string }[] }) {
  const t = useTranslations("firmware");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateReleases();
  const [open, setOpen] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<Error | null>(null);
  // Once the draft exists, saving again only retries the upload.
  const [draftId, setDraftId] = useState<string | null>(null);
  const create = useMutation(trpc.firmware.create.mutationOptions());
  const busy = create.isPending || progress !== null;
  const reset = (next: boolean) => {
    setOpen(next);
    create.reset();
    setUploadError(null);
    setProgress(null);
    setDraftId(null);
  };

  async function submit(form: FormData) {
    setUploadError(null);
    const file = form.get("image");
    let releaseId = draftId;
    if (!releaseId) {
      const release = await create.mutateAsync({
        version: formText(form, "version"),
        modelIds: form.getAll("modelIds").map(String),
        channel: formText(form, "channel") as "stable" | "beta",
        notes: formText(form, "notes"),
        isRollback: form.get("isRollback") === "on",
      });
      releaseId = release.id;
      setDraftId(releaseId);
      await invalidate();
    }
    if (file instanceof File && file.size > 0) {
      setProgress(0);
      try {
        await uploadImage(releaseId, file, setProgress);
      } catch (error) {
        // The draft exists; its row offers the upload again. The dialog stays open with the reason.
        setUploadError(new Error(t("uploadFailed", { message: (error as Error).message })));
        setProgress(null);
        await invalidate();
        throw error;
      }
    }
    await invalidate();
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={reset}
      trigger={<Button>{t("new")}</Button>}
      className="max-h-[90vh] overflow-y-auto"
      title={t("new")}
      description={t("createHint")}
      submitLabel={tc("save")}
      error={create.error ?? uploadError}
      pending={busy}
      onSubmit={submit}
    >
      <div className="grid grid-cols-2 gap-3">
        <Field name="version" label={t("version")} error={create.error} required placeholder="2.5.0" />
        <Field name="channel" label={t("channel")} error={create.error} defaultValue="stable">
          {releaseChannels.map((c) => (
            <option key={c} value={c}>
              {t(`channels.${c}`)}
            </option>
          ))}
        </Field>
      </div>
      <fieldset className="grid gap-1.5" {...invalidProps(create.error, "modelIds")}>
        <legend className="mb-1.5 text-sm font-medium">{t("pickModels")}</legend>
        <div className="grid gap-1 sm:grid-cols-2">
          {models.map((m) => (
            <label key={m.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="modelIds" value={m.id} className="size-4" />
              {m.manufacturer} {m.model}
            </label>
          ))}
        </div>
        <FieldError error={create.error} field="modelIds" />
      </fieldset>
      <div className="grid gap-1.5">
        <Label htmlFor="release-notes">{t("notes")}</Label>
        <Textarea id="release-notes" name="notes" rows={3} />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="isRollback" className="size-4" />
        {t("rollback")}
      </label>
      <div className="grid gap-1.5">
        <Label htmlFor="release-image">{t("image")}</Label>
        <Input id="release-image" name="image" type="file" />
      </div>
      <UploadProgress percent={progress} />
    </FormDialog>
  );
}

/** The image for a draft that has none yet (or whose upload failed). */
function UploadImageDialog({ releaseId, version }: { releaseId: string; version: string }) {
  const t = useTranslations("firmware");
  const tc = useTranslations("common");
  const invalidate = useInvalidateReleases();
  const [open, setOpen] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm">{t("uploadImage")}</Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>
            {t("uploadImage")} · {version}
          </DialogTitle>
          <DialogDescription>{t("createHint")}</DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            const file = new FormData(e.currentTarget).get("image");
            if (!(file instanceof File) || file.size === 0) return;
            setError(null);
            setProgress(0);
            uploadImage(releaseId, file, setProgress).then(
              async () => {
                await invalidate();
                setProgress(null);
                setOpen(false);
              },
              (err: Error) => {
                setProgress(null);
                setError(new Error(t("uploadFailed", { message: err.message })));
              },
            );
          }}
        >
          <Input aria-label={t("image")} name="image" type="file" required />
          <UploadProgress percent={progress} />
          <FormError error={error} />
          <DialogFooter>
            <Button type="submit" disabled={progress !== null}>
              {t("uploadImage")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
