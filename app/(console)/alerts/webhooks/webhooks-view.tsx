"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { CheckIcon, CopyIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { outboxStatuses, type OutboxStatus, type UserRole } from "@/db/schema/values";
import { webhooksPageInput, webhooksPageQueries } from "@/server/schemas/webhooks";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { CardWithList, DataList, type Column } from "@/app/_components/data-list";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { FilterSelect } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/app/_components/ui/dialog";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams } from "@/app/_lib/use-list-params";

type Webhook = { id: string; url: string; description: string; enabled: boolean; merchantId: string | null };
/** A secret to show once: right after the webhook is created or its secret replaced. */
type Revealed = { url: string; secret: string };

const statusVariant: Record<OutboxStatus, "muted" | "success" | "danger"> = { queued: "muted", sent: "success", failed: "danger" };

function DeliveryStatus({ status }: { status: OutboxStatus }) {
  const t = useTranslations("webhooks.status");
  return <Badge variant={statusVariant[status]}>{t(status)}</Badge>;
}

function useWebhookMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathFilter().queryKey });
  return {
    create: useMutation(trpc.webhooks.create.mutationOptions({ onSuccess })),
    update: useMutation(trpc.webhooks.update.mutationOptions({ onSuccess })),
    remove: useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess })),
    rotateSecret: useMutation(trpc.webhooks.rotateSecret.mutationOptions({ onSuccess })),
    sendTest: useMutation(trpc.webhooks.sendTest.mutationOptions({ onSuccess })),
    sendAgain: useMutation(trpc.webhooks.sendAgain.mutationOptions({ onSuccess })),
  };
}

export function WebhooksView({ role }: { role: UserRole }) {
  const t = useTranslations("webhooks");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const list = useListParams(webhooksPageInput);
  const { input, update } = list;
  const queries = webhooksPageQueries(input);
  const { data } = useSuspenseQuery(trpc.webhooks.list.queryOptions(queries.list));
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  // Opening a log keeps the list where it is.
  const openLog = (id: string | undefined) => update({ webhook: id, status: undefined, logPage: undefined, page: input.page });

  const columns: Column<(typeof data.items)[number]>[] = [
    {
      id: "url",
      header: t("url"),
      cell: (w) => (
        <div className="min-w-0">
          <p className="font-medium break-all">{w.url}</p>
          {w.description && <p className="text-xs text-muted-foreground">{w.description}</p>}
        </div>
      ),
      card: "title",
      className: "whitespace-normal",
    },
    { id: "state", header: t("state"), cell: (w) => (w.enabled ? <Badge variant="success">{t("enabled")}</Badge> : <Badge variant="muted">{t("disabled")}</Badge>), card: "status" },
    ...(role === "admin" ? [{ id: "owner", header: t("owner"), cell: (w: (typeof data.items)[number]) => w.merchantName ?? t("fleet") }] : []),
    {
      id: "last",
      header: t("lastDelivery"),
      cell: (w) =>
        w.lastDelivery ? (
          <span className="flex flex-wrap items-center gap-1.5">
            <DeliveryStatus status={w.lastDelivery.status} />
            {w.lastDelivery.responseStatus !== null && <span className="font-mono text-xs">{w.lastDelivery.responseStatus}</span>}
            <span className="text-xs text-muted-foreground">
              <RelativeTime date={w.lastDelivery.createdAt} />
            </span>
          </span>
        ) : (
          <span className="text-muted-foreground">{t("never")}</span>
        ),
    },
    {
      id: "actions",
      header: <span className="sr-only">{tc("actions")}</span>,
      cell: (w) => (
        <div className="flex flex-wrap gap-1.5">
          <Button size="sm" variant={input.webhook === w.id ? "default" : "outline"} onClick={() => openLog(input.webhook === w.id ? undefined : w.id)} aria-pressed={input.webhook === w.id}>
            {t("deliveries")}
          </Button>
          <WebhookDialog webhook={w} role={role} onCreated={setRevealed} />
          <SendTestButton webhook={w} />
          <RotateSecret webhook={w} onRotated={setRevealed} />
          <DeleteWebhook webhook={w} onDeleted={() => input.webhook === w.id && openLog(undefined)} />
        </div>
      ),
      card: "actions",
    },
  ];

  const selected = data.items.find((w) => w.id === input.webhook);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="space-y-1">
          <h1 className="text-xl font-semibold">{t("title")}</h1>
          <p className="max-w-2xl text-sm text-muted-foreground">{t(role === "admin" ? "introAdmin" : "introMerchant")}</p>
        </div>
        <WebhookDialog role={role} onCreated={setRevealed} />
      </div>
      <DataList
        columns={columns}
        rows={data.items}
        rowKey={(w) => w.id}
        rowLabel={(w) => w.url}
        rowTestId={(w) => `webhook-${w.id}`}
        params={list}
        paging={data}
        empty={{ title: t("empty"), hint: t("emptyHint") }}
        data-testid="webhooks"
      />
      {queries.deliveries && <DeliveryLog webhook={selected} />}
      <SecretDialog revealed={revealed} onClose={() => setRevealed(null)} />
    </div>
  );
}

