import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { and, count, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { createTranslator, type AbstractIntlMessages } from "next-intl";
import type { Db } from "@/db/client";
import { merchants, webhookDeliveries, webhooks } from "@/db/schema";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { consoleUrl } from "../email/links";
import { webhookPrivateAddresses } from "../env";
import { AppError, notFound } from "../errors";
import { localeOf, type Locale } from "../locales";
import { claimDueMessages } from "../outbox";
import type { AuditAction } from "../schemas/audit";
import type { WebhookCreateInput, WebhookDeliveriesInput, WebhookListInput, WebhookUpdateInput } from "../schemas/webhooks";
import { inScope, type Scope } from "../scope";
import { seal, unseal } from "../sealing";
import { changedFields, recordAudit, systemActor, type AuditActor, type AuditEntry } from "./audit";
import { isPrivateAddress } from "./network-address-rules";

/** The JSON body of a delivery, as shared/DESIGN.md "Alerts and outgoing webhooks" fixes it. */
export interface WebhookEvent {
  id: string;
  type: string;
  severity: string;
  occurredAt: string;
  merchant: { id: string; name: string } | null;
  store: { id: string; name: string } | null;
  terminal: { serialNumber: string } | null;
  message: string;
  url: string;
}

/**
 * Queues the event for every enabled webhook of its owner (the fleet's for an admin's rule, a
 * merchant's for that merchant's own), inside the caller's transaction. The body is fixed here,
 * so every try sends and signs the very same bytes.
 */
export async function queueWebhookDeliveries(tx: Db, owner: { merchantId: string | null }, event: WebhookEvent, alertId: string | null, now: Date): Promise<number> {
  const targets = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.enabled, true), owner.merchantId ? eq(webhooks.merchantId, owner.merchantId) : isNull(webhooks.merchantId)));
  if (targets.length === 0) return 0;
  const body = JSON.stringify(event);
  await tx.insert(webhookDeliveries).values(targets.map((w) => ({ webhookId: w.id, alertId, event: event.type, body, createdAt: now, nextAttemptAt: now })));
  return targets.length;
}

// ---------------------------------------------------------------- registration

// The signing secret rests sealed (server/sealing.ts): a copy of the database alone cannot forge deliveries.
const SEALED_AS = "webhook-secret";
/** Why a delivery to a webhook turned off was not sent, in its log. */
const DISABLED_ERROR = "webhook disabled";

/** Shown once, when created or rotated; receivers use the whole string, prefix included, as the HMAC key. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

const audit = (action: AuditAction, webhook: { id: string; merchantId: string | null }, changes: Record<string, unknown> = {}): AuditEntry => ({
  action,
  entityType: "webhook",
  entityId: webhook.id,
  merchantId: webhook.merchantId,
  changes,
});

// Every column but the secret, which never leaves this file after it is shown once.
const publicColumns = {
  id: webhooks.id,
  merchantId: webhooks.merchantId,
  url: webhooks.url,
  description: webhooks.description,
  enabled: webhooks.enabled,
  createdAt: webhooks.createdAt,
};

/** A fleet webhook (no merchant) is an admin's; a merchant's is seen by whoever sees that merchant. */
const webhookInScope = (scope: Scope): SQL => inScope(webhooks.merchantId, scope);

// ---------------------------------------------------------------- addresses

/** The URL's host as the resolver takes it: an IPv6 literal is bracketed in a URL and bare here. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * The addresses a webhook's host resolves to now, and the first of them inside the network when
 * WEBHOOK_PRIVATE_ADDRESSES=deny refuses those. Every address counts, not only the one a
 * connection would try first.
 */
async function resolveWebhookHost(url: URL): Promise<{ addresses: LookupAddress[]; refused: LookupAddress | undefined }> {
  // An IP literal resolves to itself.
  const addresses = await lookup(hostOf(url), { all: true });
  const refused = webhookPrivateAddresses() === "deny" ? addresses.find((a) => isPrivateAddress(a.address)) : undefined;
  return { addresses, refused };
}

/** A new or changed address is refused at once if deliveries to it would be (checked again before each send, as names move). */
async function assertAllowedUrl(url: string) {
  if (webhookPrivateAddresses() === "allow") return;
  const parsed = new URL(url);
  const host = parsed.hostname;
  let refused: LookupAddress | undefined;
  try {
    ({ refused } = await resolveWebhookHost(parsed));
  } catch {
    throw new AppError("invalid", "webhookHostUnresolved", { host }, { field: "url" });
  }
  if (refused) throw new AppError("invalid", "webhookAddressPrivate", { host, address: refused.address }, { field: "url" });
}

