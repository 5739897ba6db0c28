import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a script's options: `--help` (or `-h`) prints the usage and exits 0; an unknown or
 * malformed option prints what is wrong and the usage, and exits 2 (no stack trace).
 */
export function parseOptions<const Options extends OptionsConfig>(options: Options, usage: string) {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ options, strict: true }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
}

/** A command-line option that must be a positive whole number; exits with a message otherwise. */
export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive whole number.`);
    process.exit(2);
  }
  return n;
}

/** A command-line option that must be a positive number, or is absent. */
export function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0)) {
    console.error(`--${name} must be a positive number.`);
    process.exit(2);
  }
  return n;
}

/** A command-line option that must be a whole number, 0 or more. */
export function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number.`);
    process.exit(2);
  }
  return n;
}

/** A command-line option that must be a number from 0 to 1. */
export function fraction(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= 0 && n <= 1)) {
    console.error(`--${name} must be a number from 0 to 1.`);
    process.exit(2);
  }
  return n;
}
