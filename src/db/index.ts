// Database connection: PostgreSQL through node-postgres, or the embedded PGlite.
// Both give a Drizzle database of the same type, so stores never know which.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { DurableNodeFS } from './pglite-fs.ts';
import { pgliteModule } from './pglite-memory.ts';
import { registerNodePg } from './prepared-read.ts';
import * as catalog from './schema.ts';
import * as access from './schema-access.ts';
import * as catalogTables from './schema-catalogs.ts';
import * as connectorTables from './schema-connectors.ts';
import * as policyTables from './schema-policies.ts';
import * as systemLogTables from './schema-systemlog.ts';
import * as taskTables from './schema-tasks.ts';
import * as webhookTables from './schema-webhooks.ts';

const schema = {
  ...catalog,
  ...access,
  ...policyTables,
  ...taskTables,
  ...connectorTables,
  ...systemLogTables,
  ...catalogTables,
  ...webhookTables,
};

export type Schema = typeof schema;
/** A database or a transaction: stores accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

export type Database = {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Human-readable location, for logs (no password). */
  location: string;
  /** Applies the pending migrations; says how many it applied and how many there are in all. */
  migrate(): Promise<MigrationCount>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Connections of the pool in use / total (PGlite has one). */
  poolStats(): { total: number; idle: number; waiting: number };
};

export type MigrationCount = { applied: number; total: number };

/** Migrations recorded by Drizzle's migrator (0 before the first). */
async function appliedMigrations(query: (text: string) => Promise<unknown[]>): Promise<number> {
  const [t] = (await query(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`)) as {
    present: boolean;
  }[];
  if (!t.present) return 0;
  const [c] = (await query('select count(*)::int as n from drizzle.__drizzle_migrations')) as { n: number }[];
  return Number(c.n);
}

export type DatabaseOptions = {
  databaseUrl?: string;
  dataDir?: string;
  /** In-memory PGlite (tests): nothing is written to disk. */
  memory?: boolean;
  /**
   * An in-memory database starts as a copy of this data directory (PGlite's dumpDataDir) instead
   * of a new one: tests open many, and initdb plus the migrations made a third of each open.
   */
  memoryFrom?: Blob;
  /** PGlite's shared_buffers in MB (src/db/pglite-memory.ts); undefined: PGlite's own 128 MB. */
  pgliteSharedBuffersMb?: number;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long a query may wait for a free pool connection before failing (0: forever). */
  poolTimeoutMs?: number;
  /** Called with every statement Drizzle sends (tests count statements with it). */
  logQuery?: (query: string) => void;
};

const loggerOf = (opts: DatabaseOptions) => (opts.logQuery ? { logQuery: opts.logQuery } : undefined);

// Any fixed number works; it only has to be the same for every Gatehouse server.
const MIGRATION_LOCK = 7_204_311_905;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    statement_timeout: opts.statementTimeoutMs || undefined,
    connectionTimeoutMillis: opts.poolTimeoutMs || undefined,
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzleNodePg({ client: pool, schema, logger: loggerOf(opts) }) as unknown as Db;
  registerNodePg(db, pool, opts.logQuery);
  const u = new URL(url);
  return {
    db,
    kind: 'postgres',
    location: `postgres://${u.host}${u.pathname}`,
    async migrate() {
      // One dedicated connection holds an advisory lock so that servers starting
      // together apply each migration once; Drizzle runs them in a transaction.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const query = async (text: string) => (await client.query(text)).rows;
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
        const before = await appliedMigrations(query);
        await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder });
        const total = await appliedMigrations(query);
        return { applied: total - before, total };
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        await client.end();
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
    poolStats() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
  };
}

/**
 * bytea both ways through Buffer's hex codec. PGlite's own go byte by byte through strings and
 * arrays: storing a 1 MB c1z file for ForceSync took 0.4 s of CPU and reading it back as long.
 */
const byteaCodec = {
  serializers: {
    [types.BYTEA]: (v: Uint8Array) => `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`,
  },
  parsers: { [types.BYTEA]: (v: string) => Buffer.from(v.slice(2), 'hex') },
};

async function openPglite(opts: DatabaseOptions): Promise<Database> {
  let client: PGlite;
  let location: string;
  let durableFs: DurableNodeFS | undefined;
  const mb = opts.pgliteSharedBuffersMb;
  const common = { extensions: { pg_trgm }, ...byteaCodec, ...(mb ? { wasmModule: await pgliteModule(mb) } : {}) };
  if (opts.memory) {
    client = new PGlite({
      ...common,
      ...(opts.memoryFrom ? { loadDataDir: opts.memoryFrom } : {}),
    });
    location = 'pglite (in memory)';
  } else {
    const dir = path.resolve(opts.dataDir ?? '.gatehouse');
    mkdirSync(dir, { recursive: true });
    const dataDir = path.join(dir, 'pgdata');
    // relaxedDurability off: each commit is written before the query returns;
    // DurableNodeFS makes that write reach the disk (fdatasync), see pglite-fs.ts.
    durableFs = new DurableNodeFS(dataDir);
    client = new PGlite({ ...common, fs: durableFs, relaxedDurability: false });
    location = `pglite ${dataDir}`;
  }
  await client.waitReady;
  if (durableFs?.failure) {
    await client.close().catch(() => {});
    throw durableFs.failure;
  }
  const db = drizzlePglite({ client, schema, logger: loggerOf(opts) }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    location,
    async migrate() {
      // PGlite is one connection in one process: no other server can race us.
      const query = async (text: string) => (await client.query(text)).rows;
      const before = await appliedMigrations(query);
      await migratePglite(drizzlePglite({ client }), { migrationsFolder });
      const total = await appliedMigrations(query);
      return { applied: total - before, total };
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
    },
    poolStats() {
      return { total: 1, idle: 1, waiting: 0 };
    },
  };
}
