// Keyset paging: lists are ordered by id (KSUIDs are time-ordered) and a page
// token carries the last id seen, so pages never skip or repeat rows even while
// others are inserted. Sizes follow C1: default 25, under 10 → 10, over 100 → 100.
import { invalidArgument } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 25;

export function pageSizeOf(requested: number | undefined | null): number {
  if (requested === undefined || requested === null || requested === 0) return DEFAULT_PAGE_SIZE;
  if (requested < 10) return 10;
  if (requested > 100) return 100;
  return requested;
}

const TOKEN_PREFIX = 'gh1:';

export function encodePageToken(lastKey: string): string {
  return Buffer.from(TOKEN_PREFIX + lastKey, 'utf8').toString('base64url');
}

/** The key after which the page starts, or undefined for the first page. */
export function decodePageToken(token: string | undefined | null, field = 'page_token'): string | undefined {
  if (!token) return undefined;
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith(TOKEN_PREFIX) || text.length === TOKEN_PREFIX.length) {
    throw invalidArgument(`${field}: invalid page token`);
  }
  return text.slice(TOKEN_PREFIX.length);
}

export type PageRequest = { size: number; after?: string };

export function pageRequest(
  pageSize: number | undefined | null,
  pageToken: string | undefined | null,
  field?: string,
): PageRequest {
  return { size: pageSizeOf(pageSize), after: decodePageToken(pageToken, field) };
}

export type Page<T> = { list: T[]; nextPageToken: string };

/** Turns `size + 1` fetched rows into a page and the token of the next one. */
export function toPage<T>(rows: T[], size: number, keyOf: (row: T) => string): Page<T> {
  if (rows.length > size) {
    const list = rows.slice(0, size);
    return { list, nextPageToken: encodePageToken(keyOf(list[list.length - 1])) };
  }
  return { list: rows, nextPageToken: '' };
}
