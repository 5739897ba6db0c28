import { createHash } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, rolloutPhases, rollouts, stores, terminalModels, terminals, updateJobs } from "@/db/schema";
import { firmwareDownloadEndpoint, heartbeatEndpoint, updateStatusEndpoint } from "@/server/device-api/endpoints";
import { handleDeviceRequest } from "@/server/device-api/http";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { processHeartbeat } from "@/server/services/heartbeat";
import { createRelease, setReleaseStatus, uploadReleaseImage } from "@/server/services/firmware";
import { advanceRollouts, cancelRollout, createRollout, exportRolloutJobsCsv, previewRollout, resumeRollout, SILENT_UPDATE_HOURS } from "@/server/services/rollouts";
import { rolloutCreateInput } from "@/server/schemas/firmware";
import { createTestDatabase, demoCallers } from "../helpers/db";
import { asFirmwareImage } from "../helpers/firmware-image";

let handle: DbHandle;
const actor = { id: null, label: "admin-test", ip: null };
// 02:30 in Shanghai (the demo stores' zone): inside the default 02:00–05:00 window.
const NIGHT = new Date("2026-06-10T18:30:00Z");
// 16:00 in Shanghai: trading hours.
const DAY = new Date("2026-06-10T08:00:00Z");
const image = asFirmwareImage(Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251)));
const imageSha = createHash("sha256").update(image).digest("hex");

const streamOf = (bytes: Buffer) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      // Several chunks, as an upload arrives.
      for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 65_536)));
      controller.close();
    },
  });

async function modelId(model: string) {
  const [row] = await handle.db.select().from(terminalModels).where(eq(terminalModels.model, model));
  return row!.id;
}

async function publishedRelease(version: string, model: string, extra: { isRollback?: boolean } = {}) {
  const release = await createRelease(handle.db, actor, { version, modelIds: [await modelId(model)], channel: "stable", notes: "", isRollback: extra.isRollback ?? false });
  await uploadReleaseImage(handle.db, actor, release.id, `fw-${version}.bin`, streamOf(image));
  await setReleaseStatus(handle.db, actor, release.id, "published");
  return release;
}

const tokens = new Map<string, string>();
async function tokenOf(terminalId: string) {
  if (!tokens.has(terminalId)) tokens.set(terminalId, (await reissueDeviceToken(handle.db, actor, terminalId)).deviceToken);
  return tokens.get(terminalId)!;
}

async function heartbeat(terminalId: string, firmwareVersion: string) {
  // The heartbeat's clock is the request time; the window check below uses services directly.
  const response = await handleDeviceRequest(
    handle.db,
    heartbeatEndpoint,
    new Request("http://localhost/api/device/v1/heartbeat", { method: "POST", headers: { authorization: `Bearer ${await tokenOf(terminalId)}` }, body: JSON.stringify({ firmwareVersion }) }),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as { update: null | { jobId: string; version: string; url: string; sha256: string; sizeBytes: number } };
}

async function report(terminalId: string, jobId: string, body: unknown) {
  return handleDeviceRequest(
    handle.db,
    updateStatusEndpoint,
    new Request(`http://localhost/api/device/v1/updates/${jobId}/status`, { method: "POST", headers: { authorization: `Bearer ${await tokenOf(terminalId)}` }, body: JSON.stringify(body) }),
    { jobId },
  );
}

async function download(terminalId: string, releaseId: string, range?: string) {
  return handleDeviceRequest(
    handle.db,
    firmwareDownloadEndpoint,
    new Request(`http://localhost/api/device/v1/firmware/${releaseId}`, { headers: { authorization: `Bearer ${await tokenOf(terminalId)}`, ...(range ? { range } : {}) } }),
    { releaseId },
  );
}

const jobsOf = (rolloutId: string) =>
  handle.db
    .select({ id: updateJobs.id, terminalId: updateJobs.terminalId, status: updateJobs.status, attempt: updateJobs.attempt, phase: rolloutPhases.position })
    .from(updateJobs)
    .innerJoin(rolloutPhases, eq(rolloutPhases.id, updateJobs.phaseId))
    .where(eq(updateJobs.rolloutId, rolloutId));

const rolloutRow = async (id: string) => (await handle.db.select().from(rollouts).where(eq(rollouts.id, id)))[0]!;
const phasesOf = (id: string) => handle.db.select().from(rolloutPhases).where(eq(rolloutPhases.rolloutId, id)).orderBy(rolloutPhases.position);

const create = (input: Record<string, unknown>, now = NIGHT) => createRollout(handle.db, actor, rolloutCreateInput.parse({ name: "Test rollout", ...input }), now);

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());

