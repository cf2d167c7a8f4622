// Update masks: a comma-separated list of camelCase (or proto snake_case) paths
// naming the fields an update changes. Without a mask, every writable field present in the body changes.
import { invalidArgument } from './errors.ts';

export function fieldsToUpdate<K extends string>(
  mask: string | undefined | null,
  writable: readonly K[],
  readOnly: readonly string[],
  given: Record<string, unknown> | undefined | null,
): K[] {
  const body = given ?? {};
  if (mask === undefined || mask === null || mask.trim() === '') {
    return writable.filter((f) => body[f] !== undefined);
  }
  // A path may be given by its proto name too (`display_name`), as C1's gateway reads masks.
  const paths = mask
    .split(',')
    .map((p) => p.trim().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
    .filter(Boolean);
  const out: K[] = [];
  for (const p of paths) {
    if (p === '*') return [...writable];
    if (readOnly.includes(p)) throw invalidArgument(`updateMask: field "${p}" is read-only`);
    if (!(writable as readonly string[]).includes(p)) throw invalidArgument(`updateMask: unknown field "${p}"`);
    if (!out.includes(p as K)) out.push(p as K);
  }
  return out;
}

/** How one masked field becomes columns; by default the column of the same name takes the value. */
export type FieldToColumns<Row> = (value: unknown) => Partial<Row>;

/**
 * The columns an update sets for the masked fields: each field through its converter, or into the
 * column of the same name. A masked field absent from the body is cleared (null), as in C1.
 */
export function columnsToSet<K extends string, Row>(
  fields: readonly K[],
  input: Partial<Record<K, unknown>> | undefined | null,
  convert: Partial<Record<K, FieldToColumns<Row>>> = {},
): Partial<Row> {
  const set: Record<string, unknown> = {};
  for (const f of fields) {
    const v = input?.[f];
    const c = convert[f];
    if (c) Object.assign(set, c(v));
    else set[f] = v ?? null;
  }
  return set as Partial<Row>;
}
