"use client";

/**
 * One list for every list view: a table from `md` up, a stack of cards on phones.
 *
 *   const columns: Column<Row>[] = [
 *     { id: "serial", header: t("serialNumber"), cell: (r) => r.serialNumber, sortKey: "serialNumber", card: "title" },
 *     { id: "status", header: t("status"), cell: (r) => <TerminalStatusBadge status={r.status} />, card: "status" },
 *     { id: "store", header: t("store"), cell: (r) => r.storeName ?? "—" },  // card: "meta" by default
 *   ];
 *   const list = useListParams(schema);                       // filters, sort and page in the URL
 *   const { data } = useSuspenseQuery(trpc.x.list.queryOptions(list.input));
 *   <DataList columns={columns} rows={data.items} rowKey={(r) => r.id} rowHref={(r) => `/x/${r.id}`}
 *             params={list} paging={data} empty={{ title: t("empty") }} />
 *
 * - `rows` undefined shows the skeleton; `error` (with `onRetry`) the error state; [] the empty state.
 * - `params` (useListParams' result) makes `sortKey` columns sortable and pages through the URL;
 *   `paging` is the list procedure's { page, pageSize, total, totalIsLowerBound? }.
 * - `rowHref`: the title cell links there, and on phones the whole card is the link.
 * - Cards: `title` and `status` share the top line, `meta` lines follow as "header: value",
 *   `actions` sit at the bottom (above the card's link so they stay clickable), `none` is table only.
 * - `selection` (from useRowSelection) adds a checkbox column and "select all on page"; the page
 *   reads `selection.selected` (row keys) for its bulk actions.
 * - `cardsBelow` ("md" by default, or "sm") is where cards give way to the table; `rowTestId` tags
 *   each row or card; CardWithList wraps a DataList in a titled Card for detail pages.
 * - Outside the URL (a second list on a page), pass `params={{ input: {}, update }}` with your own state.
 */

import { RotateCwIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useCallback, useState, useSyncExternalStore, type ReactNode } from "react";
import { cn } from "../_lib/utils";
import { EmptyState, Pagination, SortableHead, TableSkeleton } from "./list-controls";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "./ui/table";

export type CardRole = "title" | "status" | "meta" | "actions" | "none";

export interface Column<Row> {
  id: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** The server's sort field; the header then sorts by it (needs `params`). */
  sortKey?: string;
  /** Where the cell goes on a phone card; "meta" when left out. */
  card?: CardRole;
  /** Classes for the header and cells, e.g. "text-right" or "hidden 2xl:table-cell". */
  className?: string;
}

export interface ListParams {
  // The index signature takes any list's input, sortable or not.
  input: { [key: string]: unknown; sort?: string; dir?: "asc" | "desc" };
  update: (patch: Record<string, string | number | undefined>) => void;
  isPending?: boolean;
}

export interface Paging {
  page: number;
  pageSize: number;
  total: number;
  totalIsLowerBound?: boolean;
}

export interface RowSelection {
  selected: ReadonlySet<string>;
  isSelected: (key: string) => boolean;
  toggle: (key: string) => void;
  /** Selects every key given, or clears them when all are selected already. */
  togglePage: (keys: string[]) => void;
  clear: () => void;
}

/** Selection state for a list's rows, kept by row key across pages until cleared. */
export function useRowSelection(): RowSelection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  return {
    selected,
    isSelected: (key) => selected.has(key),
    toggle: (key) =>
      setSelected((current) => {
        const next = new Set(current);
        if (!next.delete(key)) next.add(key);
        return next;
      }),
    togglePage: (keys) =>
      setSelected((current) => {
        const next = new Set(current);
        const all = keys.every((k) => next.has(k));
        for (const k of keys) {
          if (all) next.delete(k);
          else next.add(k);
        }
        return next;
      }),
    clear: () => setSelected(new Set()),
  };
}

export interface DataListProps<Row> {
  columns: Column<Row>[];
  rows: Row[] | undefined;
  rowKey: (row: Row) => string;
  rowHref?: (row: Row) => string | undefined;
  /** Names the row for screen readers (the card link, the row's checkbox); the title cell's text when left out. */
  rowLabel?: (row: Row) => string;
  /** A test id for each row (its table row or its card). */
  rowTestId?: (row: Row) => string;
  params?: ListParams;
  paging?: Paging;
  empty: { title: string; hint?: string };
  error?: unknown;
  onRetry?: () => void;
  selection?: RowSelection;
  /** Phones get cards below this breakpoint. */
  cardsBelow?: "sm" | "md";
  /** False inside a card that is the frame already (see CardWithList). */
  framed?: boolean;
  className?: string;
  "data-testid"?: string;
}

