// Once per `vitest run`, in the main process: refuses to start in CI without C1's
// contract, makes the migrated PGlite copy every worker starts its databases from (one
// initdb per run instead of one per worker), and names this run's PostgreSQL databases so
// that teardown drops exactly those (other runs may share the server).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { C1_OPENAPI, missingContractMessage } from './contract.ts';

const MIGRATED_COPY_SCRIPT = fileURLToPath(new URL('./migrated-copy.ts', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.CI && !existsSync(C1_OPENAPI)) throw new Error(missingContractMessage());
  const run = randomBytes(4).toString('hex');
  project.provide('gatehouseTestRun', run);
  // Made while the workers start (importing the sources takes them seconds); they wait for the
  // file and the directory (test/helpers/infra.ts), each appearing whole, or for the error.
  // In a child process: made here, initdb would hold this thread, which serves the workers' imports
  // (a worker's first file started 4 to 5 s later).
  const copyDir = mkdtempSync(path.join(os.tmpdir(), 'gh-migrated-'));
  const copy = path.join(copyDir, 'pgdata.tar');
  // The same database shut down cleanly, for data dirs on disk (migratedDataDir in infra.ts).
  const dataDir = path.join(copyDir, 'pgdata');
  const made = promisify(execFile)(process.execPath, ['--import', 'tsx', MIGRATED_COPY_SCRIPT, copy, dataDir]).catch(
    (err: Error) => writeFileSync(`${copy}.failed`, String(err.stack ?? err)),
  );
  project.provide('gatehouseMigratedCopy', { tar: copy, dataDir });
  return async () => {
    await made;
    rmSync(copyDir, { recursive: true, force: true });
    const base = process.env.TEST_DATABASE_URL;
    if (!base) return;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      // Names are gh_test_<run>_<hex> (see freshPostgres); `_` is a LIKE wildcard, hence the escapes.
      const { rows } = await admin.query<{ datname: string }>(
        `select datname from pg_database where datname like 'gh\\_test\\_' || $1 || '\\_%'`,
        [run],
      );
      for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.end();
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    gatehouseTestRun: string;
  }
}
