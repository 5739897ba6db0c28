ALTER TABLE "terminal_commands" DROP CONSTRAINT "terminal_commands_terminal_id_terminals_id_fk";
--> statement-breakpoint
ALTER TABLE "terminal_commands" DROP CONSTRAINT "terminal_commands_merchant_id_merchants_id_fk";
