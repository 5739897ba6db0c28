"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Papa from "papaparse";
import { DownloadIcon, UploadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { importColumns, requiredImportColumns } from "@/server/schemas/terminals";
import type { AppRouter } from "@/server/root";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

type ImportResult = inferRouterOutputs<AppRouter>["terminals"]["import"];
type Row = { line: number; values: Record<string, string> };
type Stage = { kind: "idle" } | { kind: "checking"; done: number; total: number } | { kind: "checked"; result: ImportResult } | { kind: "imported"; result: ImportResult };

const CHUNK = 2000;

/** A CSV file to start from: the columns and one example row. The byte-order mark makes spreadsheets read it as UTF-8. */
function templateHref(example: string[]) {
  const csv = `${importColumns.join(",")}\r\n${example.map((v) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(",")}\r\n`;
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`\uFEFF${csv}`)}`;
}

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
    const missing = requiredImportColumns.filter((c) => !parsed.meta.fields?.includes(c));
    if (missing.length) {
      setFileError(t("missingColumns", { columns: missing.join(", ") }));
      return;
    }
    // A column read by no one (merchant_id from an older file, a typo) would drop what it holds without a word.
    const unknown = (parsed.meta.fields ?? []).filter((c) => c && !(importColumns as readonly string[]).includes(c));
    if (unknown.length) {
      setFileError(t("unknownColumns", { columns: unknown.join(", ") }));
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
        <div className="flex flex-wrap items-center gap-2">
          <code className="block min-w-0 flex-1 overflow-x-auto rounded bg-muted p-2 text-xs">{importColumns.join(",")}</code>
          <Button asChild variant="outline" size="sm">
            <a href={templateHref(["SN-000123", "PAX", "A920 Pro", t("templateMerchant"), t("templateStore"), "2.4.0"])} download="terminals-template.csv">
              <DownloadIcon aria-hidden />
              {t("template")}
            </a>
          </Button>
        </div>
        <p className="text-xs text-muted-foreground">{t("columnsHint")}</p>
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
              // Focusable, so the list scrolls by keyboard too.
              <ul
                tabIndex={0}
                aria-label={t("problemRows")}
                className="max-h-48 overflow-y-auto rounded border p-2 font-mono text-xs focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
              >
                {result.errors.slice(0, 500).map((e) => (
                  <li key={e.line}>{e.problems.map((p) => p.message).join(" ")}</li>
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
