import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { technicianAssignments, type UserRole } from "@/db/schema";

/**
 * Which merchants' data the caller may see: every merchant for an admin, the assigned ones for a
 * technician, their own for a merchant user. Every query of tenant data filters through inScope.
 */
export type Scope = { readonly kind: "all" } | { readonly kind: "merchants"; readonly merchantIds: readonly string[] };

export function inScope(merchantIdColumn: AnyPgColumn, scope: Scope): SQL {
  if (scope.kind === "all") return sql`true`;
  if (scope.merchantIds.length === 0) return sql`false`;
  return inArray(merchantIdColumn, [...scope.merchantIds]);
}

export function scopeIncludes(scope: Scope, merchantId: string | null | undefined): boolean {
  if (scope.kind === "all") return true;
  return merchantId != null && scope.merchantIds.includes(merchantId);
}

/**
 * Where the caller's view of a terminal's history starts. History from before the terminal joined
 * its merchant belongs to the earlier merchant, so a merchant user, and a technician working for the
 * merchant, see it from merchantSince; an admin sees all of it (null).
 */
export function historySince(scope: Scope, terminal: { merchantSince: Date }): Date | null {
  return scope.kind === "all" ? null : terminal.merchantSince;
}

export async function scopeForUser(db: Db, user: { id: string; role: UserRole; merchantId: string | null }): Promise<Scope> {
  if (user.role === "admin") return { kind: "all" };
  if (user.role === "merchant") return { kind: "merchants", merchantIds: user.merchantId ? [user.merchantId] : [] };
  const rows = await db.select({ merchantId: technicianAssignments.merchantId }).from(technicianAssignments).where(eq(technicianAssignments.technicianId, user.id));
  return { kind: "merchants", merchantIds: rows.map((r) => r.merchantId) };
}
