// Small SQL helpers shared by stores.
import { type AnyColumn, and, gt, ilike, inArray, notInArray, or, type SQL } from 'drizzle-orm';

/** `%text%` for ILIKE, with the wildcard characters of the text escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Case-insensitive "contains" over several columns; undefined when there is no query. */
export function matchesQuery(query: string | undefined, columns: AnyColumn[]): SQL | undefined {
  const q = query?.trim();
  if (!q) return undefined;
  const pattern = containsPattern(q);
  return or(...columns.map((c) => ilike(c, pattern)));
}

export function inIds(column: AnyColumn, ids: string[] | undefined): SQL | undefined {
  return ids && ids.length > 0 ? inArray(column, ids) : undefined;
}

export function notInIds(column: AnyColumn, ids: string[] | undefined): SQL | undefined {
  return ids && ids.length > 0 ? notInArray(column, ids) : undefined;
}

export function after(column: AnyColumn, key: string | undefined): SQL | undefined {
  return key === undefined ? undefined : gt(column, key);
}

export function allOf(...conds: (SQL | undefined)[]): SQL | undefined {
  return and(...conds.filter((c): c is SQL => c !== undefined));
}