/** The webhook, locked for the change; one outside the caller's scope is as if it did not exist. */
async function webhookForChange(tx: Db, scope: Scope, id: string) {
  const [row] = await tx
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), webhookInScope(scope)))
    .for("update");
  if (!row) throw notFound("webhook");
  return row;
}

/**
 * Whose webhook a new one is. An admin chooses (none: the fleet's); a merchant owner's is their
 * merchant's, and naming another merchant finds nothing, as everywhere outside one's scope.
 */
async function ownerOfNew(db: Db, scope: Scope, merchantId: string | null): Promise<string | null> {
  // A merchant owner need not name their merchant.
  const chosen = merchantId ?? (scope.kind === "merchants" && scope.merchantIds.length === 1 ? scope.merchantIds[0]! : null);
  const refused = new AppError("not_found", "merchantNotFound", {}, { field: "merchantId" });
  if (chosen === null) {
    if (scope.kind === "all") return null;
    throw refused;
  }
  const [merchant] = await db
    .select({ id: merchants.id })
    .from(merchants)
    .where(and(eq(merchants.id, chosen), inScope(merchants.id, scope)));
  if (!merchant) throw refused;
  return merchant.id;
}

export async function createWebhook(db: Db, actor: AuditActor, scope: Scope, input: WebhookCreateInput, now: Date = new Date()) {
  const merchantId = await ownerOfNew(db, scope, input.merchantId);
  await assertAllowedUrl(input.url);
  const secret = newSecret();
  return db.transaction(async (tx) => {
    const [webhook] = await tx
      .insert(webhooks)
      .values({ merchantId, url: input.url, description: input.description, secret: seal(SEALED_AS, secret), createdBy: actor.id, createdAt: now })
      .returning(publicColumns);
    await recordAudit(tx, actor, audit("webhook.created", webhook!, { url: input.url, description: input.description, merchantId }));
    return { webhook: webhook!, secret };
  });
}

export async function updateWebhook(db: Db, actor: AuditActor, scope: Scope, input: WebhookUpdateInput) {
  // Resolved before the transaction, so no lock waits on the network.
  if (input.url !== undefined) await assertAllowedUrl(input.url);
  return db.transaction(async (tx) => {
    const before = await webhookForChange(tx, scope, input.id);
    const { id, ...fields } = input;
    const changes = changedFields(before, fields);
    if (Object.keys(changes).length === 0) return (await tx.select(publicColumns).from(webhooks).where(eq(webhooks.id, id)))[0]!;
    const [after] = await tx.update(webhooks).set(fields).where(eq(webhooks.id, id)).returning(publicColumns);
    // Turned off: what waits is not sent later out of the blue; it stays in the log, and can be sent again once back on.
    if (fields.enabled === false) {
      await tx
        .update(webhookDeliveries)
        .set({ status: "failed", lastError: DISABLED_ERROR })
        .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, "queued")));
    }
    await recordAudit(tx, actor, audit("webhook.updated", before, changes));
    return after!;
  });
}

/** Deletes the webhook; its deliveries go with it (the foreign key cascades). */
export async function deleteWebhook(db: Db, actor: AuditActor, scope: Scope, id: string) {
  return db.transaction(async (tx) => {
    const webhook = await webhookForChange(tx, scope, id);
    await tx.delete(webhooks).where(eq(webhooks.id, id));
    await recordAudit(tx, actor, audit("webhook.deleted", webhook, { url: webhook.url, description: webhook.description }));
    return { id };
  });
}

/** A new secret at once: deliveries from now on, and tries of queued ones, are signed with it. */
export async function rotateWebhookSecret(db: Db, actor: AuditActor, scope: Scope, id: string) {
  return db.transaction(async (tx) => {
    const webhook = await webhookForChange(tx, scope, id);
    const secret = newSecret();
    await tx
      .update(webhooks)
      .set({ secret: seal(SEALED_AS, secret) })
      .where(eq(webhooks.id, id));
    await recordAudit(tx, actor, audit("webhook.secret_rotated", webhook));
    return { id, secret };
  });
}

