import { and, count, desc, eq, inArray, like, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { firmwareReleaseModels, firmwareReleases, terminalModels, type ReleaseStatus } from "@/db/schema";
import { AppError, notFound } from "../errors";
import type { ReleaseListInput, releaseCreateInput, releaseUpdateInput } from "../schemas/firmware";
import { maxImageBytes, objectStorage } from "../storage";
import type { ObjectStorage } from "../storage/object-storage";
import type { AuditVerb } from "../schemas/audit";
import { changedFields, recordAudit, type AuditActor, type AuditEntry } from "./audit";
import { imageRefusal, inspected } from "./firmware-format";
import { compareFirmwareVersions } from "./rollout-rules";
import { escapeLike } from "./sql-text";
import type { z } from "zod";

type ReleaseCreate = z.output<typeof releaseCreateInput>;
type ReleaseUpdate = z.output<typeof releaseUpdateInput>;

const auditRelease = (action: AuditVerb<"firmware">, id: string, changes: Record<string, unknown> = {}): AuditEntry => ({
  action: `firmware.${action}`,
  entityType: "firmware_release",
  entityId: id,
  changes,
});

/**
 * The same version twice for one model would make "which image is 2.4.0" ambiguous. The models'
 * rows are locked first, so two releases created at once cannot both pass the check.
 */
async function assertVersionFree(tx: Db, version: string, modelIds: string[], exceptId?: string) {
  await tx.select({ id: terminalModels.id }).from(terminalModels).where(inArray(terminalModels.id, modelIds)).for("no key update");
  const clash = await tx
    .select({ id: firmwareReleases.id })
    .from(firmwareReleases)
    .innerJoin(firmwareReleaseModels, eq(firmwareReleaseModels.releaseId, firmwareReleases.id))
    .where(and(eq(firmwareReleases.version, version), inArray(firmwareReleaseModels.modelId, modelIds), exceptId ? sql`${firmwareReleases.id} <> ${exceptId}` : undefined))
    .limit(1);
  if (clash.length) throw new AppError("conflict", "versionExists", { version }, { field: "version" });
}

async function assertModelsExist(tx: Db, modelIds: string[]) {
  const found = await tx.select({ id: terminalModels.id }).from(terminalModels).where(inArray(terminalModels.id, modelIds));
  if (found.length !== new Set(modelIds).size) throw new AppError("invalid", "modelInListGone", {}, { field: "modelIds" });
}

export async function createRelease(db: Db, actor: AuditActor, input: ReleaseCreate) {
  return db.transaction(async (tx) => {
    await assertModelsExist(tx, input.modelIds);
    await assertVersionFree(tx, input.version, input.modelIds);
    const { modelIds, ...fields } = input;
    const [release] = await tx
      .insert(firmwareReleases)
      .values({ ...fields, createdBy: actor.label })
      .returning();
    await tx.insert(firmwareReleaseModels).values([...new Set(modelIds)].map((modelId) => ({ releaseId: release!.id, modelId })));
    await recordAudit(tx, actor, auditRelease("created", release!.id, { version: input.version, channel: input.channel, modelIds, isRollback: input.isRollback }));
    return release!;
  });
}

async function lockRelease(tx: Db, id: string) {
  const [release] = await tx.select().from(firmwareReleases).where(eq(firmwareReleases.id, id)).for("update");
  if (!release) throw notFound("firmwareRelease");
  return release;
}

/** Drafts change freely; a published release keeps its version, models and image, only its notes change. */
export async function updateRelease(db: Db, actor: AuditActor, input: ReleaseUpdate) {
  return db.transaction(async (tx) => {
    const release = await lockRelease(tx, input.id);
    const { id, modelIds, ...fields } = input;
    const changesMore = modelIds !== undefined || fields.version !== undefined || fields.channel !== undefined || fields.isRollback !== undefined;
    if (release.status !== "draft" && changesMore) throw new AppError("conflict", "releaseOnlyDraftChanges");
    if (modelIds) await assertModelsExist(tx, modelIds);
    const currentModels = (await tx.select({ id: firmwareReleaseModels.modelId }).from(firmwareReleaseModels).where(eq(firmwareReleaseModels.releaseId, id))).map((m) => m.id);
    await assertVersionFree(tx, fields.version ?? release.version, modelIds ?? currentModels, id);
    const changes: Record<string, unknown> = changedFields(release, fields);
    if (Object.keys(fields).length) await tx.update(firmwareReleases).set(fields).where(eq(firmwareReleases.id, id));
    if (modelIds && JSON.stringify([...modelIds].sort()) !== JSON.stringify([...currentModels].sort())) {
      await tx.delete(firmwareReleaseModels).where(eq(firmwareReleaseModels.releaseId, id));
      await tx.insert(firmwareReleaseModels).values([...new Set(modelIds)].map((modelId) => ({ releaseId: id, modelId })));
      changes.modelIds = { from: currentModels, to: modelIds };
    }
    if (Object.keys(changes).length) await recordAudit(tx, actor, auditRelease("updated", id, changes));
    return { id };
  });
}

/**
 * Streams a draft's image into storage, computing its size and sha256 on the way; the draft's
 * earlier image, if any, is removed once the new one is recorded.
 */
export async function uploadReleaseImage(db: Db, actor: AuditActor, id: string, fileName: string, body: ReadableStream<Uint8Array>, storage: ObjectStorage = objectStorage()) {
  const [existing] = await db.select({ status: firmwareReleases.status }).from(firmwareReleases).where(eq(firmwareReleases.id, id));
  if (!existing) throw notFound("firmwareRelease");
  if (existing.status !== "draft") throw new AppError("conflict", "imageOnlyDraft");
  const upload = inspected(body);
  const stored = await storage.put(upload.stream, maxImageBytes());
  const check = upload.check();
  if (!check.ok) {
    await storage.remove(stored.key);
    throw imageRefusal(check);
  }
  let replaced: string | null = null;
  try {
    await db.transaction(async (tx) => {
      const release = await lockRelease(tx, id);
      if (release.status !== "draft") throw new AppError("conflict", "publishedWhileUploading");
      replaced = release.storageKey;
      await tx.update(firmwareReleases).set({ storageKey: stored.key, fileName, sizeBytes: stored.sizeBytes, sha256: stored.sha256 }).where(eq(firmwareReleases.id, id));
      await recordAudit(tx, actor, auditRelease("image_uploaded", id, { fileName, sizeBytes: stored.sizeBytes, sha256: stored.sha256 }));
    });
  } catch (error) {
    await storage.remove(stored.key);
    throw error;
  }
  if (replaced) await storage.remove(replaced);
  return { sizeBytes: stored.sizeBytes, sha256: stored.sha256 };
}

const releaseTransitions: Record<ReleaseStatus, ReleaseStatus[]> = { draft: ["published"], published: ["deprecated"], deprecated: ["published"] };

/** draft → published (with an image) → deprecated (no new rollouts), and back to published if that was a mistake. */
export async function setReleaseStatus(db: Db, actor: AuditActor, id: string, status: "published" | "deprecated", now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const release = await lockRelease(tx, id);
    if (release.status === status) return release;
    if (!releaseTransitions[release.status].includes(status)) throw new AppError("conflict", "releaseTransition", { from: release.status, to: status });
    if (status === "published" && !release.storageKey) throw new AppError("invalid", "uploadImageFirst", {}, { field: "image" });
    const [updated] = await tx
      .update(firmwareReleases)
      .set(status === "published" ? { status, publishedAt: release.publishedAt ?? now, deprecatedAt: null } : { status, deprecatedAt: now })
      .where(eq(firmwareReleases.id, id))
      .returning();
    await recordAudit(tx, actor, auditRelease(status, id, { status: { from: release.status, to: status } }));
    return updated!;
  });
}

