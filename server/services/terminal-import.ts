import { inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals } from "@/db/schema";
import { AppError, sqlState } from "../errors";
import { importRowSchema, type TerminalImportInput } from "../schemas/terminals";
import { recordAudit, type AuditActor } from "./audit";
import { notifyTerminalsChanged } from "./fleet-events";

export interface ImportRowError {
  line: number;
  messages: string[];
}

export interface ImportResult {
  total: number;
  valid: number;
  imported: number;
  errors: ImportRowError[];
}

const BATCH = 1000;

/**
 * Validates every row first (shape, model, merchant, store, duplicates in the file and in the
 * fleet), then, unless it is a dry run, inserts all valid rows and their audit entries in one
 * transaction. Invalid rows are reported by their line number in the file.
 */
export async function importTerminals(db: Db, actor: AuditActor, input: { rows: TerminalImportInput["rows"]; dryRun: boolean }): Promise<ImportResult> {
  const run = async (tx: Db) => {
    const errors = new Map<number, string[]>();
    const fail = (line: number, message: string) => errors.set(line, [...(errors.get(line) ?? []), message]);

    const parsed = input.rows.flatMap(({ line, values }) => {
      const result = importRowSchema.safeParse(values);
      if (result.success) return [{ line, row: result.data }];
      for (const issue of result.error.issues) fail(line, `${issue.path.join(".") || "row"}: ${issue.message}`);
      return [];
    });

    const models = await tx.select().from(terminalModels);
    const modelKey = (manufacturer: string, model: string) => `${manufacturer.toLowerCase()}\u0000${model.toLowerCase()}`;
    const modelIds = new Map(models.map((m) => [modelKey(m.manufacturer, m.model), m.id]));

    const merchantIds = [...new Set(parsed.flatMap((p) => (p.row.merchant_id ? [p.row.merchant_id] : [])))];
    const storeIds = [...new Set(parsed.flatMap((p) => (p.row.store_id ? [p.row.store_id] : [])))];
    const knownMerchants = new Set<string>();
    for (let i = 0; i < merchantIds.length; i += BATCH) {
      const rows = await tx
        .select({ id: merchants.id })
        .from(merchants)
        .where(inArray(merchants.id, merchantIds.slice(i, i + BATCH)));
      rows.forEach((r) => knownMerchants.add(r.id));
    }
    const storeMerchant = new Map<string, string>();
    for (let i = 0; i < storeIds.length; i += BATCH) {
      const rows = await tx
        .select({ id: stores.id, merchantId: stores.merchantId })
        .from(stores)
        .where(inArray(stores.id, storeIds.slice(i, i + BATCH)));
      rows.forEach((r) => storeMerchant.set(r.id, r.merchantId));
    }
    const existingSerials = new Set<string>();
    const serials = parsed.map((p) => p.row.serial_number);
    for (let i = 0; i < serials.length; i += BATCH) {
      const rows = await tx
        .select({ s: terminals.serialNumber })
        .from(terminals)
        .where(inArray(terminals.serialNumber, serials.slice(i, i + BATCH)));
      rows.forEach((r) => existingSerials.add(r.s));
    }

    const firstLineOfSerial = new Map<string, number>();
    const valid: (typeof terminals.$inferInsert)[] = [];
    for (const { line, row } of parsed) {
      const modelId = modelIds.get(modelKey(row.manufacturer, row.model));
      if (!modelId) fail(line, `model: ${row.manufacturer} ${row.model} is not a known terminal model`);
      if (row.merchant_id && !knownMerchants.has(row.merchant_id)) fail(line, "merchant_id: no such merchant");
      if (row.store_id && storeMerchant.get(row.store_id) !== row.merchant_id) fail(line, "store_id: no such store for that merchant");
      if (existingSerials.has(row.serial_number)) fail(line, `serial_number: ${row.serial_number} is already in the fleet`);
      const firstLine = firstLineOfSerial.get(row.serial_number);
      if (firstLine !== undefined) fail(line, `serial_number: ${row.serial_number} repeats line ${firstLine}`);
      else firstLineOfSerial.set(row.serial_number, line);
      if (errors.has(line) || !modelId) continue;
      valid.push({
        serialNumber: row.serial_number,
        modelId,
        merchantId: row.merchant_id,
        storeId: row.store_id,
        firmwareVersion: row.firmware_version || null,
        status: "in_stock",
      });
    }

    let imported = 0;
    if (!input.dryRun) {
      for (let i = 0; i < valid.length; i += BATCH) {
        const created = await tx
          .insert(terminals)
          .values(valid.slice(i, i + BATCH))
          .returning({ id: terminals.id, serialNumber: terminals.serialNumber, merchantId: terminals.merchantId });
        await recordAudit(
          tx,
          actor,
          ...created.map((t) => ({ action: "terminal.imported", entityType: "terminal", entityId: t.id, merchantId: t.merchantId, changes: { serialNumber: t.serialNumber } })),
        );
        imported += created.length;
      }
      if (imported > 0)
        await notifyTerminalsChanged(
          tx,
          valid.map((t) => t.merchantId ?? null),
        );
    }
    const sortedErrors = [...errors].map(([line, messages]) => ({ line, messages })).sort((a, b) => a.line - b.line);
    return { total: input.rows.length, valid: valid.length, imported, errors: sortedErrors };
  };

  if (input.dryRun) return run(db);
  try {
    return await db.transaction(async (tx) => {
      // Serialises imports, so two at once cannot both pass the duplicate check for one serial.
      await tx.execute(sql`select pg_advisory_xact_lock(7419002)`);
      return run(tx);
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw new AppError("conflict", "A serial number in the file was added to the fleet meanwhile; nothing was imported. Check the file again.");
    throw error;
  }
}