/** The caller's webhooks, each with its latest delivery's outcome; never their secrets. */
export async function listWebhooks(db: Db, scope: Scope, input: WebhookListInput) {
  const where = webhookInScope(scope);
  const items = await db
    .select({ ...publicColumns, merchantName: merchants.name })
    .from(webhooks)
    .leftJoin(merchants, eq(merchants.id, webhooks.merchantId))
    .where(where)
    .orderBy(desc(webhooks.createdAt), webhooks.id)
    .limit(input.pageSize)
    .offset((input.page - 1) * input.pageSize);
  const latest = items.length
    ? await db
        .selectDistinctOn([webhookDeliveries.webhookId], {
          webhookId: webhookDeliveries.webhookId,
          status: webhookDeliveries.status,
          responseStatus: webhookDeliveries.responseStatus,
          createdAt: webhookDeliveries.createdAt,
        })
        .from(webhookDeliveries)
        .where(
          inArray(
            webhookDeliveries.webhookId,
            items.map((w) => w.id),
          ),
        )
        .orderBy(webhookDeliveries.webhookId, desc(webhookDeliveries.createdAt))
    : [];
  const [total] = await db.select({ n: count() }).from(webhooks).where(where);
  return {
    items: items.map((w) => {
      const last = latest.find((d) => d.webhookId === w.id);
      return { ...w, lastDelivery: last ? { status: last.status, responseStatus: last.responseStatus, createdAt: last.createdAt } : null };
    }),
    total: total?.n ?? 0,
    page: input.page,
    pageSize: input.pageSize,
  };
}

/** One webhook's deliveries, newest first: what was sent, each try's outcome and the receiver's answer. */
export async function listDeliveries(db: Db, scope: Scope, input: WebhookDeliveriesInput) {
  const [webhook] = await db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.id, input.webhookId), webhookInScope(scope)));
  if (!webhook) throw notFound("webhook");
  const where = and(eq(webhookDeliveries.webhookId, input.webhookId), input.status ? eq(webhookDeliveries.status, input.status) : undefined);
  const items = await db
    .select({
      id: webhookDeliveries.id,
      event: webhookDeliveries.event,
      alertId: webhookDeliveries.alertId,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      responseStatus: webhookDeliveries.responseStatus,
      latencyMs: webhookDeliveries.latencyMs,
      lastError: webhookDeliveries.lastError,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .where(where)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(input.pageSize)
    .offset((input.page - 1) * input.pageSize);
  const [total] = await db.select({ n: count() }).from(webhookDeliveries).where(where);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** A webhook that is off receives nothing, so nothing is queued for it. */
function assertEnabled(webhook: { enabled: boolean }) {
  if (!webhook.enabled) throw new AppError("conflict", "webhookDisabled");
}

/**
 * Sends a delivery's very body again, as a new delivery with a delivery id of its own. A new row
 * rather than a reset keeps the first one's tries, answers and errors in the log, and a receiver
 * that deduplicates by X-PosFleet-Delivery takes the repeat, which is what was asked for.
 */
export async function sendDeliveryAgain(db: Db, actor: AuditActor, scope: Scope, deliveryId: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ original: webhookDeliveries, webhook: webhooks })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .where(and(eq(webhookDeliveries.id, deliveryId), webhookInScope(scope)));
    if (!found) throw notFound("webhookDelivery");
    const { original, webhook } = found;
    if (original.status === "queued") throw new AppError("conflict", "webhookDeliveryQueued");
    assertEnabled(webhook);
    const [repeat] = await tx
      .insert(webhookDeliveries)
      .values({ webhookId: webhook.id, alertId: original.alertId, event: original.event, body: original.body, createdAt: now, nextAttemptAt: now })
      .returning({ id: webhookDeliveries.id });
    await recordAudit(tx, actor, audit("webhook.delivery_resent", webhook, { deliveryId: original.id, newDeliveryId: repeat!.id, event: original.event }));
    return { id: repeat!.id };
  });
}

const testEventTexts: Record<Locale, AbstractIntlMessages> = { en: { webhooks: en.webhooks }, "zh-CN": { webhooks: zh.webhooks } };

/** The test event's sentence in the webhook owner's language, as alerts to that webhook are worded. */
function testEventMessage(locale: Locale): string {
  const t = createTranslator({ locale, messages: testEventTexts[locale], namespace: "webhooks" }) as unknown as (key: string) => string;
  return t("testEventMessage");
}

