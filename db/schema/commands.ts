import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { commandStatuses, commandTypes, type CommandParams } from "./values";

export const commandType = pgEnum("command_type", commandTypes);
export const commandStatus = pgEnum("command_status", commandStatuses);

/** A remote command for one terminal: it rides in the terminal's heartbeat answers until the terminal reports a result. */
export const terminalCommands = pgTable(
  "terminal_commands",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // No foreign keys on the terminal and its merchant: commands are queued from the terminals row
    // itself, up to a hundred thousand at once (a bulk action), where a check per row costs a sixth
    // of the time; terminals and merchants are never deleted.
    terminalId: uuid("terminal_id").notNull(),
    // The terminal's merchant when the command was issued: a later owner does not see it.
    merchantId: uuid("merchant_id"),
    type: commandType("type").notNull(),
    params: jsonb("params")
      .$type<CommandParams>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    status: commandStatus("status").notNull().default("queued"),
    issuedBy: text("issued_by").references(() => users.id, { onDelete: "set null" }),
    issuedAt: timestamp("issued_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    resultMessage: text("result_message"),
    // collect_logs: where the uploaded log is in the object storage, and its size.
    logKey: text("log_key"),
    logBytes: bigint("log_bytes", { mode: "number" }),
  },
  (t) => [
    index("terminal_commands_terminal_idx").on(t.terminalId, t.issuedAt.desc()),
    // The heartbeat looks up a terminal's open commands; finished ones leave the index.
    index("terminal_commands_open_idx")
      .on(t.terminalId)
      .where(sql`${t.status} in ('queued', 'delivered')`),
    // The expiry job finds the queued commands past their time.
    index("terminal_commands_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'queued'`),
  ],
);
