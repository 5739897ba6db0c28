"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DownloadIcon, MegaphoneIcon, RocketIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { z } from "zod";
import { isBulkJobOpen, LOCK_MESSAGE_MAX, type BulkJobStatus, type CommandType, type UserRole } from "@/db/schema/values";
import { BULK_IDS_MAX, type bulkStartInput, type BulkSelection } from "@/server/schemas/bulk";
import { commandTypesByRole } from "@/server/schemas/commands";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, FormError, invalidProps } from "@/app/_components/form-error";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Label, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

type BulkStart = z.input<typeof bulkStartInput>;
/** One bulk action as a dialog states it; the bar adds the selection. */
type BulkAction = BulkStart extends infer Start ? (Start extends unknown ? Omit<Start, "selection"> : never) : never;

/** How many terminals the selection holds; past the list's count cap only a lower bound is known. */
export interface SelectionSize {
  count: number;
  isLowerBound: boolean;
  allMatching: boolean;
}

/** A rollout is made from serial numbers in the URL, so only a selection by rows of moderate size can go there. */
const ROLLOUT_SERIALS_MAX = 500;

/**
 * The bar over the terminal list while terminals are selected: the actions the viewer's role may
 * take on them. Each asks first, naming how many terminals it touches; the server checks the role
 * and scope again and reports per terminal what it did.
 */
export function BulkActionsBar({
  role,
  selection,
  size,
  serials,
  exportHref,
  onStarted,
  onClear,
}: {
  role: UserRole;
  selection: BulkSelection;
  size: SelectionSize;
  /** The selected rows' serial numbers, for a selection by rows. */
  serials: string[] | null;
  /** The CSV export of "all matching" (the filter in the URL); chosen rows are exported by POST instead. */
  exportHref: string | null;
  onStarted: (jobId: string) => void;
  onClear: () => void;
}) {
  const t = useTranslations("bulk");
  const tl = useTranslations("list");
  const trpc = useTRPC();
  const start = useMutation(trpc.bulk.start.mutationOptions({ onSuccess: (job) => onStarted(job.id) }));
  const target = size.allMatching ? (size.isLowerBound ? t("target.filterMoreThan", { count: size.count }) : t("target.filter", { count: size.count })) : t("target.ids", { count: size.count });
  const run = (action: BulkAction) => start.mutateAsync({ ...action, selection });
  const dialog = { target, error: start.error, pending: start.isPending, onOpenChange: () => start.reset() };
  // The server takes at most BULK_IDS_MAX ids: past that, the filter is the way to say "all of these".
  const tooManyRows = "ids" in selection && selection.ids.length > BULK_IDS_MAX;
  const rolloutLink = role === "admin" && serials !== null && serials.length <= ROLLOUT_SERIALS_MAX ? `/rollouts/new?serials=${encodeURIComponent(serials.join(","))}` : null;

  return (
    <div className="flex flex-col gap-2 rounded-xl border bg-card p-3 sm:flex-row sm:flex-wrap sm:items-center" role="group" aria-label={t("actions")} data-testid="bulk-actions">
      <p className="text-sm font-medium" aria-live="polite">
        {size.allMatching ? (size.isLowerBound ? t("selectedAllMatchingMoreThan", { count: size.count }) : t("selectedAllMatching", { count: size.count })) : tl("selected", { count: size.count })}
      </p>
      <div className="flex flex-wrap gap-2 sm:ml-auto">
        {!tooManyRows && <CommandDialog kinds={commandTypesByRole[role]} run={run} {...dialog} />}
        {role === "admin" && !tooManyRows && (
          <>
            <MoveDialog run={(storeId) => run({ kind: "move_to_store", params: { storeId } })} {...dialog} />
            <StatusDialog status="suspended" run={(reason) => run({ kind: "set_status", params: { status: "suspended", reason } })} {...dialog} />
            <StatusDialog status="active" run={(reason) => run({ kind: "set_status", params: { status: "active", reason } })} {...dialog} />
          </>
        )}
        {role === "admin" && <AddToNoticeDialog selection={selection} target={target} tooManyRows={tooManyRows} />}
        {exportHref ? (
          <Button variant="outline" size="sm" asChild>
            <a href={exportHref} download>
              <DownloadIcon aria-hidden />
              {t("export")}
            </a>
          </Button>
        ) : (
          "ids" in selection && !tooManyRows && <ExportRowsButton ids={selection.ids} />
        )}
        {rolloutLink && (
          <Button variant="outline" size="sm" asChild>
            <Link href={rolloutLink}>
              <RocketIcon aria-hidden />
              {t("createRollout")}
            </Link>
          </Button>
        )}
        <Button variant="ghost" size="sm" onClick={onClear}>
          {tl("clearSelection")}
        </Button>
      </div>
      {tooManyRows && <p className="basis-full text-xs text-muted-foreground">{t("tooManyRows", { max: BULK_IDS_MAX })}</p>}
      {role === "admin" && !rolloutLink && <p className="basis-full text-xs text-muted-foreground">{t("rolloutByRows", { max: ROLLOUT_SERIALS_MAX })}</p>}
    </div>
  );
}

