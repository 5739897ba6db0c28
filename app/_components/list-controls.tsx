"use client";

import { ArrowDownIcon, ArrowUpDownIcon, ArrowUpIcon, ChevronLeftIcon, ChevronRightIcon, InboxIcon, SearchIcon, SlidersHorizontalIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "./ui/button";
import { cn } from "../_lib/utils";
import { Input, Select } from "./ui/input";
import { TableHead } from "./ui/table";

/** `totalIsLowerBound`: the list stopped counting at `total` ("more than"); a narrower filter finds the rest. */
export function Pagination({
  page,
  pageSize,
  total,
  totalIsLowerBound = false,
  onChange,
}: {
  page: number;
  pageSize: number;
  total: number;
  totalIsLowerBound?: boolean;
  onChange: (patch: { page?: number; pageSize?: number }) => void;
}) {
  const t = useTranslations("list");
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 py-3 text-sm">
      <p className="text-muted-foreground" data-testid="list-range">
        {t(totalIsLowerBound ? "rangeMoreThan" : "range", { from, to, total })}
      </p>
      <div className="flex items-center gap-2">
        <label className="flex items-center gap-1.5 text-muted-foreground">
          {t("perPage")}
          <Select className="h-8 w-20" value={pageSize} onChange={(e) => onChange({ pageSize: Number(e.target.value), page: 1 })}>
            {[25, 50, 100].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </label>
        <Button variant="outline" size="icon" aria-label={t("previous")} disabled={page <= 1} onClick={() => onChange({ page: page - 1 })}>
          <ChevronLeftIcon />
        </Button>
        <span className="tabular-nums">{t("pageOf", { page, pages })}</span>
        <Button variant="outline" size="icon" aria-label={t("next")} disabled={page >= pages} onClick={() => onChange({ page: page + 1 })}>
          <ChevronRightIcon />
        </Button>
      </div>
    </div>
  );
}

export function SortableHead<F extends string>({
  field,
  label,
  sort,
  dir,
  onSort,
  className,
}: {
  field: F;
  label: React.ReactNode;
  sort: F;
  dir: "asc" | "desc";
  onSort: (patch: { sort: F; dir: "asc" | "desc" }) => void;
  className?: string;
}) {
  const active = sort === field;
  const Icon = !active ? ArrowUpDownIcon : dir === "asc" ? ArrowUpIcon : ArrowDownIcon;
  return (
    <TableHead className={className} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" className="inline-flex items-center gap-1 hover:text-foreground" onClick={() => onSort({ sort: field, dir: active && dir === "asc" ? "desc" : "asc" })}>
        {label}
        <Icon className="size-3.5" aria-hidden />
      </button>
    </TableHead>
  );
}

export function EmptyState({ title, hint }: { title: string; hint?: string }) {
  return (
    <div className="flex flex-col items-center gap-2 py-12 text-center text-muted-foreground">
      <InboxIcon className="size-8" aria-hidden />
      <p className="font-medium text-foreground">{title}</p>
      {hint && <p className="text-sm">{hint}</p>}
    </div>
  );
}

export function TableSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <div className="space-y-2 py-4" aria-busy="true">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-8 animate-pulse rounded bg-muted" />
      ))}
    </div>
  );
}

/** A list's search box (see useSearchParam), labelled for screen readers. */
export function SearchBox({ label, placeholder, inputProps, className }: { label: string; placeholder?: string; inputProps: React.ComponentProps<"input">; className?: string }) {
  return (
    <label className={cn("relative", className)}>
      <span className="sr-only">{label}</span>
      <SearchIcon className="absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden />
      <Input className="pl-8" placeholder={placeholder ?? label} {...inputProps} />
    </label>
  );
}

/** A list filter: "all" (no value) or one of the options; the choice lives in the URL. */
export function FilterSelect({
  label,
  allLabel,
  value,
  options,
  onChange,
}: {
  label: string;
  allLabel: string;
  value: string | number | undefined;
  options: { value: string | number; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <Select aria-label={label} value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
      <option value="">{allLabel}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </Select>
  );
}

/**
 * A list's search box and its filters. On phones the filters fold behind one button that says how
 * many are set; from md up they are always shown. `className` lays out the filters' container.
 */
export function FilterPanel({ id, search, activeFilters, className, children }: { id: string; search: React.ReactNode; activeFilters: number; className: string; children: React.ReactNode }) {
  const tl = useTranslations("list");
  const [open, setOpen] = useState(false);
  return (
    <div className="space-y-2 rounded-xl border bg-card p-3">
      <div className="flex gap-2">
        {search}
        <Button variant="outline" className="h-11 md:hidden" aria-expanded={open} aria-controls={id} onClick={() => setOpen((isOpen) => !isOpen)}>
          <SlidersHorizontalIcon aria-hidden />
          {activeFilters > 0 ? tl("filtersActive", { count: activeFilters }) : tl("filters")}
        </Button>
      </div>
      <div id={id} className={cn(className, !open && "hidden")}>
        {children}
      </div>
    </div>
  );
}
