import { ilike, sql, type SQL } from "drizzle-orm";

/** Escapes LIKE's wildcards, so a search for "A_1" matches that text and not "AB1". */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A case-insensitive "contains" search on a column, with the text's wildcards escaped. */
export const containsText = (column: Parameters<typeof ilike>[0], text: string) => ilike(column, `%${escapeLike(text)}%`);

/**
 * A list as one JSON parameter: both drivers pass it alike (PGlite takes no array parameters),
 * whatever its length. The limit tells the planner the real row count (it assumes 100), so
 * 100,000 serials are joined, not probed one by one. Use as `column in ${jsonList(values)}`.
 */
export const jsonList = (values: readonly string[]) => sql`(select value from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) limit ${values.length})`;
export const uuidList = (values: readonly string[]): SQL => sql`(select value::uuid from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) limit ${values.length})`;

/**
 * The code's own constants (enum values, never input) inline as `('a', 'b')`, for
 * `column in ${literalList(values)}`: the planner can match partial indexes on them.
 */
export const literalList = (values: readonly string[]): SQL => sql.raw(`(${values.map((v) => `'${v}'`).join(", ")})`);

/** Ids as one uuid[] parameter (`column = any(${uuidArray(ids)})`): one parameter however many, where drizzle's inArray takes one each. */
export const uuidArray = (ids: readonly string[]): SQL => sql`${`{${ids.join(",")}}`}::uuid[]`;