/** Chosen rows as CSV: their ids go in a POST body (a thousand ids do not fit a URL), the answer is saved as a file. */
function ExportRowsButton({ ids }: { ids: string[] }) {
  const t = useTranslations("bulk");
  const [state, setState] = useState<"idle" | "pending" | "failed">("idle");
  const download = async () => {
    setState("pending");
    try {
      const response = await fetch("/api/terminals/export", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ids }) });
      if (!response.ok) throw new Error(String(response.status));
      const name = /filename="?([^";]+)"?/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? "terminals.csv";
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      link.click();
      URL.revokeObjectURL(link.href);
      setState("idle");
    } catch {
      setState("failed");
    }
  };
  return (
    <>
      <Button variant="outline" size="sm" disabled={state === "pending"} onClick={() => void download()}>
        <DownloadIcon aria-hidden />
        {t("export")}
      </Button>
      {state === "failed" && (
        <p role="alert" className="basis-full text-sm text-destructive">
          {t("exportFailed")}
        </p>
      )}
    </>
  );
}

/**
 * Adds the selection to a draft or scheduled notice's audience (admins compose notices); the notice
 * keeps the list, and its composer shows how many terminals it holds.
 */
function AddToNoticeDialog({ selection, target, tooManyRows }: { selection: BulkSelection; target: string; tooManyRows: boolean }) {
  const t = useTranslations("bulk");
  const te = useTranslations("errors");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [noticeId, setNoticeId] = useState("");
  const notices = useQuery({ ...trpc.notices.editableList.queryOptions({}), enabled: open });
  const queryClient = useQueryClient();
  // The notice's list, counts and preview changed: its pages and this dialog's options read them again.
  const add = useMutation(trpc.notices.addTerminals.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.notices.pathFilter()) }));
  const chosen = notices.data?.find((n) => n.id === noticeId);
  if (tooManyRows) return null;
  return (
    <>
      <FormDialog
        trigger={
          <Button size="sm" variant="outline">
            <MegaphoneIcon aria-hidden />
            {t("addToNotice")}
          </Button>
        }
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          // A new try starts clean; closing keeps the outcome shown under the bar.
          if (next) add.reset();
        }}
        title={t("addToNoticeTitle", { target })}
        description={t("addToNoticeHint")}
        submitLabel={t("addToNotice")}
        submitDisabled={!chosen || chosen.refusal !== null}
        onSubmit={async () => {
          await add.mutateAsync({ noticeId, selection });
          setOpen(false);
        }}
        error={add.error}
        pending={add.isPending}
      >
        {notices.data?.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            {t("noEditableNotices")}{" "}
            <Link className="text-primary hover:underline" href="/notices/new">
              {t("composeNotice")}
            </Link>
          </p>
        ) : (
          <ControlledSelect name="noticeId" label={t("notice")} error={add.error} value={noticeId} onChange={setNoticeId}>
            <option value="">{tc("choose")}</option>
            {notices.data?.map((notice) => (
              <option key={notice.id} value={notice.id} disabled={notice.refusal !== null}>
                {t("noticeOption", { title: notice.title, status: notice.status, terminals: notice.terminals })}
              </option>
            ))}
          </ControlledSelect>
        )}
        {chosen?.refusal && <p className="text-sm text-destructive">{te(chosen.refusal)}</p>}
      </FormDialog>
      {add.data && (
        <p role="status" className="basis-full text-sm">
          {t("addedToNotice", { added: add.data.added, total: add.data.total })}{" "}
          <Link className="text-primary hover:underline" href={`/notices/${noticeId}`}>
            {t("openNotice")}
          </Link>
        </p>
      )}
    </>
  );
}