describe("the demo data and the overview", () => {
  it("has a completed and a running rollout, and per-model firmware compliance", async () => {
    const { admin, merchant } = await demoCallers(handle.db);
    const seeded = await admin.rollouts.list({ status: "completed" });
    expect(seeded.items.map((r) => r.name)).toContain("V400m 5.2.3 fleet update");
    const running = (await admin.rollouts.list({ status: "running" })).items.find((r) => r.name === "P2 3.2.0 security patch")!;
    expect(running.counts).toMatchObject({ succeeded: 2, failed: 1 });
    const progress = await admin.rollouts.get({ id: running.id });
    expect(progress.phases.map((p) => p.status)).toEqual(["completed", "running"]);
    expect(progress.totals.failed).toBe(1);
    expect(progress.failureCodes).toEqual([{ errorCode: "install_verify_failed", failed: 1, retried: 0 }]);
    // The terminal table, filtered, and its CSV export.
    expect((await admin.rollouts.jobs({ id: running.id, status: "failed" })).items.map((j) => j.errorCode)).toEqual(["install_verify_failed"]);
    let csv = "";
    for await (const chunk of exportRolloutJobsCsv(handle.db, { id: running.id })) csv += chunk;
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("serial_number,merchant,store,phase,status,attempt,progress_percent,from_version,error_code,message,updated_at");
    expect(lines).toHaveLength(1 + running.terminalCount);
    expect(lines.find((l) => l.includes(",failed,"))).toContain("install_verify_failed");

    // V400m's newest stable release is 5.2.3: compliance counts its terminals in service on it.
    const v400m = await modelId("V400m");
    const inService = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, v400m), inArray(terminals.status, ["active", "faulty"])));
    const overview = await admin.overview.get();
    expect(overview.firmwareCompliance.find((c) => c.modelId === v400m)).toMatchObject({
      latestVersion: "5.2.3",
      total: inService.length,
      current: inService.filter((t) => t.firmwareVersion === "5.2.3").length,
    });
    // A merchant's compliance covers only their own terminals.
    const own = (await merchant.overview.get()).firmwareCompliance.reduce((sum, c) => sum + c.total, 0);
    const demoCoffee = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.merchantId, (await merchant.users.me()).merchantId!), inArray(terminals.status, ["active", "faulty"])));
    expect(own).toBe(demoCoffee.length);
  });
});

describe("firmware releases", () => {
  it("streams the image to storage with its size and sha256, and publishes only with an image", async () => {
    const release = await createRelease(handle.db, actor, { version: "9.9.9", modelIds: [await modelId("P2")], channel: "beta", notes: "", isRollback: false });
    await expect(setReleaseStatus(handle.db, actor, release.id, "published")).rejects.toThrow(/Upload the image/);
    const stored = await uploadReleaseImage(handle.db, actor, release.id, "p2.bin", streamOf(image));
    expect(stored).toEqual({ sizeBytes: image.length, sha256: imageSha });
    await setReleaseStatus(handle.db, actor, release.id, "published");
    await expect(uploadReleaseImage(handle.db, actor, release.id, "again.bin", streamOf(image))).rejects.toThrow(/Only a draft/);
    // The same version for the same model again is refused.
    await expect(createRelease(handle.db, actor, { version: "9.9.9", modelIds: [await modelId("P2")], channel: "stable", notes: "", isRollback: false })).rejects.toThrow(/already exists/);
    const actions = await handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, release.id));
    expect(actions.map((a) => a.action).sort()).toEqual(["firmware.created", "firmware.image_uploaded", "firmware.published"]);
  });

  it("refuses rollouts of drafts", async () => {
    const draft = await createRelease(handle.db, actor, { version: "9.9.10", modelIds: [await modelId("P2")], channel: "stable", notes: "", isRollback: false });
    await expect(previewRollout(handle.db, { releaseId: draft.id, target: rolloutCreateInput.shape.target.parse({}) })).rejects.toThrow(/Only a published release/);
  });
});

