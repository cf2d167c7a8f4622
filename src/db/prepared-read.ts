// Hot reads straight through node-postgres: the SQL Drizzle builds (once), run as a named
// prepared statement whose row description is asked for once (known-shape-query.ts), rows as
// arrays, each value decoded by the column or SQL expression it was selected as, exactly as
// Drizzle would (preparedRead), or keyed by column name as Drizzle's raw queries give them
// (preparedSqlPerDb). Drizzle's own execute (tracing spans, placeholder filling, and for every
// value of every row a look-up of its decoder through the prototype chain) cost GET app about 5%
// of its server CPU. On PGlite, and given a transaction, the read runs as Drizzle's prepared
// query.
import { Column, is, Placeholder, SQL } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db } from './index.ts';
import { KnownShapeQuery, runKnownShape, type Shape } from './known-shape-query.ts';
import { dialect } from './sql-helpers.ts';

type Decoder = { mapFromDriverValue(value: unknown): unknown };
/** Where a selected value goes in the row object, and how it is decoded. */
type Slot = { path: string[]; decoder: Decoder };

type NodePg = { pool: pg.Pool; logQuery?: (query: string, params: unknown[]) => void };
const nodePgOf = new WeakMap<Db, NodePg>();

/** For src/db/index.ts: `db` is the pool's own handle (not a transaction's), so reads may bypass Drizzle. */
export function registerNodePg(db: Db, pool: pg.Pool, logQuery?: NodePg['logQuery']): void {
  nodePgOf.set(db, { pool, logQuery });
}

/** Whether reads of `db` go straight through node-postgres (for tests). */
export const readsThroughNodePg = (db: Db): boolean => nodePgOf.has(db);

// Time types come back as text, for the columns' decoders, as Drizzle's node-postgres driver has them.
const TEXT_TYPES = new Set([1082, 1114, 1115, 1182, 1184, 1185, 1186, 1187, 1231]);
const asText = (value: string) => value;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    TEXT_TYPES.has(oid) ? asText : pg.types.getTypeParser(oid, format as 'text'),
};

/** What `.mapWith()` set (typed internal by Drizzle, whose own row mapping reads it the same way). */
const decoderOf = (expr: SQL): Decoder => (expr as unknown as { decoder: Decoder }).decoder;

/** The selection's values in select-list order (Drizzle orders them the same way: by key, depth first). */
function slotsOf(selection: Record<string, unknown>, path: string[] = []): Slot[] {
  return Object.entries(selection).flatMap(([key, value]): Slot[] => {
    const at = [...path, key];
    if (is(value, Column)) return [{ path: at, decoder: value }];
    if (is(value, SQL)) return [{ path: at, decoder: decoderOf(value) }];
    if (is(value, SQL.Aliased)) return [{ path: at, decoder: decoderOf(value.sql) }];
    return slotsOf(value as Record<string, unknown>, at);
  });
}

function rowOf(slots: Slot[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < slots.length; i++) {
    const { path, decoder } = slots[i];
    let node = row;
    for (let j = 0; j < path.length - 1; j++) {
      node[path[j]] ??= {};
      node = node[path[j]] as Record<string, unknown>;
    }
    const v = values[i];
    node[path[path.length - 1]] = v === null ? null : decoder.mapFromDriverValue(v);
  }
  return row;
}

/** Runs `text` (Drizzle's parameters, placeholders filled from the values given) as a KnownShapeQuery. */
function knownShapeRead(nodePg: NodePg, name: string, text: string, given: unknown[]) {
  const { pool, logQuery } = nodePg;
  const shape: Shape = {};
  const run = (values: Record<string, unknown>): Promise<unknown[][]> => {
    const params = given.map((p) => (is(p, Placeholder) ? values[p.name] : p));
    logQuery?.(text, params);
    return runKnownShape(pool, new KnownShapeQuery(name, text, params, shape, types));
  };
  return { run, shape };
}

/**
 * A prepared read of `selection` as `build(db)` selects it (with `sql.placeholder`s): what
 * Drizzle's `.prepare(name).execute(values)` answers, for one database handle.
 */
export function preparedRead<T>(
  db: Db,
  name: string,
  selection: Record<string, unknown>,
  build: (db: Db) => PgSelect,
): (values: Record<string, unknown>) => Promise<T[]> {
  const nodePg = nodePgOf.get(db);
  if (!nodePg) {
    const q = build(db).prepare(name);
    return (values) => q.execute(values) as Promise<T[]>;
  }
  const { sql: text, params: given } = build(db).toSQL();
  const slots = slotsOf(selection);
  const { run } = knownShapeRead(nodePg, name, text, given);
  return async (values) => (await run(values)).map((r) => rowOf(slots, r) as T);
}

type Read<T> = (values: Record<string, unknown>) => Promise<T[]>;

/** `make(db)` once per database handle: what a store keeps at module level for a hot read. */
function perDb<T>(make: (db: Db) => Read<T>): (db: Db, values: Record<string, unknown>) => Promise<T[]> {
  const byDb = new WeakMap<Db, Read<T>>();
  return (db, values) => {
    let q = byDb.get(db);
    if (!q) {
      q = make(db);
      byDb.set(db, q);
    }
    return q(values);
  };
}

/** `preparedRead` for any database handle, made (SQL built, statement named) once per handle. */
export const preparedReadPerDb = <T>(name: string, selection: Record<string, unknown>, build: (db: Db) => PgSelect) =>
  perDb((db) => preparedRead<T>(db, name, selection, build));

/**
 * A raw statement (Drizzle `sql` with `sql.placeholder`s) prepared once per database handle; rows
 * keyed by column name, time values as text, as Drizzle's raw queries give them. On PostgreSQL a
 * KnownShapeQuery (planned once per connection, described once); elsewhere Drizzle's named query.
 */
export function preparedSqlPerDb(
  name: string,
  query: SQL,
): (db: Db, values: Record<string, unknown>) => Promise<Record<string, unknown>[]> {
  const { sql: text, params: given } = dialect.sqlToQuery(query);
  return perDb((db): Read<Record<string, unknown>> => {
    const nodePg = nodePgOf.get(db);
    if (!nodePg) {
      const q = db._.session.prepareQuery({ sql: text, params: given }, undefined, name, false);
      // Raw (no fields): the driver's own result, whose rows are objects by column name.
      return async (values) => ((await q.execute(values)) as { rows: Record<string, unknown>[] }).rows;
    }
    const { run, shape } = knownShapeRead(nodePg, name, text, given);
    return async (values) => {
      const rows = await run(values);
      const names = shape.names as string[];
      return rows.map((r) => {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) row[names[i]] = r[i];
        return row;
      });
    };
  });
}
