// How list commands print: an aligned table for a person at a terminal, JSON
// for scripts (stdout not a terminal, or --json). Each command gives the JSON
// objects and the table columns to show of them.
import { ApiError } from '../lib/errors.ts';
import type { Page, PageRequest } from '../lib/paging.ts';
import { decodePageToken } from '../lib/paging.ts';

export type Column<T> = [header: string, cell: (row: T) => string | undefined];

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [columns.map(([h]) => h), ...rows.map((r) => columns.map(([, f]) => oneLine(f(r) ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

// A newline in a name would break the table's rows.
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ');

/** Every item of a paged service list, page after page (100 at a time). */
export async function allPages<T>(fetch: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await fetch({ size: 100, after });
    out.push(...p.list);
    if (!p.nextPageToken) return out;
    after = decodePageToken(p.nextPageToken);
  }
}

/**
 * Runs `fn`; a "<noun> not found" error from a service gets the id the user typed
 * ("app 2B... not found"), so that the message says which of several ids is wrong.
 */
export async function naming<T>(ids: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) {
      for (const [noun, id] of Object.entries(ids)) {
        if (id !== undefined && err.message === `${noun} not found`) throw new ApiError(err.code, `${noun} ${id} not found`);
      }
    }
    throw err;
  }
}