export function DataList<Row>({
  columns,
  rows,
  rowKey,
  rowHref,
  rowLabel,
  rowTestId,
  params,
  paging,
  empty,
  error,
  onRetry,
  selection,
  cardsBelow = "md",
  framed = true,
  className,
  "data-testid": testId,
}: DataListProps<Row>) {
  const t = useTranslations("list");
  const phone = usePhoneWidth(cardsBelow);
  // Until hydration the width is unknown: both layouts render and CSS shows one; then only that one renders.
  const table = cardsBelow === "md" ? "hidden md:block" : "hidden sm:block";
  const cards = cardsBelow === "md" ? "md:hidden" : "sm:hidden";
  const titleColumn = columns.find((c) => c.card === "title");
  const labelOf = (row: Row) => rowLabel?.(row) ?? textOf(titleColumn?.cell(row)) ?? rowKey(row);

  let body: ReactNode;
  if (error) {
    body = (
      <div role="alert" className="flex flex-col items-center gap-3 py-10 text-center text-sm">
        <p className="font-medium">{t("loadError")}</p>
        {onRetry && (
          <Button variant="outline" size="sm" onClick={onRetry}>
            <RotateCwIcon aria-hidden />
            {t("retry")}
          </Button>
        )}
      </div>
    );
  } else if (!rows) {
    body = <TableSkeleton rows={5} />;
  } else if (rows.length === 0) {
    body = <EmptyState title={empty.title} hint={empty.hint} />;
  } else {
    const keys = rows.map(rowKey);
    const allSelected = selection !== undefined && keys.every((k) => selection.isSelected(k));
    const someSelected = selection !== undefined && !allSelected && keys.some((k) => selection.isSelected(k));
    const rowCheckbox = (row: Row, className?: string) =>
      selection && (
        <input
          type="checkbox"
          className={cn("size-4 accent-primary", className)}
          aria-label={t("selectRow", { row: labelOf(row) })}
          checked={selection.isSelected(rowKey(row))}
          onChange={() => selection.toggle(rowKey(row))}
        />
      );
    body = (
      <>
        {phone !== true && (
          <div className={table}>
            <Table>
              <TableHeader>
                <TableRow>
                  {selection && (
                    <TableHead className="w-10">
                      <input
                        type="checkbox"
                        className="size-4 accent-primary"
                        aria-label={t("selectPage")}
                        checked={allSelected}
                        ref={(box) => {
                          if (box) box.indeterminate = someSelected;
                        }}
                        onChange={() => selection.togglePage(keys)}
                      />
                    </TableHead>
                  )}
                  {columns.map((column) =>
                    column.sortKey && params?.input.sort !== undefined ? (
                      <SortableHead
                        key={column.id}
                        field={column.sortKey}
                        label={column.header}
                        sort={params.input.sort}
                        dir={params.input.dir ?? "asc"}
                        onSort={params.update}
                        className={column.className}
                      />
                    ) : (
                      <TableHead key={column.id} className={column.className}>
                        {column.header}
                      </TableHead>
                    ),
                  )}
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((row) => {
                  const href = rowHref?.(row);
                  return (
                    <TableRow key={rowKey(row)} data-testid={rowTestId?.(row)} data-state={selection?.isSelected(rowKey(row)) ? "selected" : undefined} className="data-[state=selected]:bg-muted">
                      {selection && <TableCell>{rowCheckbox(row)}</TableCell>}
                      {columns.map((column) => (
                        <TableCell key={column.id} className={cn(column.card === "title" && "font-medium", column.className)}>
                          {href && column === titleColumn ? (
                            <Link className="text-primary hover:underline" href={href}>
                              {column.cell(row)}
                            </Link>
                          ) : (
                            column.cell(row)
                          )}
                        </TableCell>
                      ))}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        )}
        {phone !== false && (
          <ul className={cn("divide-y", cards)}>
            {selection && (
              <li className="flex min-h-11 items-center gap-3 px-3 text-sm text-muted-foreground">
                <label className="flex min-h-11 items-center gap-3">
                  <input type="checkbox" className="size-5 accent-primary" checked={allSelected} onChange={() => selection.togglePage(keys)} />
                  {t("selectPage")}
                </label>
              </li>
            )}
            {rows.map((row) => (
              <RowCard key={rowKey(row)} row={row} columns={columns} href={rowHref?.(row)} label={labelOf(row)} testId={rowTestId?.(row)} checkbox={rowCheckbox(row, "relative z-10 size-5")} />
            ))}
          </ul>
        )}
      </>
    );
  }

  return (
    <div className={className}>
      <div className={cn("transition-opacity", framed && "rounded-xl border bg-card px-1", params?.isPending && "opacity-60")} data-testid={testId} aria-busy={params?.isPending || !rows || undefined}>
        {body}
      </div>
      {paging && rows && rows.length > 0 && params && (
        <Pagination page={paging.page} pageSize={paging.pageSize} total={paging.total} totalIsLowerBound={paging.totalIsLowerBound} onChange={params.update} />
      )}
    </div>
  );
}

/** A row on a phone: the whole card is its link (a stretched link under the content), at least 44 px tall. */
function RowCard<Row>({ row, columns, href, label, testId, checkbox }: { row: Row; columns: Column<Row>[]; href?: string; label: string; testId?: string; checkbox: ReactNode }) {
  const role = (column: Column<Row>) => column.card ?? "meta";
  const title = columns.filter((c) => role(c) === "title");
  const status = columns.filter((c) => role(c) === "status");
  const meta = columns.filter((c) => role(c) === "meta");
  const actions = columns.filter((c) => role(c) === "actions");
  return (
    <li className={cn("relative flex min-h-11 flex-col gap-1.5 px-3 py-3", href && "active:bg-accent has-[a[data-card-link]:hover]:bg-muted/50")} data-testid={testId ?? "list-card"}>
      {href && <Link href={href} data-card-link aria-label={label} className="absolute inset-0 rounded-lg focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none" />}
      <div className="flex items-start justify-between gap-3">
        <div className="flex min-w-0 items-center gap-3">
          {checkbox}
          <div className="min-w-0 font-medium break-words">
            {title.map((c) => (
              <div key={c.id}>{c.cell(row)}</div>
            ))}
          </div>
        </div>
        {status.length > 0 && (
          <div className="flex shrink-0 flex-col items-end gap-1 text-sm">
            {status.map((c) => (
              <div key={c.id}>{c.cell(row)}</div>
            ))}
          </div>
        )}
      </div>
      {meta.length > 0 && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          {meta.map((c) => (
            <div key={c.id} className="contents">
              <dt className="text-muted-foreground">{c.header}</dt>
              <dd className="min-w-0 break-words">{c.cell(row)}</dd>
            </div>
          ))}
        </dl>
      )}
      {actions.length > 0 && (
        <div className="relative z-10 flex flex-wrap justify-end gap-2">
          {actions.map((c) => (
            <div key={c.id}>{c.cell(row)}</div>
          ))}
        </div>
      )}
    </li>
  );
}

const phoneQueries = { sm: "(max-width: 39.99rem)", md: "(max-width: 47.99rem)" };

/** Whether the window is narrower than the breakpoint; null before hydration, when it cannot be known. */
function usePhoneWidth(breakpoint: "sm" | "md"): boolean | null {
  const query = phoneQueries[breakpoint];
  const subscribe = useCallback(
    (onChange: () => void) => {
      const media = window.matchMedia(query);
      media.addEventListener("change", onChange);
      return () => media.removeEventListener("change", onChange);
    },
    [query],
  );
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(query).matches,
    () => null,
  );
}

/** A card on a detail page holding one list: title, actions on the right, the list below. */
export function CardWithList<Row>({ title, description, actions, ...list }: DataListProps<Row> & { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
        <div className="space-y-1">
          <CardTitle>{title}</CardTitle>
          {description && <p className="text-sm text-muted-foreground">{description}</p>}
        </div>
        {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
      </CardHeader>
      <CardContent>
        <DataList framed={false} {...list} />
      </CardContent>
    </Card>
  );
}

/** The plain text of a cell, for labels; undefined when the cell is not text. */
function textOf(node: ReactNode): string | undefined {
  return typeof node === "string" || typeof node === "number" ? String(node) : undefined;
}