describe("a rollout", () => {
  it("targets compatible terminals that move forward, one open job each, and delivers inside the store's window", async () => {
    // A920 Pro terminals run 2.3.1 or 2.4.0 in the demo data.
    const release = await publishedRelease("2.5.0", "A920 Pro");
    const a920 = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, await modelId("A920 Pro")), inArray(terminals.status, ["active", "faulty"])));
    const preview = await previewRollout(handle.db, { releaseId: release.id, target: rolloutCreateInput.shape.target.parse({ modelIds: [await modelId("A920 Pro"), await modelId("A80")] }) });
    expect(preview.eligible).toBe(a920.length);
    expect(preview.excluded.incompatible).toBeGreaterThan(0);

    const { id, terminalCount } = await create({
      releaseId: release.id,
      target: { modelIds: [await modelId("A920 Pro")] },
      phases: [
        { percent: 50, successThreshold: 100, failureThreshold: 20 },
        { percent: 100, successThreshold: 100, failureThreshold: 20 },
      ],
    });
    expect(terminalCount).toBe(a920.length);
    const jobs = await jobsOf(id);
    expect(jobs.filter((j) => j.phase === 1)).toHaveLength(Math.ceil(a920.length / 2));
    expect((await phasesOf(id)).map((p) => p.status)).toEqual(["running", "pending"]);

    // A second rollout of the same terminals finds them all busy.
    const newer = await publishedRelease("2.6.0", "A920 Pro");
    expect((await previewRollout(handle.db, { releaseId: newer.id, target: rolloutCreateInput.shape.target.parse({ modelIds: [await modelId("A920 Pro")] }) })).excluded.openJob).toBe(a920.length);
    await expect(create({ releaseId: newer.id, target: { modelIds: [await modelId("A920 Pro")] } })).rejects.toThrow(/No terminal/);

    const { dueUpdates } = await import("@/server/services/rollouts");
    const first = jobs.find((j) => j.phase === 1)!;
    const second = jobs.find((j) => j.phase === 2)!;
    expect((await dueUpdates(handle.db, [first.terminalId], NIGHT)).get(first.terminalId)).toMatchObject({
      jobId: first.id,
      version: "2.5.0",
      sha256: imageSha,
      sizeBytes: image.length,
      url: `/api/device/v1/firmware/${release.id}`,
    });
    expect((await dueUpdates(handle.db, [first.terminalId], DAY)).size).toBe(0);
    expect((await dueUpdates(handle.db, [second.terminalId], NIGHT)).size).toBe(0);

    // Another time zone moves the window: 18:30 UTC is 20:30 in Berlin.
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.id, first.terminalId));
    await handle.db.update(stores).set({ timeZone: "Europe/Berlin" }).where(eq(stores.id, terminal!.storeId!));
    expect((await dueUpdates(handle.db, [first.terminalId], NIGHT)).size).toBe(0);
    expect((await dueUpdates(handle.db, [first.terminalId], new Date("2026-06-11T00:30:00Z"))).size).toBe(1);
    await handle.db.update(stores).set({ timeZone: "Asia/Shanghai" }).where(eq(stores.id, terminal!.storeId!));

    await cancelRollout(handle.db, actor, id);
    expect(new Set((await jobsOf(id)).map((j) => j.status))).toEqual(new Set(["cancelled"]));
    expect((await dueUpdates(handle.db, [first.terminalId], NIGHT)).size).toBe(0);
  });

  it("serves the image only to terminals with a job, with Range", async () => {
    const release = await publishedRelease("1.9.5", "A80");
    const a80 = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, await modelId("A80")), eq(terminals.status, "active"), eq(terminals.firmwareVersion, "1.8.2")));
    const { id } = await create({ releaseId: release.id, target: { serialNumbers: [a80[0]!.serialNumber] } });
    const [job] = await jobsOf(id);

    const whole = await download(job!.terminalId, release.id);
    expect(whole.status).toBe(200);
    expect(
      createHash("sha256")
        .update(Buffer.from(await whole.arrayBuffer()))
        .digest("hex"),
    ).toBe(imageSha);

    const part = await download(job!.terminalId, release.id, "bytes=1000-1999");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(image.subarray(1000, 2000));
    const tail = await download(job!.terminalId, release.id, "bytes=-10");
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(image.subarray(image.length - 10));
    expect((await download(job!.terminalId, release.id, `bytes=${image.length}-`)).status).toBe(416);

    // Another terminal, and a path that is no id, get 404.
    expect((await download(a80[1]!.id, release.id)).status).toBe(404);
    expect((await download(job!.terminalId, "not-an-id")).status).toBe(404);
  });

  it("moves jobs forward only, retries failed downloads, advances phases and pauses itself past the failure threshold", async () => {
    const release = await publishedRelease("5.3.0", "V400m");
    const { id, terminalCount } = await create({
      releaseId: release.id,
      target: { modelIds: [await modelId("V400m")] },
      maxAttempts: 2,
      phases: [
        { percent: 1, successThreshold: 100, failureThreshold: 0 },
        { percent: 100, successThreshold: 100, failureThreshold: 20 },
      ],
    });
    expect(terminalCount).toBeGreaterThanOrEqual(6);
    const [first] = (await jobsOf(id)).filter((j) => j.phase === 1);

    // The heartbeat carries the job only while it is due: not during trading hours.
    const hb = await heartbeat(first!.terminalId, "5.1.0");
    const { isInsideWindow } = await import("@/server/services/rollout-rules");
    expect(hb.update === null).toBe(!isInsideWindow(new Date(), "Asia/Shanghai", "02:00", "05:00"));

    expect((await report(first!.terminalId, first!.id, { status: "downloading", progressPercent: 10 })).status).toBe(200);
    // A failed download with attempts left goes back to pending for another attempt.
    expect((await report(first!.terminalId, first!.id, { status: "failed", errorCode: "download_timeout" })).status).toBe(200);
    expect((await jobsOf(id)).find((j) => j.id === first!.id)).toMatchObject({ status: "pending", attempt: 2 });
    expect((await report(first!.terminalId, first!.id, { status: "downloaded" })).status).toBe(200);
    expect((await report(first!.terminalId, first!.id, { status: "downloaded" })).status).toBe(200);
    const back = await report(first!.terminalId, first!.id, { status: "downloading" });
    expect(back.status).toBe(409);
    expect(((await back.json()) as { error: { code: string } }).error.code).toBe("conflict");
    expect((await report(first!.terminalId, first!.id, { status: "bogus" })).status).toBe(400);
    expect((await report(first!.terminalId, "00000000-0000-4000-8000-000000000000", { status: "installing" })).status).toBe(404);
    expect((await report(first!.terminalId, first!.id, { status: "succeeded" })).status).toBe(200);

    // Phase 1 succeeded in full: the next step starts phase 2.
    await advanceRollouts(handle.db, NIGHT);
    expect((await phasesOf(id)).map((p) => p.status)).toEqual(["completed", "running"]);

    // Phase 2: failures past 20% of its terminals pause the rollout.
    const phase2 = (await jobsOf(id)).filter((j) => j.phase === 2);
    const failures = Math.floor(phase2.length * 0.2) + 1;
    for (const job of phase2.slice(0, failures)) {
      expect((await report(job.terminalId, job.id, { status: "installing" })).status).toBe(200);
      expect((await report(job.terminalId, job.id, { status: "failed", errorCode: "install_verify_failed" })).status).toBe(200);
    }
    await advanceRollouts(handle.db, NIGHT);
    const paused = await rolloutRow(id);
    expect(paused).toMatchObject({ status: "paused", pauseReason: "failure_threshold" });
    // The list's counts are as of this step.
    expect(paused.jobCounts).toMatchObject({ succeeded: 1, failed: failures });
    const [pauseEntry] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, id), eq(auditLog.action, "rollout.paused")));
    expect(pauseEntry).toMatchObject({ actorLabel: "system" });
    // Paused: nothing is due.
    const { dueUpdates } = await import("@/server/services/rollouts");
    expect((await dueUpdates(handle.db, [phase2.at(-1)!.terminalId], NIGHT)).size).toBe(0);

    // Resuming accepts the failures so far; it does not pause again at once.
    await resumeRollout(handle.db, actor, id, NIGHT);
    await advanceRollouts(handle.db, NIGHT);
    expect((await rolloutRow(id)).status).toBe("running");
    expect((await dueUpdates(handle.db, [phase2.at(-1)!.terminalId], NIGHT)).size).toBe(1);

    // The heartbeat itself carries the job, by the firmware it reports and the store's clock.
    const [t] = await handle.db
      .select()
      .from(terminals)
      .where(eq(terminals.id, phase2.at(-1)!.terminalId));
    const device = { terminalId: t!.id, serialNumber: t!.serialNumber, merchantId: t!.merchantId };
    expect((await processHeartbeat(handle.db, device, { firmwareVersion: "5.1.0" }, NIGHT)).update).toMatchObject({ jobId: phase2.at(-1)!.id, version: "5.3.0", sha256: imageSha });
    expect((await processHeartbeat(handle.db, device, { firmwareVersion: "5.1.0" }, DAY)).update).toBeNull();
    // Reporting a newer firmware than the release: not offered (no downgrade).
    expect((await processHeartbeat(handle.db, device, { firmwareVersion: "6.0.0" }, NIGHT)).update).toBeNull();
  });

  it("never offers a downgrade unless the release is a rollback", async () => {
    const move5000 = await modelId("Move/5000");
    const onNewest = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, move5000), eq(terminals.firmwareVersion, "11.6.0"), eq(terminals.status, "active")));
    const older = await publishedRelease("11.5.0", "Move/5000");
    const target = rolloutCreateInput.shape.target.parse({ serialNumbers: onNewest.map((t) => t.serialNumber) });
    expect(await previewRollout(handle.db, { releaseId: older.id, target })).toMatchObject({ eligible: 0, excluded: { notNewer: onNewest.length } });
    const rollback = await publishedRelease("11.5.1", "Move/5000", { isRollback: true });
    expect((await previewRollout(handle.db, { releaseId: rollback.id, target })).eligible).toBe(onNewest.length);
  });

  it("starts at its start time, once, however many steps run at once", async () => {
    const release = await publishedRelease("3.3.0", "P2");
    const later = new Date(NIGHT.getTime() + 3_600_000);
    const { id } = await create({ releaseId: release.id, target: { modelIds: [await modelId("P2")] }, startsAt: later.toISOString() });
    expect((await rolloutRow(id)).status).toBe("scheduled");
    await advanceRollouts(handle.db, NIGHT);
    expect((await rolloutRow(id)).status).toBe("scheduled");
    await Promise.all([advanceRollouts(handle.db, later), advanceRollouts(handle.db, later), advanceRollouts(handle.db, later)]);
    expect((await rolloutRow(id)).status).toBe("running");
    const started = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, id), eq(auditLog.action, "rollout.started")));
    expect(started).toHaveLength(1);
    expect((await phasesOf(id))[0]!.status).toBe("running");
  });

  it("keeps one open job per terminal under concurrent rollouts", async () => {
    const release = await publishedRelease("11.7.0", "Move/5000");
    const target = { modelIds: [await modelId("Move/5000")] };
    const results = await Promise.allSettled([create({ name: "A", releaseId: release.id, target }), create({ name: "B", releaseId: release.id, target })]);
    const open = await handle.db.execute(
      sql`select terminal_id, count(*) as n from update_jobs where status in ('pending','downloading','downloaded','installing') group by terminal_id having count(*) > 1`,
    );
    expect((open as unknown as { rows: unknown[] }).rows).toHaveLength(0);
    expect(results.some((r) => r.status === "rejected")).toBe(true);
  });
});

