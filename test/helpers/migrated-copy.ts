// The migrated PGlite database that in-process cores and spawned servers of the suite start
// from: initdb and the migrations cost seconds of CPU, so global-setup.ts makes it once per run
// and writes it to a file (a tar of the data directory, as PGlite's dumpDataDir gives it).
// Run as a script (`node --import tsx migrated-copy.ts <file>`), so that global setup can make
// it in a process of its own: PGlite's initdb holds the thread for seconds, and vitest's main
// thread must stay free to serve the workers' module requests meanwhile.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder } from '../../src/db/index.ts';
import { pgliteModule } from '../../src/db/pglite-memory.ts';

/** The shared_buffers of every embedded database the suite opens (TEST_PGLITE_ENV in infra.ts says why). */
export const TEST_SHARED_BUFFERS_MB = 16;

/**
 * Writes to `file` a data directory with every migration applied, as a tar, and the same
 * database shut down cleanly into the directory `cleanDir`. The tar is taken from a
 * running server: a data dir made from it starts with crash recovery, whose checkpoint fsyncs
 * every file (0.8 s of a spawned `gatehouse`); the clean one starts at once. Each appears whole
 * (made aside, then renamed), the tar first: in-memory cores need only it.
 */
export async function writeMigratedCopy(file: string, cleanDir: string): Promise<void> {
  const wasmModule = await pgliteModule(TEST_SHARED_BUFFERS_MB);
  const client = new PGlite({ extensions: { pg_trgm }, wasmModule });
  let dump: Blob;
  try {
    await migrate(drizzle({ client }), { migrationsFolder });
    // Gatehouse uses PGlite's template1 only: without the two other databases the copy is half
    // the size, and each core opened from it starts a third of a second sooner.
    await client.query('drop database postgres');
    await client.query(`update pg_database set datistemplate = false where datname = 'template0'`);
    await client.query('drop database template0');
    await client.query('checkpoint');
    dump = await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
  writeFileSync(`${file}.part`, Buffer.from(await dump.arrayBuffer()));
  renameSync(`${file}.part`, file);
  const onDisk = new PGlite(`${cleanDir}.part`, { extensions: { pg_trgm }, wasmModule, loadDataDir: dump });
  await onDisk.waitReady;
  await onDisk.close();
  renameSync(`${cleanDir}.part`, cleanDir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]) && process.argv[3]) {
  await writeMigratedCopy(process.argv[2], process.argv[3]);
}
