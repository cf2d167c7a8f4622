// readC1z: a baton c1z file → the sync baton would read, as typed records. The file is inflated
// and opened once; every row of the chosen sync is decoded once up front, so a file that does
// not decode is refused here, before a caller has applied anything. The records are then
// streamed (sql.js steps one row at a time), so a million grants are never one array.
import type { Database, SqlValue } from 'sql.js';
import { type C1zLimits, unpackC1z } from './container.ts';
import { C1zError } from './errors.ts';
import { decodeEntitlement, decodeGrant, decodeResource, decodeResourceType } from './messages.ts';
import { type OpenedDb, openDb, pickSync, rows, sqliteError } from './sqlite.ts';
import type { C1zCounts, C1zEntitlement, C1zGrant, C1zResource, C1zResourceType, C1zSyncInfo } from './types.ts';

export type { C1zLimits } from './container.ts';

export type C1zSync = {
  sync: C1zSyncInfo;
  counts: C1zCounts;
  /** Each call starts a fresh pass over the table, in file order. */
  resourceTypes(): Generator<C1zResourceType>;
  resources(): Generator<C1zResource>;
  entitlements(): Generator<C1zEntitlement>;
  grants(): Generator<C1zGrant>;
  /** Frees the in-memory database; the iterators fail after it. */
  close(): void;
};

const blob = (value: SqlValue): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  throw new Error('data is not a blob');
};

const text = (value: SqlValue): string => (value === null ? '' : String(value));
const textOrNull = (value: SqlValue): string | null => (value === null ? null : String(value));

/** Decodes one row, naming the table and row when its protobuf does not decode. */
function decodeRow<T>(table: string, row: SqlValue[], decode: (row: SqlValue[]) => T): T {
  try {
    return decode(row);
  } catch (err) {
    if (err instanceof C1zError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new C1zError('bad-protobuf', `${table} row ${row[0]} does not decode (${why})`, { cause: err });
  }
}

function* table<T>(db: Database, name: string, columns: string[], syncId: string, decode: (row: SqlValue[]) => T): Generator<T> {
  const sql = `SELECT ${columns.join(', ')} FROM ${name} WHERE sync_id = ? ORDER BY id`;
  for (const row of rows(db, sql, [syncId])) yield decodeRow(name, row, decode);
}

function syncReader({ db, columns }: OpenedDb, syncId: string) {
  const expansion = columns.v1_grants.has('expansion') ? 'expansion' : 'NULL';
  return {
    resourceTypes: () =>
      table(db, 'v1_resource_types', ['id', 'external_id', 'data'], syncId, (r) => decodeResourceType(blob(r[2]), text(r[1]))),
    resources: () =>
      table(
        db,
        'v1_resources',
        ['id', 'resource_type_id', 'external_id', 'parent_resource_type_id', 'parent_resource_id', 'data'],
        syncId,
        (r) =>
          decodeResource(blob(r[5]), {
            resourceTypeId: text(r[1]),
            externalId: text(r[2]),
            parentResourceTypeId: textOrNull(r[3]),
            parentResourceId: textOrNull(r[4]),
          }),
      ),
    entitlements: () =>
      table(db, 'v1_entitlements', ['id', 'resource_type_id', 'resource_id', 'external_id', 'data'], syncId, (r) =>
        decodeEntitlement(blob(r[4]), { resourceTypeId: text(r[1]), resourceId: text(r[2]), externalId: text(r[3]) }),
      ),
    grants: () =>
      table(
        db,
        'v1_grants',
        [
          'id',
          'resource_type_id',
          'resource_id',
          'entitlement_id',
          'principal_resource_type_id',
          'principal_resource_id',
          'external_id',
          expansion,
          'data',
        ],
        syncId,
        (r) =>
          decodeGrant(blob(r[8]), {
            resourceTypeId: text(r[1]),
            resourceId: text(r[2]),
            entitlementId: text(r[3]),
            principalResourceTypeId: text(r[4]),
            principalResourceId: text(r[5]),
            externalId: text(r[6]),
            expansion: r[7] instanceof Uint8Array ? r[7] : null,
          }),
      ),
  };
}

const countOf = (it: Iterable<unknown>): number => {
  let n = 0;
  for (const _ of it) n++;
  return n;
};

/**
 * Reads a c1z file (bytes or a path). Refuses, with a C1zError whose `reason` says why and
 * nothing returned, a v3 or unknown file, one over the limits, a corrupt stream, a non-baton
 * database, or a row that does not decode. The caller must close() the result.
 */
export async function readC1z(input: Uint8Array | string, limits: C1zLimits = {}): Promise<C1zSync> {
  const opened = await openDb(await unpackC1z(input, limits));
  try {
    const sync = pickSync(opened);
    const reader = syncReader(opened, sync.id);
    const counts: C1zCounts = {
      resourceTypes: countOf(reader.resourceTypes()),
      resources: countOf(reader.resources()),
      entitlements: countOf(reader.entitlements()),
      grants: countOf(reader.grants()),
    };
    return { sync, counts, ...reader, close: () => opened.db.close() };
  } catch (err) {
    opened.db.close();
    throw sqliteError(err);
  }
}

/** Reads a c1z file, runs `use` on it and closes it, whether `use` succeeds or not. */
export async function withC1z<T>(
  input: Uint8Array | string,
  limits: C1zLimits,
  use: (sync: C1zSync) => Promise<T> | T,
): Promise<T> {
  const sync = await readC1z(input, limits);
  try {
    return await use(sync);
  } finally {
    sync.close();
  }
}