describe("review cases", () => {
  it("edits a published release's notes without touching its channel or rollback flag", async () => {
    const release = await createRelease(handle.db, actor, { version: "7.0.0-beta.1", modelIds: [await modelId("P2")], channel: "beta", notes: "", isRollback: true });
    const { admin } = await demoCallers(handle.db);
    await admin.firmware.update({ id: release.id, notes: "Known issue: none." });
    expect(await admin.firmware.get({ id: release.id })).toMatchObject({ channel: "beta", isRollback: true, notes: "Known issue: none." });
    await uploadReleaseImage(handle.db, actor, release.id, "p2.bin", streamOf(image));
    await setReleaseStatus(handle.db, actor, release.id, "published");
    await admin.firmware.update({ id: release.id, notes: "Pilot only." });
    expect(await admin.firmware.get({ id: release.id })).toMatchObject({ status: "published", channel: "beta", notes: "Pilot only." });
    await expect(admin.firmware.update({ id: release.id, channel: "stable" })).rejects.toThrow(/Only a draft/);
  });

  it("treats a repeated failure report as a repeat, finishes jobs of terminals already on the version, never offers a downgrade, and frees retired terminals", async () => {
    const release = await publishedRelease("5.4.0", "V400m");
    const { id } = await create({ releaseId: release.id, target: { modelIds: [await modelId("V400m")] }, maxAttempts: 3, phases: [{ percent: 100, successThreshold: 100, failureThreshold: 100 }] });
    const [first, second, third, fourth] = await jobsOf(id);

    await report(first!.terminalId, first!.id, { status: "downloading" });
    expect((await report(first!.terminalId, first!.id, { status: "failed", errorCode: "download_timeout" })).status).toBe(200);
    // The same report again (its answer was lost): still attempt 2, not a third attempt.
    expect((await report(first!.terminalId, first!.id, { status: "failed", errorCode: "download_timeout" })).status).toBe(200);
    expect((await jobsOf(id)).find((j) => j.id === first!.id)).toMatchObject({ status: "pending", attempt: 2 });

    const { dueUpdates } = await import("@/server/services/rollouts");
    // Already on 5.4.0 (the success report was lost): done, not offered.
    await handle.db.update(terminals).set({ firmwareVersion: "5.4.0" }).where(eq(terminals.id, second!.terminalId));
    // Moved on to 5.5.0 since: not taken back.
    await handle.db.update(terminals).set({ firmwareVersion: "5.5.0" }).where(eq(terminals.id, third!.terminalId));
    const due = await dueUpdates(handle.db, [second!.terminalId, third!.terminalId, fourth!.terminalId], NIGHT);
    expect([...due.keys()]).toEqual([fourth!.terminalId]);
    expect((await jobsOf(id)).find((j) => j.id === second!.id)?.status).toBe("succeeded");

    // A store that trades at that hour (its hours changed after its window was set) gets nothing.
    const [fourthTerminal] = await handle.db.select().from(terminals).where(eq(terminals.id, fourth!.terminalId));
    const [store] = await handle.db.select().from(stores).where(eq(stores.id, fourthTerminal!.storeId!));
    await handle.db
      .update(stores)
      .set({ businessHours: { thu: { opens: "02:00", closes: "03:00" } } })
      .where(eq(stores.id, store!.id));
    expect((await dueUpdates(handle.db, [fourth!.terminalId], NIGHT)).size).toBe(0);
    await handle.db.update(stores).set({ businessHours: store!.businessHours }).where(eq(stores.id, store!.id));

    // Retiring a terminal ends its open job, so it blocks no rollout.
    const { admin } = await demoCallers(handle.db);
    await admin.terminals.setStatus({ id: fourth!.terminalId, status: "retired" });
    expect((await jobsOf(id)).find((j) => j.id === fourth!.id)?.status).toBe("cancelled");
  });

  it("lets a completed rollout give up the jobs of terminals that never came back", async () => {
    const release = await publishedRelease("1.9.7", "A80");
    const a80 = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, await modelId("A80")), eq(terminals.status, "active"), eq(terminals.firmwareVersion, "1.9.0")));
    const { id } = await create({
      releaseId: release.id,
      target: { serialNumbers: a80.slice(0, 2).map((t) => t.serialNumber) },
      phases: [{ percent: 100, successThreshold: 50, failureThreshold: 50, requiresApproval: true }],
    });
    const [done, away] = await jobsOf(id);
    await report(done!.terminalId, done!.id, { status: "succeeded" });
    await advanceRollouts(handle.db, NIGHT);
    expect((await phasesOf(id))[0]!.status).toBe("awaiting_approval");
    // Waiting for approval is no change: the step reports nothing.
    expect((await advanceRollouts(handle.db, NIGHT)).awaiting_approval).toBe(0);
    const { admin } = await demoCallers(handle.db);
    await admin.rollouts.approvePhase({ id });
    expect((await rolloutRow(id)).status).toBe("completed");
    expect(await admin.rollouts.cancel({ id })).toEqual({ status: "completed", cancelledJobs: 1 });
    expect((await jobsOf(id)).find((j) => j.id === away!.id)?.status).toBe("cancelled");
  });
});

