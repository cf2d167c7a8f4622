// Migration tests: a database migrated up to a given migration, filled as it would have been then,
// then migrated to the end (test/modules/policies/migration.test.ts, test/modules/catalogs/migration.test.ts).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { expect } from 'vitest';
import { migrationsFolder } from '../../src/db/index.ts';
import { pgliteModule } from '../../src/db/pglite-memory.ts';
import { TEST_SHARED_BUFFERS_MB } from './migrated-copy.ts';
import { type Backend, freshPostgres } from './server.ts';

export type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
export type Db = { query: Query; migrate: (folder: string) => Promise<void>; close: () => Promise<void> };

export async function open(backend: Backend): Promise<Db> {
  if (backend === 'pglite') {
    const client = new PGlite({ extensions: { pg_trgm }, wasmModule: await pgliteModule(TEST_SHARED_BUFFERS_MB) });
    const db = drizzlePglite({ client });
    return {
      query: async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
      migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
      close: () => client.close(),
    };
  }
  const made = await freshPostgres();
  const pool = new pg.Pool({ connectionString: made.url, max: 1 });
  const db = drizzlePg({ client: pool });
  return {
    query: async (text, params) => (await pool.query(text, params)).rows,
    migrate: (folder) => migratePg(db, { migrationsFolder: folder }),
    close: async () => {
      await pool.end();
      await made.drop();
    },
  };
}

/** A copy of the migrations folder that stops before `tag`. */
export function migrationsBefore(tag: string): { folder: string; remove: () => void } {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gh-mig-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}
