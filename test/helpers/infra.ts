// What in-process servers, spawned servers and CLI runs all need: a free port,
// a throwaway PostgreSQL database, and a migrated PGlite database to copy.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { CoreOptions } from '../../src/core.ts';
import { migrationsFolder } from '../../src/db/index.ts';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A new empty PostgreSQL database on the server of `base`. */
export async function createDatabase(base: string, prefix = 'gh_ops'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

let migrated: Promise<Blob> | undefined;

/**
 * The data directory of an in-memory PGlite database with every migration applied, made once
 * per test process: a core opened with `memoryFrom` it starts as a copy, skipping initdb and the
 * migrations (CoreOptions.memoryFrom). Tests about migrations themselves open new databases.
 */
export function migratedPglite(): Promise<Blob> {
  migrated ??= (async () => {
    const client = new PGlite({ extensions: { pg_trgm } });
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
      return await client.dumpDataDir('none');
    } finally {
      await client.close();
    }
  })();
  return migrated;
}

/** The CoreOptions of a test's own core: in memory, from the migrated copy, on PGlite; none on PostgreSQL. */
export async function ownDatabase(pglite: boolean): Promise<Pick<CoreOptions, 'memory' | 'memoryFrom'>> {
  return pglite ? { memory: true, memoryFrom: await migratedPglite() } : {};
}