/** Only drafts go away; a published release is evidence of what terminals ran. */
export async function deleteDraftRelease(db: Db, actor: AuditActor, id: string, storage: ObjectStorage = objectStorage()) {
  const key = await db.transaction(async (tx) => {
    const release = await lockRelease(tx, id);
    if (release.status !== "draft") throw new AppError("conflict", "onlyDraftReleaseDeleted");
    await tx.delete(firmwareReleases).where(eq(firmwareReleases.id, id));
    await recordAudit(tx, actor, auditRelease("deleted", id, { version: release.version }));
    return release.storageKey;
  });
  if (key) await storage.remove(key);
  return { id };
}

// Qualified by hand: Drizzle leaves columns unqualified in single-table selects.
const modelNames = sql<{ id: string; name: string }[]>`coalesce((select json_agg(json_build_object('id', m.id, 'name', m.manufacturer || ' ' || m.model) order by m.manufacturer, m.model)
  from firmware_release_models rm join terminal_models m on m.id = rm.model_id where rm.release_id = "firmware_releases"."id"), '[]'::json)`;

export async function listReleases(db: Db, input: ReleaseListInput) {
  const where: SQL | undefined = and(
    input.q ? like(firmwareReleases.version, `${escapeLike(input.q)}%`) : undefined,
    input.status ? eq(firmwareReleases.status, input.status) : undefined,
    input.channel ? eq(firmwareReleases.channel, input.channel) : undefined,
    input.modelId ? sql`exists (select 1 from firmware_release_models rm where rm.release_id = "firmware_releases"."id" and rm.model_id = ${input.modelId})` : undefined,
  );
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: firmwareReleases.id,
        version: firmwareReleases.version,
        channel: firmwareReleases.channel,
        status: firmwareReleases.status,
        isRollback: firmwareReleases.isRollback,
        sizeBytes: firmwareReleases.sizeBytes,
        sha256: firmwareReleases.sha256,
        createdAt: firmwareReleases.createdAt,
        publishedAt: firmwareReleases.publishedAt,
        models: modelNames,
        rolloutCount: sql<number>`(select count(*)::int from rollouts r where r.release_id = "firmware_releases"."id")`,
      })
      .from(firmwareReleases)
      .where(where)
      .orderBy(desc(firmwareReleases.createdAt), desc(firmwareReleases.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(firmwareReleases).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

export async function getRelease(db: Db, id: string) {
  const [release] = await db
    .select({
      id: firmwareReleases.id,
      version: firmwareReleases.version,
      channel: firmwareReleases.channel,
      status: firmwareReleases.status,
      notes: firmwareReleases.notes,
      isRollback: firmwareReleases.isRollback,
      fileName: firmwareReleases.fileName,
      sizeBytes: firmwareReleases.sizeBytes,
      sha256: firmwareReleases.sha256,
      createdBy: firmwareReleases.createdBy,
      createdAt: firmwareReleases.createdAt,
      publishedAt: firmwareReleases.publishedAt,
      deprecatedAt: firmwareReleases.deprecatedAt,
      models: modelNames,
    })
    .from(firmwareReleases)
    .where(eq(firmwareReleases.id, id));
  if (!release) throw notFound("firmwareRelease");
  return release;
}

/** Where a release's image is, for an admin's download; null without an image. */
export async function getReleaseImage(db: Db, id: string) {
  const [row] = await db
    .select({ storageKey: firmwareReleases.storageKey, sizeBytes: firmwareReleases.sizeBytes, sha256: firmwareReleases.sha256, fileName: firmwareReleases.fileName, version: firmwareReleases.version })
    .from(firmwareReleases)
    .where(eq(firmwareReleases.id, id));
  if (!row?.storageKey || row.sizeBytes === null) return null;
  return { storageKey: row.storageKey, sizeBytes: row.sizeBytes, sha256: row.sha256, fileName: row.fileName ?? `firmware-${row.version}.bin` };
}

/** Each model's newest published stable release (rollbacks aside): what "current" means for compliance. */
export async function latestStableVersions(db: Db): Promise<Map<string, string>> {
  const stable = await queryRows<{ model_id: string; version: string }>(
    db,
    sql`select rm.model_id, r.version from firmware_releases r join firmware_release_models rm on rm.release_id = r.id
      where r.status = 'published' and r.channel = 'stable' and not r.is_rollback`,
  );
  const latest = new Map<string, string>();
  for (const { model_id, version } of stable) {
    const current = latest.get(model_id);
    if (!current || compareFirmwareVersions(version, current) > 0) latest.set(model_id, version);
  }
  return latest;
}
