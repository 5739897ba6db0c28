import { createTranslator, type AbstractIntlMessages } from "next-intl";
import type { z, ZodError } from "zod";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";
import { defaultLocale, type Locale } from "./locales";

/** The domain's own refusals; routers and route handlers map them to tRPC codes or HTTP statuses. */
export type AppErrorCode = "not_found" | "conflict" | "invalid" | "forbidden" | "rate_limited";

/** Why something was refused: a key of the `errors` namespace in messages/*.json, worded in the reader's language. */
export type ErrorReason = keyof typeof en.errors;
export type ErrorParams = Record<string, string | number>;

const catalogues: Record<Locale, AbstractIntlMessages> = { en: { errors: en.errors }, "zh-CN": { errors: zh.errors } };
const translators = new Map<Locale, (reason: string, params: ErrorParams) => string>();

export function isErrorReason(key: string): key is ErrorReason {
  return Object.hasOwn(en.errors, key);
}

/** A refusal's sentence in one language; the English one is also the error's `message`, for logs and the device API. */
export function renderError(reason: ErrorReason, params: ErrorParams = {}, locale: Locale = defaultLocale): string {
  let translate = translators.get(locale);
  if (!translate) {
    // The catalogue is typed loosely here; ErrorReason is what checks the keys.
    translate = createTranslator({ locale, messages: catalogues[locale], namespace: "errors" }) as unknown as (reason: string, params: ErrorParams) => string;
    translators.set(locale, translate);
  }
  return translate(reason, params);
}

export class AppError extends Error {
  /** The form field the refusal is about, so the form marks it. */
  readonly field?: string;
  /** Extra machine-readable facts (the device API's error code, attempts left, Retry-After). */
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: AppErrorCode,
    readonly reason: ErrorReason,
    readonly params: ErrorParams = {},
    options: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(renderError(reason, params));
    this.field = options.field;
    this.details = options.details;
  }
}

/** Things that can be missing: each has its own sentence (`terminalNotFound`), so both languages read naturally. */
export type MissingThing = ErrorReason extends infer R ? (R extends `${infer Thing}NotFound` ? Thing : never) : never;

export const notFound = (thing: MissingThing) => new AppError("not_found", `${thing}NotFound` as ErrorReason);

type Issue = z.core.$ZodIssue;

const asNumber = (value: number | bigint) => Number(value);

/** zod's facts about an issue (the limits it broke), as message parameters. */
function issueParams(issue: Issue): ErrorParams {
  switch (issue.code) {
    case "too_small":
      return { minimum: asNumber(issue.minimum) };
    case "too_big":
      return { maximum: asNumber(issue.maximum) };
    case "not_multiple_of":
      return { divisor: asNumber(issue.divisor) };
    case "unrecognized_keys":
      return { keys: issue.keys.join(", ") };
    default:
      return {};
  }
}

/** A reason for each of zod's own issues; a schema's custom message is a reason already (server/schemas). */
function builtInReason(issue: Issue): ErrorReason {
  switch (issue.code) {
    case "invalid_type":
      // zod v4 leaves the input out of its issues; its English message is the one place that says the value was missing.
      if (/received undefined$/.test(issue.message)) return "fieldRequired";
      if (issue.expected === "int") return "enterWholeNumber";
      if (issue.expected === "number") return "enterNumber";
      if (issue.expected === "boolean") return "chooseYesOrNo";
      if (issue.expected === "date") return "enterDateTime";
      if (issue.expected === "string") return "enterText";
      return "invalidValue";
    case "too_small":
      if (issue.origin === "string") return asNumber(issue.minimum) <= 1 ? "fieldRequired" : "textTooShort";
      if (issue.origin === "array" || issue.origin === "set") return asNumber(issue.minimum) <= 1 ? "chooseAtLeastOne" : "tooFewItems";
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") return issue.inclusive === false ? "numberTooSmallExclusive" : "numberTooSmall";
      return "invalidValue";
    case "too_big":
      if (issue.origin === "string") return "textTooLong";
      if (issue.origin === "array" || issue.origin === "set") return "tooManyItems";
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") return issue.inclusive === false ? "numberTooBigExclusive" : "numberTooBig";
      return "invalidValue";
    case "invalid_format":
      if (issue.format === "email") return "enterEmail";
      if (issue.format === "uuid" || issue.format === "guid") return "chooseFromList";
      if (issue.format === "url") return "enterUrl";
      return "invalidFormat";
    case "invalid_value":
      return "chooseFromList";
    case "not_multiple_of":
      return "notMultipleOf";
    case "unrecognized_keys":
      return "unknownFields";
    default:
      return "invalidValue";
  }
}

