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
