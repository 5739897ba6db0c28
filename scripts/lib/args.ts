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
