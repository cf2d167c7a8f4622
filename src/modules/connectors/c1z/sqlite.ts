// The SQLite side of a v1 c1z file, through sql.js (SQLite compiled to wasm: no native build,
// runs on Node 20). Checks the baton tables are there, picks the sync to read and steps rows one
// at a time, so a caller holds one decoded record at a time rather than a table.
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { C1zError } from './errors.ts';
import type { C1zSyncInfo } from './types.ts';

/** The columns read from each table (README "Tables"); newer files have more, which are ignored. */
const REQUIRED: Record<string, string[]> = {
  v1_resource_types: ['id', 'external_id', 'data', 'sync_id'],
  v1_resources: ['id', 'resource_type_id', 'external_id', 'parent_resource_type_id', 'parent_resource_id', 'data', 'sync_id'],
  v1_entitlements: ['id', 'resource_type_id', 'resource_id', 'external_id', 'data', 'sync_id'],
  v1_grants: [
    'id',
    'resource_type_id',
    'resource_id',
    'entitlement_id',
    'principal_resource_type_id',
    'principal_resource_id',
    'external_id',
    'data',
    'sync_id',
  ],
  v1_sync_runs: ['id', 'sync_id', 'started_at', 'ended_at'],
};

let engine: Promise<SqlJsStatic> | undefined;

const notSqlite = (why: string, cause?: unknown) =>
  new C1zError('not-sqlite', `the c1z file does not hold a baton SQLite database (${why})`, { cause });

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** SQLite's own errors: a damaged page is 'corrupt', anything else means it is not a database. */
export function sqliteError(err: unknown): C1zError {
  if (err instanceof C1zError) return err;
  const message = messageOf(err);
  if (/malformed|corrupt/i.test(message)) {
    return new C1zError('corrupt', `the c1z file's database is corrupt (${message})`, { cause: err });
  }
  return notSqlite(message, err);
}

export type OpenedDb = { db: Database; columns: Record<string, Set<string>> };

/** Opens the database and checks it has the baton tables and columns. */
export async function openDb(bytes: Uint8Array): Promise<OpenedDb> {
  engine ??= initSqlJs();
  const SQL = await engine;
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const columns: Record<string, Set<string>> = {};
    for (const [table, required] of Object.entries(REQUIRED)) {
      const have = new Set<string>();
      const stmt = db.prepare(`SELECT name FROM pragma_table_info(?)`, [table]);
      while (stmt.step()) have.add(String(stmt.get()[0]));
      stmt.free();
      if (have.size === 0) throw notSqlite(`no table ${table}`);
      const missing = required.filter((c) => !have.has(c));
      if (missing.length > 0) throw notSqlite(`table ${table} lacks ${missing.join(', ')}`);
      columns[table] = have;
    }
    // The b-trees of every table and index (~2 ms per MB): a damaged page is refused here rather
    // than found, or missed, halfway through an import.
    const check = db.exec('PRAGMA quick_check')[0]?.values ?? [];
    if (check.length !== 1 || check[0][0] !== 'ok') {
      const detail = check
        .map((r) => String(r[0]))
        .join('; ')
        .slice(0, 300);
      throw new C1zError('corrupt', `the c1z file's database is corrupt (${detail})`);
    }
    return { db, columns };
  } catch (err) {
    db?.close();
    throw sqliteError(err);
  }
}

/**
 * The sync baton itself would read: the newest finished full sync, else the newest unfinished
 * one. A file without a sync_type column is from before partial syncs: every sync is full.
 */
export function pickSync({ db, columns }: OpenedDb): C1zSyncInfo {
  const typeColumn = columns.v1_sync_runs.has('sync_type') ? "coalesce(nullif(sync_type, ''), 'full')" : "'full'";
  const rows = db.exec(
    `SELECT sync_id, started_at, ended_at, ${typeColumn} AS sync_type FROM v1_sync_runs
      WHERE ${typeColumn} = 'full'
      ORDER BY ended_at IS NULL, coalesce(ended_at, started_at) DESC, id DESC LIMIT 1`,
  );
  const row = rows[0]?.values[0];
  if (!row) throw new C1zError('no-sync', 'the c1z file holds no full sync');
  const endedAt = row[2] === null ? undefined : String(row[2]);
  return { id: String(row[0]), startedAt: String(row[1]), endedAt, finished: endedAt !== undefined, type: String(row[3]) };
}

/** Steps `sql` (bound to `params`) and yields each row's values; the statement is freed however the loop ends. */
export function* rows(db: Database, sql: string, params: SqlValue[]): Generator<SqlValue[]> {
  let stmt: ReturnType<Database['prepare']>;
  try {
    stmt = db.prepare(sql, params);
  } catch (err) {
    throw sqliteError(err);
  }
  try {
    for (;;) {
      let more: boolean;
      try {
        more = stmt.step();
      } catch (err) {
        throw sqliteError(err);
      }
      if (!more) return;
      yield stmt.get();
    }
  } finally {
    stmt.free();
  }
}
