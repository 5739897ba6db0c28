import type { z } from "zod";

export type RawParams = Record<string, string | string[] | undefined>;

/**
 * Turns URL search params into a list procedure's input. The server page and the client view both
 * call this, so they build the same query key. Keys in `arrayKeys` hold comma-separated lists; a
 * malformed value is dropped rather than breaking the page.
 */
export function parseListParams<S extends z.ZodType<object>>(schema: S, params: RawParams, arrayKeys: string[] = []): z.output<S> {
  const raw = rawListInput(params, arrayKeys);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) delete raw[String(issue.path[0])];
  const retry = schema.safeParse(raw);
  return retry.success ? retry.data : schema.parse({});
}

/**
 * The same for a download of the list: a malformed filter throws (the route gate answers 400)
 * rather than being dropped, so the file never holds more than was asked for.
 */
export function parseListParamsStrictly<S extends z.ZodType<object>>(schema: S, params: RawParams, arrayKeys: string[] = []): z.output<S> {
  return schema.parse(rawListInput(params, arrayKeys));
}

function rawListInput(params: RawParams, arrayKeys: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const text = Array.isArray(value) ? value[0] : value;
    if (text === undefined || text === "") continue;
    raw[key] = arrayKeys.includes(key) ? text.split(",").filter(Boolean) : text;
  }
  return raw;
}