/** Create (no webhook) or edit. A merchant owner's webhook is always their merchant's; an admin chooses. */
function WebhookDialog({ webhook, role, onCreated }: { webhook?: Webhook; role: UserRole; onCreated: (revealed: Revealed) => void }) {
  const t = useTranslations("webhooks");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const { create, update } = useWebhookMutations();
  const mutation = webhook ? update : create;
  const merchants = useQuery({ ...trpc.merchants.choices.queryOptions(), enabled: role === "admin" && !webhook });
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant={webhook ? "outline" : "default"}>
          {webhook ? tc("edit") : t("new")}
        </Button>
      }
      title={webhook ? t("edit") : t("new")}
      description={webhook ? undefined : t("newHint")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={async (form) => {
        const fields = { url: formText(form, "url"), description: formText(form, "description") };
        if (webhook) return update.mutateAsync({ id: webhook.id, ...fields, enabled: form.get("enabled") === "on" });
        const created = await create.mutateAsync({ ...fields, merchantId: formText(form, "merchantId") || null });
        onCreated({ url: created.webhook.url, secret: created.secret });
      }}
    >
      <Field name="url" label={t("url")} error={mutation.error} defaultValue={webhook?.url} type="url" inputMode="url" placeholder="https://example.com/posfleet" required />
      <Field name="description" label={t("description")} error={mutation.error} defaultValue={webhook?.description} maxLength={200} />
      {role === "admin" && !webhook && (
        <Field name="merchantId" label={t("owner")} error={mutation.error} defaultValue="">
          <option value="">{t("fleetOption")}</option>
          {(merchants.data ?? []).map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </Field>
      )}
      {webhook && (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="enabled" defaultChecked={webhook.enabled} />
          {t("enabledLabel")}
        </label>
      )}
    </FormDialog>
  );
}

