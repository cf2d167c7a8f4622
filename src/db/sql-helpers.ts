// Small SQL helpers shared by stores.
import { type AnyColumn, and, asc, eq, gt, ilike, inArray, notInArray, or, type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, PgDialect, type PgTable, type SelectedFields } from 'drizzle-orm/pg-core';
import type { Db } from './index.ts';

/**
 * How a read locks the rows it returns, for the rest of its transaction: false for
 * not at all, true for FOR UPDATE, 'key share' to keep them from being deleted while
 * others may still update them (see GrantsService).
 */
export type RowLock = boolean | 'key share';

/** The FOR clause of a RowLock that locks. */
export const lockStrength = (lock: true | 'key share') => (lock === true ? 'update' : lock);

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

/**
 * One keyset page of a tenant's rows of `table` that match `conds`: ordered by id,
 * after the page's key, with one row more than the page holds (see toPage).
 */
export async function selectPage<T extends PgTable & { tenantId: AnyPgColumn; id: AnyPgColumn }, R = T['$inferSelect']>(
  db: Db,
  table: T,
  /** The columns to answer (e.g. with a count, see db/counts.ts); undefined for the table's own. */
  columns: SelectedFields | undefined,
  tenantId: string,
  page: { size: number; after?: string },
  ...conds: (SQL | undefined)[]
): Promise<R[]> {
  const rows = await (columns ? db.select(columns) : db.select())
    .from(table as PgTable)
    .where(allOf(eq(table.tenantId, tenantId), after(table.id, page.after), ...conds))
    .orderBy(asc(table.id))
    .limit(page.size + 1);
  return rows as R[];
}

type TenantTable = PgTable & { tenantId: AnyPgColumn; id: AnyPgColumn };

/** A lock on the rows a select returns: FOR UPDATE (true or 'update'), FOR KEY SHARE, or FOR SHARE. */
export type SelectLock = RowLock | 'share' | 'update';

/**
 * A tenant's row of `table` with this id that also matches `conds` (e.g. "in this app"),
 * locked as asked; undefined when there is none. Every store's get is this one statement.
 */
export async function selectOne<T extends TenantTable, R = T['$inferSelect']>(
  db: Db,
  table: T,
  columns: SelectedFields | undefined,
  tenantId: string,
  id: string,
  lock: SelectLock = false,
  ...conds: (SQL | undefined)[]
): Promise<R | undefined> {
  const q = (columns ? db.select(columns) : db.select())
    .from(table as PgTable)
    .where(allOf(eq(table.tenantId, tenantId), eq(table.id, id), ...conds));
  const [row] = lock ? await q.for(lock === 'share' || lock === 'update' ? lock : lockStrength(lock)) : await q;
  return row as R | undefined;
}

/** A tenant's rows of `table` with these ids (no statement for none), in no particular order. */
export async function selectByIds<T extends TenantTable, R = T['$inferSelect']>(
  db: Db,
  table: T,
  columns: SelectedFields | undefined,
  tenantId: string,
  ids: string[],
): Promise<R[]> {
  if (ids.length === 0) return [];
  const rows = await (columns ? db.select(columns) : db.select())
    .from(table as PgTable)
    .where(and(eq(table.tenantId, tenantId), inArray(table.id, ids)));
  return rows as R[];
}

/**
 * The first of a tenant's rows of `table` in which one of `columns` (field name → column) holds
 * `value`: the `pick`ed columns and the field that holds it. What "in use by" messages name.
 */
export async function firstNaming<T extends TenantTable>(
  db: Db,
  table: T,
  tenantId: string,
  value: string,
  columns: Record<string, AnyPgColumn>,
  pick: Record<string, AnyPgColumn>,
): Promise<{ row: Record<string, unknown>; field: string } | undefined> {
  const refs = Object.entries(columns);
  const [row] = (await db
    .select({ ...pick, ...Object.fromEntries(refs.map(([f, c]) => [`ref:${f}`, c])) })
    .from(table as PgTable)
    .where(and(eq(table.tenantId, tenantId), or(...refs.map(([, c]) => eq(c, value)))))
    .limit(1)) as Record<string, unknown>[];
  if (!row) return undefined;
  const field = refs.find(([f]) => row[`ref:${f}`] === value)?.[0] ?? refs[0][0];
  return { row, field };
}

/**
 * `(q)` as a scalar subquery, for a select field or RETURNING. Nested, so that its columns keep
 * their table: at a raw field's top level in a one-table select, Drizzle writes columns bare, and a
 * correlated `"t"."tenant_id" = "outer"."tenant_id"` would become `tenant_id = tenant_id` (always true).
 */
export const scalarSubquery = <T>(q: SQL): SQL<T> => sql<T>`(${q})`;

/**
 * The statement time limit for the rest of this transaction (ms, 0: none), in place of the
 * connection's GATEHOUSE_STATEMENT_TIMEOUT_MS: for work known to be long (a connector sync).
 */
export async function setLocalStatementTimeout(tx: Db, ms: number): Promise<void> {
  await tx.execute(sql`select set_config('statement_timeout', ${String(ms)}, true)`);
}

// The app's databases use Drizzle's default dialect (no casing option): the same SQL text as theirs.
/** Drizzle's SQL → text and parameters, outside a query builder. */
export const dialect = new PgDialect();

/**
 * Runs `query` as a named (prepared) statement, for a large statement on a hot path: on
 * PostgreSQL each pooled connection parses it once, and may plan it once (plan_cache_mode
 * auto), instead of on every call. Its text must be the same on every call, every value a
 * parameter. PGlite runs it like any other statement.
 */
export function executeNamed(db: Db, name: string, query: SQL): Promise<unknown> {
  return db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}
