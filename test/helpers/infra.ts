// What in-process servers, spawned servers and CLI runs all need: a free port,
// a throwaway PostgreSQL database, and a migrated PGlite database to copy.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { CoreOptions } from '../../src/core.ts';
import { TEST_SHARED_BUFFERS_MB, writeMigratedCopy } from './migrated-copy.ts';

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

/**
 * Every embedded database the suite opens, in process or spawned, runs with 16 MB of shared
 * buffers instead of PGlite's 128 (src/db/pglite-memory.ts): each open then zero-fills 16 MiB, not
 * 128, which saved about 0.4 s of CPU per open. The suite's databases are small.
 */
export const TEST_PGLITE_ENV = { GATEHOUSE_PGLITE_SHARED_BUFFERS_MB: String(TEST_SHARED_BUFFERS_MB) } as const;

/** Set by test/helpers/global-setup.ts: where this run's migrated copy is (migrated-copy.ts). */
const COPY_KEY = 'gatehouseMigratedCopy' as const;
export type MigratedCopy = { tar: string; dataDir: string };

let copyFile: Promise<MigratedCopy> | undefined;

/** Waits for global setup's child to have made `made`; its failure is written beside the tar. */
async function appeared(made: string, tar: string): Promise<void> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(25)) {
    if (existsSync(made)) return;
    if (existsSync(`${tar}.failed`)) throw new Error(`the migrated copy failed: ${readFileSync(`${tar}.failed`, 'utf8')}`);
  }
  throw new Error(`the migrated copy did not appear at ${made}`);
}

/** The migrated copy: global setup's, or (outside a vitest run) one made here, once per process. */
function migratedCopyFile(): Promise<MigratedCopy> {
  copyFile ??= (async () => {
    let given: MigratedCopy | undefined;
    // Scripts use these helpers too (scripts/durability.ts): vitest is imported only inside a run.
    if (process.env.VITEST) {
      try {
        given = (await import('vitest')).inject(COPY_KEY);
      } catch {
        // Not in a vitest worker: no provided context.
      }
    }
    if (given) {
      // Global setup makes it while the workers start: the tar first, the directory after it.
      await appeared(given.tar, given.tar);
      return given;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-pgdata-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const made = { tar: path.join(dir, 'pgdata.tar'), dataDir: path.join(dir, 'pgdata') };
    await writeMigratedCopy(made.tar, made.dataDir);
    return made;
  })();
  return copyFile;
}

let migrated: Promise<Blob> | undefined;

/**
 * The data directory of an in-memory PGlite database with every migration applied (made once per
 * run, test/helpers/migrated-copy.ts): a core opened with `memoryFrom` it starts as a copy, skipping
 * initdb and the migrations (CoreOptions.memoryFrom). Tests about migrations open new databases.
 */
export function migratedPglite(): Promise<Blob> {
  migrated ??= migratedCopyFile().then((copy) => new Blob([readFileSync(copy.tar)]));
  return migrated;
}

/**
 * In a one-table select (and in RETURNING), Drizzle writes the columns at the top level of a raw
 * `sql` field without their table: a correlated subquery's `"t"."tenant_id" = "outer"."tenant_id"`
 * becomes `"tenant_id" = "tenant_id"`, always true (src/modules/apps/store.ts had one). Every
 * statement of the suite's cores is refused when it compares two unqualified columns.
 */
const UNQUALIFIED_COMPARISON = /(^|[\s(])"[a-z_]+" = "[a-z_]+"(?![.\w])/;

export function refuseUnqualifiedComparison(query: string): void {
  const m = UNQUALIFIED_COMPARISON.exec(query);
  if (m) throw new Error(`two unqualified columns compared (${m[0].trim()}), a column lost its table: ${query.slice(0, 300)}`);
}

/** The CoreOptions of a test's own core: in memory, from the migrated copy, on PGlite; and the check above on both. */
export async function ownDatabase(pglite: boolean): Promise<Pick<CoreOptions, 'memory' | 'memoryFrom' | 'logQuery'>> {
  const logQuery = refuseUnqualifiedComparison;
  return pglite ? { memory: true, memoryFrom: await migratedPglite(), logQuery } : { logQuery };
}

/**
 * Makes `<dataDir>/pgdata` a copy of the migrated database, as a first `gatehouse` start would
 * leave it, so that a spawned process (or an on-disk core) skips initdb and the migrations, which
 * cost seconds of CPU each. Tests of a first start itself (test/server/lifecycle) leave it out.
 */
export async function migratedDataDir(dataDir: string): Promise<void> {
  const target = path.join(dataDir, 'pgdata');
  mkdirSync(dataDir, { recursive: true });
  // The cleanly shut-down copy (migrated-copy.ts): it starts without crash recovery.
  const copy = await migratedCopyFile();
  await appeared(copy.dataDir, copy.tar);
  cpSync(copy.dataDir, target, { recursive: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    gatehouseMigratedCopy: MigratedCopy;
  }
}