interface DialogProps {
  target: string;
  error: unknown;
  pending: boolean;
  onOpenChange: () => void;
}

function CommandDialog({ kinds, run, target, ...dialog }: DialogProps & { kinds: readonly CommandType[]; run: (action: BulkAction) => Promise<unknown> }) {
  const t = useTranslations("bulk");
  const tc = useTranslations("commands");
  const [type, setType] = useState<CommandType>(kinds[0]!);
  return (
    <FormDialog
      trigger={<Button size="sm">{t("sendCommand")}</Button>}
      title={t("commandTitle", { target })}
      description={t(`commandConfirm.${type}`)}
      submitLabel={tc(`types.${type}`)}
      onSubmit={(form) => run({ kind: "command", params: type === "lock" ? { type, params: { message: formText(form, "params.params.message") } } : { type, params: {} } })}
      {...dialog}
    >
      <ControlledSelect name="params.type" label={tc("type")} error={dialog.error} value={type} onChange={(value) => setType(value as CommandType)}>
        {kinds.map((kind) => (
          <option key={kind} value={kind}>
            {tc(`types.${kind}`)}
          </option>
        ))}
      </ControlledSelect>
      {type === "lock" && (
        <Field name="params.params.message" label={tc("lockMessage")} error={dialog.error} placeholder={tc("lockMessagePlaceholder")} maxLength={LOCK_MESSAGE_MAX} required autoComplete="off" />
      )}
    </FormDialog>
  );
}

function MoveDialog({ run, target, ...dialog }: DialogProps & { run: (storeId: string) => Promise<unknown> }) {
  const t = useTranslations("bulk");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const { data: options } = useQuery(trpc.terminals.filterOptions.queryOptions());
  const [storeId, setStoreId] = useState("");
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {t("moveToStore")}
        </Button>
      }
      title={t("moveTitle", { target })}
      description={t("moveHint")}
      submitLabel={t("moveToStore")}
      submitDisabled={!storeId}
      onSubmit={() => run(storeId)}
      {...dialog}
    >
      <ControlledSelect name="params.storeId" label={t("store")} error={dialog.error} value={storeId} onChange={setStoreId}>
        <option value="">{tc("choose")}</option>
        {options?.merchants.map((merchant) => (
          <optgroup key={merchant.id} label={merchant.name}>
            {options.stores
              .filter((s) => s.merchantId === merchant.id)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
          </optgroup>
        ))}
      </ControlledSelect>
    </FormDialog>
  );
}

/** A labelled select whose value the dialog reads while it is open (Field's select is uncontrolled). */
function ControlledSelect({
  name,
  label,
  error,
  value,
  onChange,
  children,
}: {
  name: string;
  label: string;
  error: unknown;
  value: string;
  onChange: (value: string) => void;
  children: React.ReactNode;
}) {
  const id = `field-${name}`;
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Select id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)} {...invalidProps(error, name)}>
        {children}
      </Select>
      <FieldError error={error} field={name} />
    </div>
  );
}

function StatusDialog({ status, run, target, ...dialog }: DialogProps & { status: "suspended" | "active"; run: (reason: string | undefined) => Promise<unknown> }) {
  const t = useTranslations("bulk");
  const tt = useTranslations("terminal");
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant={status === "suspended" ? "destructive" : "outline"}>
          {t(`status.${status}`)}
        </Button>
      }
      title={t("statusTitle", { action: t(`status.${status}`), target })}
      description={t(`statusConfirm.${status}`)}
      submitLabel={t(`status.${status}`)}
      onSubmit={(form) => run(formText(form, "params.reason") || undefined)}
      {...dialog}
    >
      <Field name="params.reason" label={tt("reason")} error={dialog.error} maxLength={500} autoComplete="off" />
    </FormDialog>
  );
}

