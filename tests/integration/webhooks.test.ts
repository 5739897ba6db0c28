import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { and, asc, count, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "@/db/client";
import { auditLog, merchants, webhookDeliveries, webhooks } from "@/db/schema";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { AppError } from "@/server/errors";
import { jobs } from "@/server/jobs";
import { claimDueMessages } from "@/server/outbox";
import type { Scope } from "@/server/scope";
import type { AuditActor } from "@/server/services/audit";
import {
  CLAIM_SECONDS,
  deliverDueWebhooks,
  postToResolvedAddresses,
  queueWebhookDeliveries,
  RETRY_DELAYS_SECONDS,
  sendDeliveryAgain,
  sendTestEvent,
  updateWebhook,
  type WebhookEvent,
  type WebhookSender,
} from "@/server/services/webhooks";
import { createTestDatabase, demoCallers, demoEmails, merchantNamed, viewerByEmail } from "../helpers/db";

let handle: DbHandle;
let db: Db;
let callers: Awaited<ReturnType<typeof demoCallers>>;
let admin: AuditActor;
const everything: Scope = { kind: "all" };

// ---------------------------------------------------------------- the receiver

/** A request as the receiver got it: the raw body bytes, the headers, and whether the signature held. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  verified: boolean;
}

let receiver: http.Server;
let base: string;
const received: Received[] = [];
/** The secret each path's webhook was given at creation, as its owner would configure the receiver. */
const secrets = new Map<string, string>();
/** Statuses a path answers in turn; 200 once they run out. */
const answers = new Map<string, number[]>();
/** Paths that answer only after this many milliseconds. */
const delays = new Map<string, number>();

/** What a receiver does (README "Webhooks"): HMAC-SHA256 over the raw bytes, compared in constant time. */
function signatureHolds(secret: string, rawBody: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`);
  const given = Buffer.from(String(header ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const requestsTo = (path: string) => received.filter((r) => r.path === path);

let hookCount = 0;
/** A webhook of the fleet at a new path of the receiver, created as the admin does, its secret kept for the receiver. */
async function fleetWebhook(statuses: number[] = []) {
  const path = `/hooks/${++hookCount}`;
  answers.set(path, statuses);
  const { webhook, secret } = await callers.admin.webhooks.create({ url: `${base}${path}`, description: `hook ${hookCount}` });
  secrets.set(path, secret);
  return { id: webhook.id, path };
}

const deliveriesOf = (webhookId: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id));

// Each test runs on its own day, later than the last, so nothing one leaves due is due in another's past.
let day = 0;
const newDay = () => new Date(Date.UTC(2031, 0, 1) + ++day * 86_400_000);
const after = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000);

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.db;
  callers = await demoCallers(db);
  const viewer = await viewerByEmail(db, demoEmails.admin);
  admin = { id: viewer.id, label: viewer.email, ip: null };
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "";
      const body = Buffer.concat(chunks);
      const verified = signatureHolds(secrets.get(path) ?? "", body, req.headers["x-posfleet-signature"]);
      received.push({ path, headers: req.headers, body, verified });
      const answer = () => res.writeHead(verified ? (answers.get(path)?.shift() ?? 200) : 401).end("ok");
      setTimeout(answer, delays.get(path) ?? 0);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await handle?.close();
});

// ---------------------------------------------------------------- delivery

describe("a delivery", () => {
  it("is a signed POST the receiver verifies from the raw body, with the contract's headers", async () => {
    const hook = await fleetWebhook();
    const now = newDay();
    const { id: deliveryId } = await sendTestEvent(db, admin, everything, hook.id, now);
    expect(await deliverDueWebhooks(db, now)).toMatchObject({ sent: 1 });

    const [request] = requestsTo(hook.path);
    expect(request?.verified).toBe(true);
    expect(request!.headers).toMatchObject({
      "content-type": "application/json",
      "x-posfleet-event": "test",
      "x-posfleet-delivery": deliveryId,
      "user-agent": expect.stringMatching(/^PosFleet-Webhooks\//),
    });
    const [stored] = await deliveriesOf(hook.id);
    // The exact bytes that were stored (and signed) arrived.
    expect(request!.body.toString("utf8")).toBe(stored!.body);
    expect(JSON.parse(stored!.body)).toEqual({
      id: expect.any(String),
      type: "test",
      severity: "info",
      occurredAt: now.toISOString(),
      merchant: null,
      store: null,
      terminal: null,
      // The fleet's webhook speaks English.
      message: en.webhooks.testEventMessage,
      url: expect.stringMatching(/\/alerts\/webhooks$/),
    });
    // The check can fail: another body, or another secret, does not verify.
    expect(signatureHolds(secrets.get(hook.path)!, Buffer.from(`${stored!.body} `), request!.headers["x-posfleet-signature"])).toBe(false);
    expect(signatureHolds("whsec_other", request!.body, request!.headers["x-posfleet-signature"])).toBe(false);
    expect(stored).toMatchObject({ status: "sent", attempts: 1, responseStatus: 200, lastError: null, deliveredAt: now });
    expect(stored!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("carries an alert's event to its owner's webhooks only, byte for byte", async () => {
    const bakery = await merchantNamed(db, "Other Bakery");
    const path = "/hooks/bakery";
    const { webhook, secret } = await callers.otherMerchant.webhooks.create({ url: `${base}${path}` });
    secrets.set(path, secret);
    const fleet = await fleetWebhook();
    const now = newDay();
    const event: WebhookEvent = {
      id: randomUUID(),
      type: "terminal_offline",
      severity: "warning",
      occurredAt: now.toISOString(),
      merchant: { id: bakery.id, name: "Other Bakery — 面包房" },
      store: null,
      terminal: { serialNumber: "BAKE-0001" },
      message: "BAKE-0001 has not checked in for more than 10 minutes.",
      url: "http://localhost:3000/alerts",
    };
    expect(await queueWebhookDeliveries(db, { merchantId: bakery.id }, event, null, now)).toBe(1);
    await deliverDueWebhooks(db, now);
    const [request] = requestsTo(path);
    expect(request?.verified).toBe(true);
    expect(request!.headers["x-posfleet-event"]).toBe("terminal_offline");
    expect(request!.body.equals(Buffer.from(JSON.stringify(event), "utf8"))).toBe(true);
    expect(requestsTo(fleet.path)).toHaveLength(0);
    expect((await deliveriesOf(webhook.id))[0]?.status).toBe("sent");
  });

  it("is retried after the back-off when the receiver fails, and recorded try by try", async () => {
    const hook = await fleetWebhook([500]);
    const now = newDay();
    await sendTestEvent(db, admin, everything, hook.id, now);

    expect(await deliverDueWebhooks(db, now)).toEqual({ sent: 0, retried: 1, failed: 0 });
    let [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: "queued", attempts: 1, responseStatus: 500, lastError: "HTTP 500", nextAttemptAt: after(now, RETRY_DELAYS_SECONDS[0]!) });
    expect(delivery!.latencyMs).toBeGreaterThanOrEqual(0);

    // Not before the back-off is over.
    await deliverDueWebhooks(db, after(now, RETRY_DELAYS_SECONDS[0]! - 1));
    expect(requestsTo(hook.path)).toHaveLength(1);

    expect(await deliverDueWebhooks(db, after(now, RETRY_DELAYS_SECONDS[0]!))).toEqual({ sent: 1, retried: 0, failed: 0 });
    [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: "sent", attempts: 2, responseStatus: 200, lastError: null, deliveredAt: after(now, RETRY_DELAYS_SECONDS[0]!) });
    const requests = requestsTo(hook.path);
    expect(requests.map((r) => r.verified)).toEqual([true, true]);
    // A try again is the same delivery: same id, same bytes.
    expect(requests[1]!.headers["x-posfleet-delivery"]).toBe(requests[0]!.headers["x-posfleet-delivery"]);
    expect(requests[1]!.body.equals(requests[0]!.body)).toBe(true);
  });

  it("fails after five tries over about an hour, and is then left alone", async () => {
    const hook = await fleetWebhook([503, 503, 503, 503, 503]);
    const start = newDay();
    await sendTestEvent(db, admin, everything, hook.id, start);
    let now = start;
    for (const delay of [0, ...RETRY_DELAYS_SECONDS]) {
      now = after(now, delay);
      await deliverDueWebhooks(db, now);
    }
    expect(requestsTo(hook.path)).toHaveLength(5);
    expect((now.getTime() - start.getTime()) / 60_000).toBeGreaterThanOrEqual(50);
    expect((now.getTime() - start.getTime()) / 60_000).toBeLessThanOrEqual(70);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: "failed", attempts: 5, responseStatus: 503, lastError: "HTTP 503", deliveredAt: null });

    await deliverDueWebhooks(db, after(now, 86_400));
    expect(requestsTo(hook.path)).toHaveLength(5);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, hook.id), eq(auditLog.action, "webhook.delivery_failed")));
    expect(entry?.changes).toMatchObject({ deliveryId: delivery!.id, attempts: 5, error: "HTTP 503" });
  });

  it("records a refused connection and a timeout as failed tries, without a status", async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { webhook } = await callers.admin.webhooks.create({ url: `http://127.0.0.1:${port}/gone` });
    const now = newDay();
    await sendTestEvent(db, admin, everything, webhook.id, now);
    await deliverDueWebhooks(db, now);
    let [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({ status: "queued", attempts: 1, responseStatus: null, lastError: expect.stringContaining("ECONNREFUSED") });
    expect(delivery!.latencyMs).toBeGreaterThanOrEqual(0);

    const timingOut: WebhookSender = () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    await deliverDueWebhooks(db, after(now, RETRY_DELAYS_SECONDS[0]!), timingOut);
    [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({ status: "queued", attempts: 2, responseStatus: null, lastError: "no answer within 10 s" });
    await callers.admin.webhooks.delete({ id: webhook.id });
  });

  it("goes out exactly once with three delivery runs at the same time", async () => {
    const hook = await fleetWebhook();
    const now = newDay();
    // More than one claim's batch, so the runs take turns.
    for (let i = 0; i < 23; i++) await sendTestEvent(db, admin, everything, hook.id, now);
    const runs = await Promise.all([deliverDueWebhooks(db, now), deliverDueWebhooks(db, now), deliverDueWebhooks(db, now)]);
    expect(runs.reduce((n, run) => n + run.sent, 0)).toBe(23);
    const requests = requestsTo(hook.path);
    expect(requests).toHaveLength(23);
    expect(new Set(requests.map((r) => r.headers["x-posfleet-delivery"])).size).toBe(23);
    expect((await deliveriesOf(hook.id)).every((d) => d.status === "sent" && d.attempts === 1)).toBe(true);
  });

  it("claims a later batch at the time that really passed, so its lease is whole", async () => {
    const hook = await fleetWebhook();
    delays.set(hook.path, 300);
    const now = newDay();
    // One more than a claim's batch: the last goes in a second claim, after the first batch's answers.
    for (let i = 0; i < 11; i++) await sendTestEvent(db, admin, everything, hook.id, now);
    expect(await deliverDueWebhooks(db, now)).toEqual({ sent: 11, retried: 0, failed: 0 });
    const deliveries = await deliveriesOf(hook.id);
    const late = deliveries.filter((d) => d.deliveredAt!.getTime() >= now.getTime() + 300);
    expect(late).toHaveLength(1);
    // Its lease ran from its own claim, not from the run's start.
    expect(late[0]!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 300 + CLAIM_SECONDS * 1000);
    expect(late[0]!.nextAttemptAt.getTime()).toBe(late[0]!.deliveredAt!.getTime() + CLAIM_SECONDS * 1000);
    expect(deliveries.filter((d) => d.deliveredAt!.getTime() < now.getTime() + 300)).toHaveLength(10);
  });

  it("reaches a host by name, at the address checked for the try", async () => {
    const path = "/hooks/by-name";
    const { webhook, secret } = await callers.admin.webhooks.create({ url: `${base.replace("127.0.0.1", "localhost")}${path}` });
    secrets.set(path, secret);
    const now = newDay();
    await sendTestEvent(db, admin, everything, webhook.id, now);
    expect(await deliverDueWebhooks(db, now)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(requestsTo(path).map((r) => r.verified)).toEqual([true]);

    // The connection goes to the addresses given, not to what the name resolves to (here: nothing).
    const port = new URL(base).port;
    const status = await postToResolvedAddresses({
      url: new URL(`http://receiver.invalid:${port}/hooks/pinned`),
      addresses: [{ address: "127.0.0.1", family: 4 }],
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    // Unsigned, so the receiver refuses it; but it did arrive.
    expect(status).toBe(401);
    expect(requestsTo("/hooks/pinned")).toHaveLength(1);
  });

  it("claimed by an instance that died is sent after the lease, and not before", async () => {
    const hook = await fleetWebhook();
    const now = newDay();
    const { id } = await sendTestEvent(db, admin, everything, hook.id, now);
    // The instance claims the delivery and dies before sending it.
    const claimed = await claimDueMessages<{ id: string }>(db, "webhook_deliveries", sql`id`, now, { leaseSeconds: CLAIM_SECONDS, limit: 100 });
    expect(claimed.map((c) => c.id)).toContain(id);

    await deliverDueWebhooks(db, after(now, CLAIM_SECONDS - 1));
    expect(requestsTo(hook.path)).toHaveLength(0);
    await deliverDueWebhooks(db, after(now, CLAIM_SECONDS));
    expect(requestsTo(hook.path)).toHaveLength(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("to a webhook turned off is not sent, and one deleted goes with its webhook", async () => {
    const hook = await fleetWebhook();
    const now = newDay();
    await sendTestEvent(db, admin, everything, hook.id, now);
    await updateWebhook(db, admin, everything, { id: hook.id, enabled: false });
    await deliverDueWebhooks(db, now);
    expect(requestsTo(hook.path)).toHaveLength(0);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: "failed", attempts: 0, lastError: "webhook disabled" });
    // Nor are alerts queued for it while it is off.
    expect(await queueWebhookDeliveries(db, { merchantId: null }, { ...testEvent(now), type: "tamper_failed" }, null, now)).toBeGreaterThan(0);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
    await deliverDueWebhooks(db, now);

    // Turned off after its delivery was claimed: the send finds it off.
    const other = await fleetWebhook();
    await sendTestEvent(db, admin, everything, other.id, after(now, 60));
    await claimDueMessages(db, "webhook_deliveries", sql`id`, after(now, 60), { leaseSeconds: CLAIM_SECONDS, limit: 100 });
    await db.update(webhooks).set({ enabled: false }).where(eq(webhooks.id, other.id));
    await deliverDueWebhooks(db, after(now, 60 + CLAIM_SECONDS));
    expect(requestsTo(other.path)).toHaveLength(0);

    await callers.admin.webhooks.delete({ id: hook.id });
    expect(await deliveriesOf(hook.id)).toHaveLength(0);
  });
});

const testEvent = (now: Date): WebhookEvent => ({
  id: randomUUID(),
  type: "test",
  severity: "info",
  occurredAt: now.toISOString(),
  merchant: null,
  store: null,
  terminal: null,
  message: "m",
  url: "http://localhost:3000/alerts",
});

describe("send again", () => {
  it("queues the same body as a new delivery, and keeps the first one's history", async () => {
    const hook = await fleetWebhook([500, 500, 500, 500, 500]);
    let now = newDay();
    await sendTestEvent(db, admin, everything, hook.id, now);
    for (const delay of [0, ...RETRY_DELAYS_SECONDS]) {
      now = after(now, delay);
      await deliverDueWebhooks(db, now);
    }
    const [failed] = await deliveriesOf(hook.id);
    expect(failed?.status).toBe("failed");

    const { id: repeatId } = await sendDeliveryAgain(db, admin, everything, failed!.id, after(now, 60));
    expect(repeatId).not.toBe(failed!.id);
    await deliverDueWebhooks(db, after(now, 60));
    const requests = requestsTo(hook.path);
    expect(requests).toHaveLength(6);
    expect(requests[5]).toMatchObject({ verified: true });
    expect(requests[5]!.headers["x-posfleet-delivery"]).toBe(repeatId);
    expect(requests[5]!.body.equals(requests[0]!.body)).toBe(true);
    const log = await callers.admin.webhooks.deliveries({ webhookId: hook.id });
    expect(log.total).toBe(2);
    expect(log.items.find((d) => d.id === failed!.id)).toMatchObject({ status: "failed", attempts: 5, responseStatus: 500 });
    expect(log.items.find((d) => d.id === repeatId)).toMatchObject({ status: "sent", attempts: 1, responseStatus: 200 });
    expect((await callers.admin.webhooks.list({})).items.find((w) => w.id === hook.id)?.lastDelivery).toMatchObject({ status: "sent", responseStatus: 200 });
  });

  it("refuses a delivery still queued, and one of a webhook turned off", async () => {
    const hook = await fleetWebhook();
    const now = newDay();
    const { id } = await sendTestEvent(db, admin, everything, hook.id, now);
    await expect(sendDeliveryAgain(db, admin, everything, id, now)).rejects.toMatchObject({ reason: "webhookDeliveryQueued" });
    await deliverDueWebhooks(db, now);
    await updateWebhook(db, admin, everything, { id: hook.id, enabled: false });
    await expect(callers.admin.webhooks.sendAgain({ id })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(callers.admin.webhooks.sendTest({ id: hook.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- registration and scope

async function code(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe("registering webhooks", () => {
  it("shows the secret once, keeps it sealed, and never lists it", async () => {
    const { webhook, secret } = await callers.admin.webhooks.create({ url: `${base}/hooks/sealed`, description: "Ops pager" });
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(webhook).not.toHaveProperty("secret");
    const [row] = await db.select().from(webhooks).where(eq(webhooks.id, webhook.id));
    expect(row!.secret).not.toContain(secret.slice(6));
    const list = await callers.admin.webhooks.list({});
    expect(list.items.find((w) => w.id === webhook.id)).toMatchObject({ url: `${base}/hooks/sealed`, description: "Ops pager", merchantId: null, enabled: true, lastDelivery: null });
    expect(JSON.stringify(list)).not.toContain("whsec_");
    expect(list.items.every((w) => !("secret" in w))).toBe(true);

    const [created] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, webhook.id), eq(auditLog.action, "webhook.created")));
    expect(JSON.stringify(created?.changes)).not.toContain("whsec_");
  });

  it("signs with the new secret once it is rotated", async () => {
    const hook = await fleetWebhook();
    const oldSecret = secrets.get(hook.path)!;
    const { secret } = await callers.admin.webhooks.rotateSecret({ id: hook.id });
    expect(secret).not.toBe(oldSecret);
    const now = newDay();
    await sendTestEvent(db, admin, everything, hook.id, now);
    secrets.set(hook.path, secret);
    await deliverDueWebhooks(db, now);
    const [request] = requestsTo(hook.path);
    expect(request?.verified).toBe(true);
    expect(signatureHolds(oldSecret, request!.body, request!.headers["x-posfleet-signature"])).toBe(false);
    expect(
      await db
        .select({ n: count() })
        .from(auditLog)
        .where(and(eq(auditLog.entityId, hook.id), eq(auditLog.action, "webhook.secret_rotated"))),
    ).toEqual([{ n: 1 }]);
  });

  it("takes only http(s) addresses, and changes nothing otherwise", async () => {
    const before = await db.select({ n: count() }).from(webhooks);
    for (const url of ["ftp://example.com/hook", "javascript:alert(1)", "not a url", `https://example.com/${"a".repeat(2000)}`]) {
      expect(await code(callers.admin.webhooks.create({ url })), url).toBe("BAD_REQUEST");
    }
    expect(await db.select({ n: count() }).from(webhooks)).toEqual(before);
    const hook = await fleetWebhook();
    expect(await code(callers.admin.webhooks.update({ id: hook.id, url: "file:///etc/passwd" }))).toBe("BAD_REQUEST");
    expect((await db.select().from(webhooks).where(eq(webhooks.id, hook.id)))[0]!.url).toBe(`${base}${hook.path}`);
  });

  it("edits, turns off and deletes, each in the audit log", async () => {
    const hook = await fleetWebhook();
    const updated = await callers.admin.webhooks.update({ id: hook.id, description: "Renamed", enabled: false });
    expect(updated).toMatchObject({ description: "Renamed", enabled: false });
    await callers.admin.webhooks.delete({ id: hook.id });
    expect(await db.select().from(webhooks).where(eq(webhooks.id, hook.id))).toEqual([]);
    const actions = await db.select({ action: auditLog.action, changes: auditLog.changes }).from(auditLog).where(eq(auditLog.entityId, hook.id)).orderBy(asc(auditLog.id));
    expect(actions.map((a) => a.action)).toEqual(["webhook.created", "webhook.updated", "webhook.deleted"]);
    expect(actions[1]!.changes).toEqual({ description: { from: `hook ${hookCount}`, to: "Renamed" }, enabled: { from: true, to: false } });
  });
});

describe("scope", () => {
  it("makes a merchant owner's webhook their merchant's, and refuses another merchant's", async () => {
    const demoCoffee = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const own = await callers.merchant.webhooks.create({ url: `${base}/hooks/coffee` });
    expect(own.webhook.merchantId).toBe(demoCoffee.id);
    const named = await callers.merchant.webhooks.create({ url: `${base}/hooks/coffee-2`, merchantId: demoCoffee.id });
    expect(named.webhook.merchantId).toBe(demoCoffee.id);

    const before = await db.select({ n: count() }).from(webhooks);
    expect(await code(callers.merchant.webhooks.create({ url: `${base}/hooks/theirs`, merchantId: bakery.id }))).toBe("NOT_FOUND");
    expect(await code(callers.technician.webhooks.create({ url: `${base}/hooks/tech` }))).toBe("FORBIDDEN");
    expect(await db.select({ n: count() }).from(webhooks)).toEqual(before);

    // An admin chooses: a merchant's, or the fleet's.
    const forBakery = await callers.admin.webhooks.create({ url: `${base}/hooks/for-bakery`, merchantId: bakery.id });
    expect(forBakery.webhook.merchantId).toBe(bakery.id);
    expect(await code(callers.admin.webhooks.create({ url: `${base}/hooks/nobody`, merchantId: randomUUID() }))).toBe("NOT_FOUND");
  });

  it("hides another merchant's webhooks and the fleet's from a merchant owner, as if they did not exist", async () => {
    const { webhook, secret } = await callers.merchant.webhooks.create({ url: `${base}/hooks/coffee-private` });
    secrets.set("/hooks/coffee-private", secret);
    const fleet = await fleetWebhook();
    const now = newDay();
    const { id: deliveryId } = await sendTestEvent(db, admin, everything, webhook.id, now);
    await deliverDueWebhooks(db, now);
    expect(requestsTo("/hooks/coffee-private").map((r) => r.verified)).toEqual([true]);

    const theirs = await callers.otherMerchant.webhooks.list({});
    expect(theirs.items.map((w) => w.id)).not.toContain(webhook.id);
    expect(theirs.items.map((w) => w.id)).not.toContain(fleet.id);
    const bakery = await merchantNamed(db, "Other Bakery");
    expect(theirs.items.length).toBeGreaterThan(0);
    expect(theirs.items.every((w) => w.merchantId === bakery.id)).toBe(true);
    const mine = await callers.merchant.webhooks.list({});
    expect(mine.items.map((w) => w.id)).toContain(webhook.id);
    expect(mine.items.map((w) => w.id)).not.toContain(fleet.id);

    const other = callers.otherMerchant.webhooks;
    expect(await code(other.update({ id: webhook.id, url: `${base}/hooks/stolen` }))).toBe("NOT_FOUND");
    expect(await code(other.delete({ id: webhook.id }))).toBe("NOT_FOUND");
    expect(await code(other.rotateSecret({ id: webhook.id }))).toBe("NOT_FOUND");
    expect(await code(other.deliveries({ webhookId: webhook.id }))).toBe("NOT_FOUND");
    expect(await code(other.sendTest({ id: webhook.id }))).toBe("NOT_FOUND");
    expect(await code(other.sendAgain({ id: deliveryId }))).toBe("NOT_FOUND");
    expect(await code(callers.merchant.webhooks.update({ id: fleet.id, enabled: false }))).toBe("NOT_FOUND");

    const [row] = await db.select().from(webhooks).where(eq(webhooks.id, webhook.id));
    expect(row).toMatchObject({ url: `${base}/hooks/coffee-private`, enabled: true });
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);
    // The owner may do each of these.
    expect((await callers.merchant.webhooks.deliveries({ webhookId: webhook.id })).items).toHaveLength(1);
    expect(await code(callers.merchant.webhooks.sendAgain({ id: deliveryId }))).toBe("ok");
  });
});

describe("the test event", () => {
  it("speaks the webhook owner's language: the merchant's, and English for the fleet's", async () => {
    const bakery = await merchantNamed(db, "Other Bakery");
    const { webhook } = await callers.otherMerchant.webhooks.create({ url: `${base}/hooks/bakery-language` });
    const messageOf = async (language: "en" | "zh-CN") => {
      await db.update(merchants).set({ language }).where(eq(merchants.id, bakery.id));
      const { id } = await sendTestEvent(db, admin, everything, webhook.id, newDay());
      const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      return JSON.parse(delivery!.body) as WebhookEvent;
    };
    expect(await messageOf("zh-CN")).toMatchObject({ merchant: { id: bakery.id, name: bakery.name }, message: zh.webhooks.testEventMessage });
    expect((await messageOf("en")).message).toBe(en.webhooks.testEventMessage);
    expect(zh.webhooks.testEventMessage).not.toBe(en.webhooks.testEventMessage);
    await db.update(merchants).set({ language: bakery.language }).where(eq(merchants.id, bakery.id));
    // Its queued deliveries go with it, so no later test finds them due.
    await callers.otherMerchant.webhooks.delete({ id: webhook.id });
  });
});

// ---------------------------------------------------------------- addresses inside the network

/** A service's refusal as the caller gets it: the tRPC code, and the reason and field the form shows. */
async function refusalOf(call: Promise<unknown>) {
  try {
    await call;
    return null;
  } catch (error) {
    if (error instanceof TRPCError && error.cause instanceof AppError) return { code: error.code, reason: error.cause.reason, field: error.cause.field, params: error.cause.params };
    throw error;
  }
}

describe("with WEBHOOK_PRIVATE_ADDRESSES=deny", () => {
  const configured = process.env.WEBHOOK_PRIVATE_ADDRESSES;
  const deny = () => {
    process.env.WEBHOOK_PRIVATE_ADDRESSES = "deny";
  };
  afterEach(() => {
    if (configured === undefined) delete process.env.WEBHOOK_PRIVATE_ADDRESSES;
    else process.env.WEBHOOK_PRIVATE_ADDRESSES = configured;
  });

  it("refuses an address inside the network, written out or by name, and changes nothing", async () => {
    const receiverPort = new URL(base).port;
    const hook = await fleetWebhook();
    deny();
    const before = await db.select({ n: count() }).from(webhooks);
    for (const url of [
      "http://127.0.0.1:5432/",
      `http://localhost:${receiverPort}/hooks/1`,
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.5/hook",
      "http://[::1]:8080/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://0.0.0.0:3000/",
      // The URL parser reads this as 127.0.0.1.
      "http://2130706433/",
    ]) {
      expect(await refusalOf(callers.admin.webhooks.create({ url })), url).toMatchObject({ code: "BAD_REQUEST", reason: "webhookAddressPrivate", field: "url" });
    }
    expect(await refusalOf(callers.admin.webhooks.create({ url: "http://169.254.169.254/latest/meta-data/" }))).toMatchObject({ params: { host: "169.254.169.254", address: "169.254.169.254" } });
    expect(await refusalOf(callers.merchant.webhooks.create({ url: "https://no-such-host.invalid/hook" }))).toMatchObject({
      code: "BAD_REQUEST",
      reason: "webhookHostUnresolved",
      field: "url",
      params: { host: "no-such-host.invalid" },
    });
    expect(await refusalOf(callers.admin.webhooks.update({ id: hook.id, url: "http://192.168.1.1/admin" }))).toMatchObject({ code: "BAD_REQUEST", reason: "webhookAddressPrivate", field: "url" });
    expect(await db.select({ n: count() }).from(webhooks)).toEqual(before);
    expect((await db.select().from(webhooks).where(eq(webhooks.id, hook.id)))[0]!.url).toBe(`${base}${hook.path}`);

    // An address on the internet is taken (an IP literal resolves to itself, without the network),
    // and a change that leaves the address alone needs no check.
    const { webhook: outside } = await callers.admin.webhooks.create({ url: "https://93.184.215.14/hook" });
    expect(outside.url).toBe("https://93.184.215.14/hook");
    expect(await callers.admin.webhooks.update({ id: hook.id, description: "still here" })).toMatchObject({ description: "still here" });
    await callers.admin.webhooks.delete({ id: outside.id });
  });

  it("does not send a queued delivery whose host now leads inside the network, and says why", async () => {
    const path = "/hooks/moved";
    const { webhook, secret } = await callers.admin.webhooks.create({ url: `${base.replace("127.0.0.1", "localhost")}${path}` });
    secrets.set(path, secret);
    const hook = await fleetWebhook();
    const now = newDay();
    await sendTestEvent(db, admin, everything, webhook.id, now);
    await sendTestEvent(db, admin, everything, hook.id, now);
    deny();
    const requestsBefore = received.length;
    // Nothing goes out at all (a delivery an earlier test left queued is held back too).
    expect(await deliverDueWebhooks(db, now)).toMatchObject({ sent: 0, failed: 0 });
    expect(received).toHaveLength(requestsBefore);
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({
      status: "queued",
      attempts: 1,
      responseStatus: null,
      latencyMs: null,
      lastError: expect.stringMatching(/^not sent: localhost resolves to (127\.0\.0\.1|::1), which is inside the network \(WEBHOOK_PRIVATE_ADDRESSES=deny\)$/),
    });

    // A literal address says so plainly.
    expect((await deliveriesOf(hook.id))[0]!.lastError).toBe("not sent: 127.0.0.1 is inside the network (WEBHOOK_PRIVATE_ADDRESSES=deny)");

    // The next try checks again: allowed once more, the very delivery goes out.
    process.env.WEBHOOK_PRIVATE_ADDRESSES = "allow";
    await deliverDueWebhooks(db, after(now, RETRY_DELAYS_SECONDS[0]!));
    expect(requestsTo(path).map((r) => r.headers["x-posfleet-delivery"])).toEqual([delivery!.id]);
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ status: "sent", attempts: 2, responseStatus: 200 });
    expect(requestsTo(hook.path)).toHaveLength(1);
  });
});

describe("the delivery job", () => {
  it("runs every 10 seconds", () => {
    expect(jobs.find((job) => job.name === "deliver-webhooks")?.everySeconds).toBe(10);
  });
});