/** The reason and parameters of one validation issue: the schema's own reason when it names one, else zod's issue mapped. */
export function issueReason(issue: Issue): { reason: ErrorReason; params: ErrorParams } {
  // A value that fits no alternative (an e-mail or nothing, nothing or a phone) is refused for what an
  // alternative with a reason of its own wanted (a phone's invalidPhone), else for what the first one wanted.
  if (issue.code === "invalid_union" && !isErrorReason(issue.message)) {
    const alternatives = issue.errors.flatMap((issues) => issues.slice(0, 1));
    const chosen = alternatives.find((alternative) => isErrorReason(alternative.message)) ?? alternatives[0];
    if (chosen) return issueReason(chosen);
  }
  const custom = issue.code === "custom" ? (issue.params as ErrorParams | undefined) : undefined;
  return { reason: isErrorReason(issue.message) ? issue.message : builtInReason(issue), params: { ...issueParams(issue), ...custom } };
}

export function issueMessage(issue: Issue, locale: Locale = defaultLocale): string {
  const { reason, params } = issueReason(issue);
  return renderError(reason, params, locale);
}

/**
 * Field-level messages for forms: `{ field: [message] }` under the top-level field, as zod's
 * flattenError keys them, and also under the full dotted path of a nested field
 * ("phases.2.percent", "businessHours.mon.closes") so a form can mark the exact input.
 */
export function fieldErrorsOf(error: ZodError, locale: Locale = defaultLocale): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  const add = (key: string, message: string) => {
    const messages = (fields[key] ??= []);
    if (!messages.includes(message)) messages.push(message);
  };
  for (const issue of error.issues) {
    if (!issue.path.length) continue;
    const message = issueMessage(issue, locale);
    add(String(issue.path[0]), message);
    if (issue.path.length > 1) add(issue.path.map(String).join("."), message);
  }
  return fields;
}

/**
 * One sentence for input that failed validation: what is wrong with the input as a whole, else
 * which fields to correct; the per-field messages travel separately (fieldErrorsOf), and zod's
 * own issue list never reaches the user.
 */
export function invalidInputMessage(error: ZodError, locale: Locale = defaultLocale): string {
  const whole = error.issues.filter((issue) => !issue.path.length).map((issue) => issueMessage(issue, locale));
  if (whole.length) return [...new Set(whole)].join(" ");
  const fields = [...new Set(error.issues.map((issue) => String(issue.path[0])))];
  return renderError("someFieldsInvalid", { fields: fields.join(", ") }, locale);
}

/** PostgreSQL's SQLSTATE of a driver error, looking through Drizzle's wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** How long a client should wait before retrying after a transient database failure (503). */
export const TRANSIENT_RETRY_AFTER_SECONDS = 5;

// 08: connection exceptions; 57P01-57P03: the server shutting down, crashed or starting; 53300: too many connections.
const transientSqlState = /^(08...|57P0[123]|53300)$/;
// The driver's own words when it has no SQLSTATE: the socket died, or no connection could be had in time.
const transientDriverMessage = /Connection terminated|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;
const transientSocketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * Whether a failure is the database being briefly out of reach (restart, failover, a killed
 * connection) rather than a fault in the request: such a request is answered 503 with Retry-After,
 * and the pool opens new connections for the next one.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (transientSqlState.test(code) || transientSocketCodes.has(code))) return true;
    if (typeof message === "string" && transientDriverMessage.test(message)) return true;
    // A failed connect to a host with several addresses (localhost: ::1 and 127.0.0.1).
    if (e instanceof AggregateError && e.errors.some(isTransientDatabaseError)) return true;
  }
  return false;
}
