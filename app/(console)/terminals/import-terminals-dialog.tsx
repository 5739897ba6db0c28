"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Papa from "papaparse";
import { UploadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { importColumns } from "@/server/schemas/terminals";
import type { ImportResult } from "@/server/services/terminal-import";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

type Row = { line: number; values: Record<string, string> };
type Stage = { kind: "idle" } | { kind: "checking"; done: number; total: number } | { kind: "checked"; result: ImportResult } | { kind: "imported"; result: ImportResult };

const CHUNK = 2000;
const requiredColumns = ["serial_number", "manufacturer", "model"];

export function ImportTerminalsDialog() {
  const t = useTranslations("import");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<Row[]>([]);
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [fileError, setFileError] = useState<string | null>(null);
  const importMutation = useMutation(trpc.terminals.import.mutationOptions());

  function reset() {
    setRows([]);
    setStage({ kind: "idle" });
    setFileError(null);
    importMutation.reset();
  }

  async function check(file: File) {
    reset();
    const parsed = Papa.parse<Record<string, string>>(await file.text(), { header: true, skipEmptyLines: false, transformHeader: (h) => h.trim().toLowerCase() });
    const missing = requiredColumns.filter((c) => !parsed.meta.fields?.includes(c));
    if (missing.length) {
      setFileError(t("missingColumns", { columns: missing.join(", ") }));
      return;
    }
    // Line numbers count the header as line 1, as a spreadsheet shows them.
    const all = parsed.data
      .map((values, index) => ({ line: index + 2, values: Object.fromEntries(importColumns.map((c) => [c, (values[c] ?? "").trim()])) }))
      .filter((row) => Object.values(row.values).some(Boolean));
    if (all.length === 0) {
      setFileError(t("noRows"));
      return;
    }
    setRows(all);
    // The dry run goes in chunks so a large file shows progress while it is checked.
    const total: ImportResult = { total: 0, valid: 0, imported: 0, errors: [] };
    for (let i = 0; i < all.length; i += CHUNK) {
      setStage({ kind: "checking", done: i, total: all.length });
      try {
        const part = await importMutation.mutateAsync({ rows: all.slice(i, i + CHUNK), dryRun: true });
        total.total += part.total;
        total.valid += part.valid;
        total.errors.push(...part.errors);
      } catch {
        setStage({ kind: "idle" });
        return;
      }
    }
    setStage({ kind: "checked", result: total });
  }

  async function commit() {
    const result = await importMutation.mutateAsync({ rows, dryRun: false }).catch(() => null);
    if (!result) return;
    setStage({ kind: "imported", result });
    await queryClient.invalidateQueries({ queryKey: trpc.terminals.pathFilter().queryKey });
  }

  const result = stage.kind === "checked" || stage.kind === "imported" ? stage.result : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <UploadIcon aria-hidden />
          {t("button")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")} className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{t("title")}</DialogTitle>
          <DialogDescription>{t("hint")}</DialogDescription>
        </DialogHeader>
        <code className="block overflow-x-auto rounded bg-muted p-2 text-xs">{importColumns.join(",")}</code>
        <Input
          type="file"
          accept=".csv,text/csv"
          aria-label={t("file")}
          disabled={stage.kind === "checking" || importMutation.isPending}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void check(file);
          }}
        />
        {fileError && (
          <p role="alert" className="text-sm text-destructive">
            {fileError}
          </p>
        )}
        {stage.kind === "checking" && (
          <div className="space-y-1">
            <p className="text-sm">{t("checking", { done: stage.done, total: stage.total })}</p>
            <progress className="h-2 w-full" value={stage.done} max={stage.total} />
          </div>
        )}
        {result && (
          <div className="space-y-2 text-sm" data-testid="import-result">
            <p>
              {stage.kind === "imported"
                ? t("imported", { imported: result.imported, invalid: result.errors.length })
                : t("checked", { valid: result.valid, invalid: result.errors.length, total: result.total })}
            </p>
            {result.errors.length > 0 && (
              <ul className="max-h-48 overflow-y-auto rounded border p-2 font-mono text-xs">
                {result.errors.slice(0, 500).map((e) => (
                  <li key={e.line}>
                    {t("line", { line: e.line })}: {e.messages.join("; ")}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <FormError error={importMutation.error} />
        <DialogFooter>
          {stage.kind === "checked" && stage.result.valid > 0 && (
            <Button onClick={commit} disabled={importMutation.isPending}>
              {importMutation.isPending ? t("importing") : t("importValid", { valid: stage.result.valid })}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