describe("silent updates", () => {
  it("fail after a day without a report, counted against the phase; in a cancelled rollout they are cancelled", async () => {
    const release = await publishedRelease("1.9.8", "A80");
    const a80 = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.modelId, await modelId("A80")), eq(terminals.status, "active"), eq(terminals.firmwareVersion, "1.9.0")));
    const { id } = await create({
      releaseId: release.id,
      target: { serialNumbers: a80.slice(0, 2).map((t) => t.serialNumber) },
      phases: [{ percent: 100, successThreshold: 100, failureThreshold: 60 }],
    });
    const [quiet, cancelledLater] = await jobsOf(id);
    await report(quiet!.terminalId, quiet!.id, { status: "installing" });
    await report(cancelledLater!.terminalId, cancelledLater!.id, { status: "downloading" });
    // The reports carry the real clock; the step looks from a day and a bit later.
    const later = new Date(Date.now() + (SILENT_UPDATE_HOURS + 1) * 3_600_000);
    await cancelRollout(handle.db, actor, id);
    // Cancel leaves updates under way alone.
    expect(new Set((await jobsOf(id)).map((j) => j.status))).toEqual(new Set(["installing", "downloading"]));
    await advanceRollouts(handle.db, new Date());
    expect(new Set((await jobsOf(id)).map((j) => j.status))).toEqual(new Set(["installing", "downloading"]));
    expect((await advanceRollouts(handle.db, later)).silenced).toBeGreaterThanOrEqual(2);
    expect(new Set((await jobsOf(id)).map((j) => j.status))).toEqual(new Set(["cancelled"]));

    const again = await create({ releaseId: release.id, target: { serialNumbers: [a80[2]!.serialNumber] }, phases: [{ percent: 100, successThreshold: 100, failureThreshold: 0 }] });
    const [job] = await jobsOf(again.id);
    await report(job!.terminalId, job!.id, { status: "installing" });
    await advanceRollouts(handle.db, later);
    expect((await jobsOf(again.id))[0]!.status).toBe("failed");
    expect((await rolloutRow(again.id)).status).toBe("paused");
  });
});

describe("store maintenance windows", () => {
  it("may not overlap business hours", async () => {
    const { admin } = await demoCallers(handle.db);
    // Open 07:00–22:00 every day.
    const [store] = await handle.db.select().from(stores).where(eq(stores.name, "Demo Coffee Jing'an"));
    await expect(admin.merchants.updateStore({ id: store!.id, maintenanceStarts: "20:00", maintenanceEnds: "23:00" })).rejects.toThrow(/overlaps/);
    await admin.merchants.updateStore({ id: store!.id, maintenanceStarts: "23:00", maintenanceEnds: "05:00" });
    const [after] = await handle.db.select().from(stores).where(eq(stores.id, store!.id));
    expect(after).toMatchObject({ maintenanceStarts: "23:00", maintenanceEnds: "05:00" });
  });
});