/** The signing secret, once: it cannot be shown again, only replaced. */
function SecretDialog({ revealed, onClose }: { revealed: Revealed | null; onClose: () => void }) {
  const t = useTranslations("webhooks");
  const tc = useTranslations("common");
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open={revealed !== null}
      onOpenChange={(open) => {
        if (open) return;
        setCopied(false);
        onClose();
      }}
    >
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("secretTitle")}</DialogTitle>
          <DialogDescription>{t("secretHint", { url: revealed?.url ?? "" })}</DialogDescription>
        </DialogHeader>
        <div className="flex items-center gap-2">
          <code className="min-w-0 flex-1 rounded-md border bg-muted px-2 py-1.5 font-mono text-xs break-all select-all" data-testid="webhook-secret">
            {revealed?.secret}
          </code>
          <Button
            type="button"
            size="sm"
            variant="outline"
            onClick={async () => {
              // No clipboard outside a secure context (plain http): the secret stays selectable by hand.
              try {
                await navigator.clipboard.writeText(revealed?.secret ?? "");
                setCopied(true);
              } catch {
                setCopied(false);
              }
            }}
          >
            {copied ? <CheckIcon /> : <CopyIcon />}
            {copied ? t("copied") : t("copy")}
          </Button>
        </div>
        <DialogFooter>
          <Button type="button" onClick={onClose}>
            {t("secretDone")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function SendTestButton({ webhook }: { webhook: Webhook }) {
  const t = useTranslations("webhooks");
  const { sendTest } = useWebhookMutations();
  return (
    <ConfirmDialog
      label={t("sendTest")}
      description={t("sendTestConfirm", { url: webhook.url })}
      onConfirm={() => sendTest.mutateAsync({ id: webhook.id })}
      error={sendTest.error}
      pending={sendTest.isPending}
    />
  );
}

function RotateSecret({ webhook, onRotated }: { webhook: Webhook; onRotated: (revealed: Revealed) => void }) {
  const t = useTranslations("webhooks");
  const { rotateSecret } = useWebhookMutations();
  return (
    <ConfirmDialog
      label={t("rotateSecret")}
      description={t("rotateSecretConfirm", { url: webhook.url })}
      onConfirm={() => rotateSecret.mutateAsync({ id: webhook.id }).then(({ secret }) => onRotated({ url: webhook.url, secret }))}
      error={rotateSecret.error}
      pending={rotateSecret.isPending}
      variant="outline"
    />
  );
}

function DeleteWebhook({ webhook, onDeleted }: { webhook: Webhook; onDeleted: () => void }) {
  const t = useTranslations("webhooks");
  const { remove } = useWebhookMutations();
  return (
    <ConfirmDialog
      label={t("delete")}
      description={t("deleteConfirm", { url: webhook.url })}
      onConfirm={() => remove.mutateAsync({ id: webhook.id }).then(onDeleted)}
      error={remove.error}
      pending={remove.isPending}
      destructive
      variant="outline"
    />
  );
}

/** The open webhook's deliveries; refreshed while some wait, as the delivery job sends every 10 s. */
function DeliveryLog({ webhook }: { webhook: Webhook | undefined }) {
  const t = useTranslations("webhooks");
  const ts = useTranslations("webhooks.status");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const { input, update } = useListParams(webhooksPageInput);
  const query = webhooksPageQueries(input).deliveries!;
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions(query),
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === "queued") ? 5_000 : false),
  });
  const { sendAgain } = useWebhookMutations();
  const keepList = { page: input.page };
  const columns: Column<NonNullable<typeof deliveries.data>["items"][number]>[] = [
    { id: "event", header: t("event"), cell: (d) => <span className="font-mono text-xs">{d.event}</span>, card: "title" },
    { id: "status", header: t("statusHeader"), cell: (d) => <DeliveryStatus status={d.status} />, card: "status" },
    { id: "code", header: t("responseCode"), cell: (d) => (d.responseStatus === null ? "—" : <span className="font-mono">{d.responseStatus}</span>) },
    { id: "latency", header: t("latency"), cell: (d) => (d.latencyMs === null ? "—" : t("milliseconds", { ms: d.latencyMs })), className: "text-right tabular-nums" },
    { id: "attempts", header: t("attempts"), cell: (d) => d.attempts, className: "text-right tabular-nums" },
    { id: "created", header: t("created"), cell: (d) => <DateTime date={d.createdAt} /> },
    {
      id: "delivered",
      header: t("delivered"),
      cell: (d) =>
        d.status === "queued" && d.attempts > 0 ? (
          <span className="text-muted-foreground">
            {t("nextTry")} <RelativeTime date={d.nextAttemptAt} />
          </span>
        ) : (
          <DateTime date={d.deliveredAt} />
        ),
    },
    { id: "error", header: t("lastError"), cell: (d) => (d.lastError ? <span className="text-xs break-all text-red-700">{d.lastError}</span> : "—"), className: "max-w-64 whitespace-normal" },
    {
      id: "actions",
      header: <span className="sr-only">{tc("actions")}</span>,
      cell: (d) =>
        d.status !== "queued" && webhook?.enabled ? (
          <Button size="sm" variant="outline" disabled={sendAgain.isPending} onClick={() => sendAgain.mutate({ id: d.id })}>
            {t("sendAgain")}
          </Button>
        ) : null,
      card: "actions",
    },
  ];
  return (
    <div className="space-y-2">
      <CardWithList
        title={t("logTitle", { url: webhook?.url ?? "" })}
        description={t("logHint")}
        actions={
          <>
            <FilterSelect
              label={t("statusHeader")}
              allLabel={t("allStatuses")}
              value={input.status}
              options={outboxStatuses.map((s) => ({ value: s, label: ts(s) }))}
              onChange={(status) => update({ status, logPage: undefined, ...keepList })}
            />
            <Button size="sm" variant="ghost" onClick={() => update({ webhook: undefined, status: undefined, logPage: undefined, ...keepList })}>
              {tc("close")}
            </Button>
          </>
        }
        columns={columns}
        rows={deliveries.data?.items}
        rowKey={(d) => d.id}
        rowTestId={(d) => `delivery-${d.id}`}
        params={{
          input: {},
          update: (patch) => update({ ...keepList, ...(patch.page !== undefined && { logPage: patch.page }), ...(patch.pageSize !== undefined && { logPageSize: patch.pageSize }) }),
        }}
        paging={deliveries.data}
        error={deliveries.error}
        onRetry={() => void deliveries.refetch()}
        empty={{ title: t("noDeliveries"), hint: webhook?.enabled ? t("noDeliveriesHint") : undefined }}
        data-testid="webhook-deliveries"
      />
      <FormError error={sendAgain.error} />
    </div>
  );
}
