import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { terminalModels, type TerminalCapability } from "@/db/schema";
import { AppError, notFound, sqlState } from "../errors";
import { changedFields, recordAudit, type AuditActor } from "./audit";

function duplicateModel(error: unknown): never {
  if (sqlState(error) === "23505") throw new AppError("conflict", "modelExists", {}, { field: "model" });
  throw error;
}

export async function listModels(db: Db) {
  return db
    .select({
      id: terminalModels.id,
      manufacturer: terminalModels.manufacturer,
      model: terminalModels.model,
      capabilities: terminalModels.capabilities,
      // Qualified by hand: Drizzle leaves columns unqualified in single-table selects.
      terminalCount: sql<number>`(select count(*)::int from terminals t where t.model_id = "terminal_models"."id")`,
    })
    .from(terminalModels)
    .orderBy(asc(terminalModels.manufacturer), asc(terminalModels.model));
}

export async function createModel(db: Db, actor: AuditActor, input: { manufacturer: string; model: string; capabilities: TerminalCapability[] }) {
  try {
    return await db.transaction(async (tx) => {
      const [model] = await tx.insert(terminalModels).values(input).returning();
      await recordAudit(tx, actor, { action: "model.created", entityType: "terminal_model", entityId: model!.id, changes: input });
      return model!;
    });
  } catch (error) {
    duplicateModel(error);
  }
}

export async function updateModel(db: Db, actor: AuditActor, input: { id: string; manufacturer?: string; model?: string; capabilities?: TerminalCapability[] }) {
  try {
    return await db.transaction(async (tx) => {
      const [before] = await tx.select().from(terminalModels).where(eq(terminalModels.id, input.id)).for("update");
      if (!before) throw notFound("model");
      const { id, ...patch } = input;
      const changes = changedFields(before, patch);
      if (Object.keys(changes).length === 0) return before;
      const [after] = await tx
        .update(terminalModels)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(terminalModels.id, id))
        .returning();
      await recordAudit(tx, actor, { action: "model.updated", entityType: "terminal_model", entityId: id, changes });
      return after!;
    });
  } catch (error) {
    duplicateModel(error);
  }
}
