// Update masks: a comma-separated list of camelCase paths naming the fields an
// update changes. Without a mask, every writable field present in the body changes.
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
  const paths = mask
    .split(',')
    .map((p) => p.trim())
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
