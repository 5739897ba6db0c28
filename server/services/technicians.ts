import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { technicianAssignments, users } from "@/db/schema";
import { AppError } from "../errors";

/** A technician may take work only for the merchants assigned to them. */
export async function assertTechnician(tx: Db, technicianId: string | null | undefined, merchantId: string | null) {
  if (!technicianId) return;
  const [user] = await tx.select({ role: users.role }).from(users).where(eq(users.id, technicianId));
  if (!user || user.role !== "technician") throw new AppError("invalid", "chooseTechnician", {}, { field: "technicianId" });
  if (merchantId) {
    const [assigned] = await tx
      .select()
      .from(technicianAssignments)
      .where(and(eq(technicianAssignments.technicianId, technicianId), eq(technicianAssignments.merchantId, merchantId)));
    if (!assigned) throw new AppError("invalid", "technicianNotAssigned", {}, { field: "technicianId" });
  }
}

/** The technicians who may be given work for a merchant (every technician when none is named). */
export async function assignableTechnicians(db: Db, merchantId: string | null) {
  const base = db.select({ id: users.id, name: users.name }).from(users);
  if (!merchantId) return base.where(eq(users.role, "technician")).orderBy(asc(users.name));
  return base
    .innerJoin(technicianAssignments, eq(technicianAssignments.technicianId, users.id))
    .where(and(eq(users.role, "technician"), eq(technicianAssignments.merchantId, merchantId)))
    .orderBy(asc(users.name));
}