const jobVariant: Record<BulkJobStatus, "muted" | "default" | "success" | "warning"> = {
  queued: "muted",
  running: "default",
  done: "success",
  cancelled: "warning",
};

/**
 * A bulk job's progress, live: polled every 1.5 s while it runs. It can be cancelled while it
 * runs; when it ends the terminal list refetches, since statuses, stores or commands changed.
 */
export function BulkProgress({ jobId, role, onDismiss }: { jobId: string; role: UserRole; onDismiss: () => void }) {
  const t = useTranslations("bulk");
  const tc = useTranslations("common");
  const tl = useTranslations("list");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({ ...trpc.bulk.get.queryOptions({ id: jobId }), refetchInterval: (query) => (isBulkJobOpen(query.state.data?.status) ? 1500 : false) });
  const cancel = useMutation(trpc.bulk.cancel.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.bulk.pathFilter()) }));
  const status = job.data?.status;
  const finished = status !== undefined && !isBulkJobOpen(status);
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries(trpc.terminals.pathFilter());
  }, [finished, queryClient, trpc]);

  const data = job.data;
  const tcmd = useTranslations("commands");
  const actionLabel = (job: NonNullable<typeof data>) => {
    const params = job.params as { type?: CommandType; status?: "suspended" | "active" };
    if (job.kind === "command") return tcmd(`types.${params.type!}`);
    return job.kind === "set_status" ? t(`status.${params.status!}`) : t("moveToStore");
  };
  const processed = data ? data.done + data.skipped + data.failed : 0;
  const skippedReasons = Object.entries(data?.skippedReasons ?? {}).filter(([, count]) => count > 0);
  return (
    <section className="space-y-3 rounded-xl border bg-card p-3" aria-labelledby={`bulk-${jobId}`} data-testid="bulk-progress">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`bulk-${jobId}`} className="flex items-center gap-2 font-medium">
          {data ? t("progressOf", { action: actionLabel(data) }) : t("progressTitle")}
          {data && <Badge variant={jobVariant[data.status]}>{t(`jobStatus.${data.status}`)}</Badge>}
        </h2>
        <div className="flex flex-wrap items-center gap-2">
          {role === "admin" && (
            <Link className="text-sm text-primary hover:underline" href={`/audit?entityType=bulk_job&entityId=${encodeURIComponent(jobId)}`}>
              {t("auditLink")}
            </Link>
          )}
          {data && isBulkJobOpen(data.status) ? (
            <Button size="sm" variant="outline" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: jobId })}>
              {t("cancel")}
            </Button>
          ) : (
            <Button size="sm" variant="ghost" onClick={onDismiss}>
              {tc("close")}
            </Button>
          )}
        </div>
      </div>
      {job.error ? (
        <div role="alert" className="flex flex-wrap items-center gap-3 text-sm">
          <span>{t("loadError")}</span>
          <Button size="sm" variant="outline" onClick={() => void job.refetch()}>
            {tl("retry")}
          </Button>
        </div>
      ) : !data ? (
        <p className="text-sm text-muted-foreground" role="status">
          {t("starting")}
        </p>
      ) : (
        <>
          <div className="h-2 overflow-hidden rounded-full bg-muted" role="progressbar" aria-label={t("progressTitle")} aria-valuemin={0} aria-valuemax={data.total} aria-valuenow={processed}>
            <div className="h-full bg-primary transition-[width]" style={{ width: `${data.total ? (100 * processed) / data.total : 100}%` }} />
          </div>
          {/* One live line, so a screen reader hears the counts as they move, not every number separately. */}
          <p className="text-sm tabular-nums" role="status" aria-live="polite" data-testid="bulk-counts">
            {t("counts", { done: data.done, skipped: data.skipped, failed: data.failed, total: data.total })}
          </p>
          {skippedReasons.length > 0 && (
            <ul className="space-y-0.5 text-sm text-muted-foreground" aria-label={t("skippedReasons")}>
              {skippedReasons.map(([reason, count]) => (
                <li key={reason}>{t("skippedReason", { reason: t.has(`skipReasons.${reason}`) ? t(`skipReasons.${reason}`) : reason, count })}</li>
              ))}
            </ul>
          )}
          <FormError error={cancel.error} />
        </>
      )}
    </section>
  );
}
