/** Escapes LIKE's wildcards, so a search for "A_1" matches that text and not "AB1". */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
