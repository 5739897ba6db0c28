import { inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { merchants, stores, terminalModels, terminals } from "@/db/schema";
import { AppError, issueReason, renderError, sqlState, type ErrorParams, type ErrorReason } from "../errors";
import type { Locale } from "../locales";
import { importRowSchema, type TerminalImportInput } from "../schemas/terminals";
import { recordAudit, type AuditActor, type AuditEntry } from "./audit";
import { notifyTerminalsChanged } from "./fleet-events";

/** Why a row was refused: a reason of the `errors` namespace, about one cell, whose value it quotes. */
export interface ImportProblem {
  row: number;
  column: string;
  value: string;
  reason: ErrorReason;
  params: ErrorParams;
}

export interface ImportRowError {
  line: number;
  problems: ImportProblem[];
}

export interface ImportResult {
  total: number;
  valid: number;
  imported: number;
  errors: ImportRowError[];
}

const BATCH = 1000;

/** Names compare as people read them: without case and runs of spaces. */
const nameKey = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase();

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

interface Named {
  id: string;
  name: string;
  code: string;
}

/** Merchants or stores by code (unique, stored upper-case) and by normalised name (which may repeat). */
function indexed<T extends Named>(rows: T[]) {
  return { byCode: new Map(rows.map((row) => [row.code, row])), byName: groupBy(rows, (row) => nameKey(row.name)) };
}

/** What a cell names: a code first, exact but without case, else a name; more than one match means the name is ambiguous. */
function lookUp<T extends Named>(index: ReturnType<typeof indexed<T>> | undefined, value: string): T[] {
  const byCode = index?.byCode.get(value.trim().toUpperCase());
  return byCode ? [byCode] : (index?.byName.get(nameKey(value)) ?? []);
}

/** The codes that tell same-named merchants or stores apart, for the row error to offer. */
const codesOf = (rows: Named[]) =>
  rows
    .map((row) => row.code)
    .sort()
    .join(", ");

/**
 * Validates every row first (shape, model, merchant and store by code or name, duplicates in the file and
 * in the fleet), then, unless it is a dry run, inserts all valid rows and their audit entries in one
 * transaction. Invalid rows are reported by their line number in the file, each problem with the
 * column and the value it is about.
 */
export async function importTerminals(db: Db, actor: AuditActor, input: { rows: TerminalImportInput["rows"]; dryRun: boolean }): Promise<ImportResult> {
  const run = async (tx: Db) => {
    const errors = new Map<number, ImportProblem[]>();
    const fail = (row: number, column: string, value: string, reason: ErrorReason, params: ErrorParams = {}) => errors.set(row, [...(errors.get(row) ?? []), { row, column, value, reason, params }]);

    const parsed = input.rows.flatMap(({ line, values }) => {
      const result = importRowSchema.safeParse(values);
      if (result.success) return [{ line, row: result.data }];
      for (const issue of result.error.issues) {
        const column = String(issue.path[0] ?? "");
        const { reason, params } = issueReason(issue);
        fail(line, column, values[column] ?? "", reason, params);
      }
      return [];
    });

    const models = await tx.select().from(terminalModels);
    const modelKey = (manufacturer: string, model: string) => `${manufacturer.toLowerCase()}\u0000${model.toLowerCase()}`;
    const modelIds = new Map(models.map((m) => [modelKey(m.manufacturer, m.model), m.id]));

    // Every merchant and its stores: a fleet has thousands at most, and names need the whole list to tell an ambiguous one.
    const merchantIndex = indexed(await tx.select({ id: merchants.id, name: merchants.name, code: merchants.code }).from(merchants));
    const storesOf = groupBy(await tx.select({ id: stores.id, name: stores.name, code: stores.code, merchantId: stores.merchantId }).from(stores), (store) => store.merchantId);
    const storeIndex = new Map([...storesOf].map(([merchantId, rows]) => [merchantId, indexed(rows)]));

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
      if (!modelId) fail(line, "model", `${row.manufacturer} ${row.model}`, "importModelUnknown");
      let merchant: Named | null = null;
      let storeId: string | null = null;
      if (row.merchant) {
        const found = lookUp(merchantIndex, row.merchant);
        if (found.length === 1) merchant = found[0]!;
        else if (found.length) fail(line, "merchant", row.merchant, "importMerchantAmbiguous", { count: found.length, codes: codesOf(found) });
        else fail(line, "merchant", row.merchant, "importMerchantUnknown");
      }
      if (row.store && !row.merchant) fail(line, "store", row.store, "importStoreWithoutMerchant");
      if (row.store && merchant) {
        const found = lookUp(storeIndex.get(merchant.id), row.store);
        if (found.length === 1) storeId = found[0]!.id;
        else if (found.length) fail(line, "store", row.store, "importStoreAmbiguous", { count: found.length, codes: codesOf(found), merchant: merchant.name });
        else fail(line, "store", row.store, "importStoreUnknown", { merchant: merchant.name });
      }
      if (existingSerials.has(row.serial_number)) fail(line, "serial_number", row.serial_number, "importSerialInFleet");
      const firstLine = firstLineOfSerial.get(row.serial_number);
      if (firstLine !== undefined) fail(line, "serial_number", row.serial_number, "importSerialRepeated", { firstRow: firstLine });
      else firstLineOfSerial.set(row.serial_number, line);
      if (errors.has(line) || !modelId) continue;
      valid.push({
        serialNumber: row.serial_number,
        modelId,
        merchantId: merchant?.id ?? null,
        storeId,
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
          ...created.map((t): AuditEntry => ({ action: "terminal.imported", entityType: "terminal", entityId: t.id, merchantId: t.merchantId, changes: { serialNumber: t.serialNumber } })),
        );
        imported += created.length;
      }
      if (imported > 0)
        await notifyTerminalsChanged(
          tx,
          valid.map((t) => t.merchantId ?? null),
        );
    }
    const sortedErrors = [...errors].map(([line, problems]) => ({ line, problems })).sort((a, b) => a.line - b.line);
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
    if (sqlState(error) === "23505") throw new AppError("conflict", "importSerialTakenMeanwhile");
    throw error;
  }
}

/** A row's problems worded for the reader: which row and cell, the value quoted, and what is wrong with it. */
export function describeImportErrors(result: ImportResult, locale?: Locale) {
  return {
    ...result,
    errors: result.errors.map(({ line, problems }) => ({
      line,
      problems: problems.map((p) => ({
        ...p,
        message: renderError(
          p.value ? "importRowProblem" : "importRowProblemEmpty",
          { row: p.row, column: p.column, value: p.value, problem: renderError(p.reason, { ...p.params, row: p.row, column: p.column, value: p.value }, locale) },
          locale,
        ),
      })),
    })),
  };
}