/** Queues an event of type `test`, so a receiver can be checked before any alert needs it. */
export async function sendTestEvent(db: Db, actor: AuditActor, scope: Scope, webhookId: string, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const webhook = await webhookForChange(tx, scope, webhookId);
    assertEnabled(webhook);
    const [merchant] = webhook.merchantId ? await tx.select({ id: merchants.id, name: merchants.name, language: merchants.language }).from(merchants).where(eq(merchants.id, webhook.merchantId)) : [];
    const event: WebhookEvent = {
      id: randomUUID(),
      type: "test",
      severity: "info",
      occurredAt: now.toISOString(),
      merchant: merchant ? { id: merchant.id, name: merchant.name } : null,
      store: null,
      terminal: null,
      // A merchant's webhook speaks the merchant's language; the fleet's, English.
      message: testEventMessage(localeOf(merchant?.language)),
      url: consoleUrl("/alerts/webhooks"),
    };
    const [delivery] = await tx
      .insert(webhookDeliveries)
      .values({ webhookId: webhook.id, event: event.type, body: JSON.stringify(event), createdAt: now, nextAttemptAt: now })
      .returning({ id: webhookDeliveries.id });
    await recordAudit(tx, actor, audit("webhook.test_sent", webhook, { deliveryId: delivery!.id }));
    return { id: delivery!.id };
  });
}

// ---------------------------------------------------------------- delivery

/**
 * Delays before the 2nd, 3rd, … try; after the last, the delivery has failed. Five tries over
 * about an hour ride out a receiver's restart or a short outage without piling up stale alerts.
 */
export const RETRY_DELAYS_SECONDS = [60, 300, 900, 2400];
const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** A receiver that has not answered by then counts as down. */
export const TIMEOUT_MS = 10_000;
/** A claimed batch is sent side by side, each try within TIMEOUT_MS: the lease leaves ample room. */
export const CLAIM_SECONDS = 60;
const CLAIM_BATCH = 10;
const USER_AGENT = "PosFleet-Webhooks/1.0";

/** `sha256=<hex HMAC-SHA256 of the raw body under the secret>`, the X-PosFleet-Signature header. */
export const webhookSignature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

type ClaimedDelivery = { id: string; webhook_id: string; event: string; body: string; attempts: number };

/** Only while the delivery is still this try's: a claim that outlived its lease was taken over. */
const ownClaim = (d: ClaimedDelivery) => and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.status, "queued"), eq(webhookDeliveries.attempts, d.attempts));

/** What went wrong, in a line for the log: a timeout, or the network's reason (refused, not found). */
function failureOf(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : String(error);
  // Node's own messages mostly name their code already ("connect ECONNREFUSED 127.0.0.1:9").
  return typeof code === "string" && !text.includes(code) ? `${code}: ${text}` : text;
}

/** One try's request: where, what, and the addresses the host was resolved (and checked) to. */
export interface WebhookRequest {
  url: URL;
  addresses: LookupAddress[];
  headers: Record<string, string>;
  body: string;
}
/** Sends a request and answers the receiver's status; tests stand in for the network with one. */
export type WebhookSender = (request: WebhookRequest) => Promise<number>;

/**
 * POSTs to the addresses that were resolved and checked for this try rather than resolving the name
 * again, so a name that moves to an address inside the network between the check and the
 * connection (DNS rebinding) is not followed. TLS still checks the certificate against the name.
 */
export const postToResolvedAddresses: WebhookSender = ({ url, addresses, headers, body }) => {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body, "utf8")) },
        // With happy eyeballs (Node's default) the socket asks for all addresses, else for one.
        lookup: (_host, options, callback) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
        // A connection of its own: a pooled one would skip the lookup above.
        agent: false,
        signal,
      },
      (response) => {
        // The answer's body is not read: a merchant must not learn what an address inside the network answers.
        response.destroy();
        // A redirect is no success either: the receiver's address has changed, and someone should update it.
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", (error) => reject(signal.aborted ? signal.reason : error));
    request.end(body);
  });
};

/**
 * Sends the deliveries that are due. Each is claimed with FOR UPDATE SKIP LOCKED, so several
 * instances never send one twice, and one whose instance died is tried again after its lease. Any
 * 2xx is success; anything else is retried with back-off, and the fifth failure is final.
 */
export async function deliverDueWebhooks(db: Db, now: Date = new Date(), send: WebhookSender = postToResolvedAddresses): Promise<{ sent: number; retried: number; failed: number }> {
  const total = { sent: 0, retried: 0, failed: 0 };
  // Each claim's clock moves on from the run's by the time that really passed, so a later claim in a
  // long backlog gets a whole lease (and an injected clock stays consistent).
  const started = performance.now();
  const current = () => new Date(now.getTime() + performance.now() - started);
  // A few at a time until nothing due is left, so a backlog never starves new deliveries.
  for (;;) {
    const claimedAt = current();
    const claimed = await claimDueMessages<ClaimedDelivery>(db, "webhook_deliveries", sql`id, webhook_id, event, body, attempts`, claimedAt, { leaseSeconds: CLAIM_SECONDS, limit: CLAIM_BATCH });
    if (claimed.length === 0) return total;
    const targets = await db
      .select({ id: webhooks.id, merchantId: webhooks.merchantId, url: webhooks.url, secret: webhooks.secret, enabled: webhooks.enabled })
      .from(webhooks)
      .where(
        inArray(
          webhooks.id,
          claimed.map((d) => d.webhook_id),
        ),
      );
    const outcomes = await Promise.all(
      claimed.map((delivery) =>
        deliver(
          db,
          delivery,
          targets.find((w) => w.id === delivery.webhook_id),
          claimedAt,
          send,
        ),
      ),
    );
    for (const outcome of outcomes) if (outcome) total[outcome]++;
    if (claimed.length < CLAIM_BATCH) return total;
  }
}

type Target = { id: string; merchantId: string | null; url: string; secret: string; enabled: boolean };

type Attempt = { responseStatus: number | null; latencyMs: number | null; failure: string | null };

/**
 * One try: the host is resolved (and checked) again now, as a name may have moved since the webhook
 * was saved. The latency is the request's; a try that sent none has none.
 */
async function attempt(webhook: Target, delivery: ClaimedDelivery, send: WebhookSender): Promise<Attempt> {
  const url = new URL(webhook.url);
  let resolved: Awaited<ReturnType<typeof resolveWebhookHost>>;
  try {
    resolved = await resolveWebhookHost(url);
  } catch (error) {
    return { responseStatus: null, latencyMs: null, failure: failureOf(error) };
  }
  const { addresses, refused } = resolved;
  if (refused) {
    const where = refused.address === hostOf(url) ? refused.address : `${url.hostname} resolves to ${refused.address}, which`;
    return { responseStatus: null, latencyMs: null, failure: `not sent: ${where} is inside the network (WEBHOOK_PRIVATE_ADDRESSES=deny)` };
  }
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const responseStatus = await send({
      url,
      addresses,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-PosFleet-Event": delivery.event,
        "X-PosFleet-Delivery": delivery.id,
        "X-PosFleet-Signature": webhookSignature(unseal(SEALED_AS, webhook.secret), delivery.body),
      },
      body: delivery.body,
    });
    return { responseStatus, latencyMs: latency(), failure: responseStatus >= 200 && responseStatus <= 299 ? null : `HTTP ${responseStatus}` };
  } catch (error) {
    return { responseStatus: null, latencyMs: latency(), failure: failureOf(error) };
  }
}

async function deliver(db: Db, delivery: ClaimedDelivery, webhook: Target | undefined, now: Date, send: WebhookSender): Promise<"sent" | "retried" | "failed" | null> {
  // Deleted meanwhile: its deliveries went with it. Disabled meanwhile: not sent.
  if (!webhook) return null;
  if (!webhook.enabled) {
    const own = await db.update(webhookDeliveries).set({ status: "failed", lastError: DISABLED_ERROR }).where(ownClaim(delivery)).returning({ id: webhookDeliveries.id });
    return own.length ? "failed" : null;
  }
  const { responseStatus, latencyMs, failure } = await attempt(webhook, delivery, send);
  const outcome = failure === null ? "sent" : delivery.attempts >= MAX_ATTEMPTS ? "failed" : "retried";
  const change =
    outcome === "sent"
      ? { status: "sent" as const, lastError: null, deliveredAt: now }
      : outcome === "failed"
        ? { status: "failed" as const, lastError: failure }
        : { nextAttemptAt: new Date(now.getTime() + RETRY_DELAYS_SECONDS[delivery.attempts - 1]! * 1000), lastError: failure };
  return db.transaction(async (tx) => {
    const [own] = await tx
      .update(webhookDeliveries)
      .set({ ...change, responseStatus, latencyMs })
      .where(ownClaim(delivery))
      .returning({ id: webhookDeliveries.id });
    // Taken over after the lease: the instance that holds the delivery now records its outcome.
    if (!own) return null;
    // Given up: worth a line in the audit log, where someone looking for a missed alert finds why.
    if (outcome === "failed")
      await recordAudit(tx, systemActor, audit("webhook.delivery_failed", webhook, { deliveryId: delivery.id, event: delivery.event, attempts: delivery.attempts, error: failure }));
    return outcome;
  });
}
