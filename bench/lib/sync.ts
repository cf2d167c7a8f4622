// A baton sync applied through the real CLI (`gatehouse sync`) on the embedded database: baton's
// expanded.c1z sample (1,221 resources, 12,441 user grants) onto a new app, then the same file
// again (every grant unchanged). The process's own time includes opening the database.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root, runNode } from './proc.ts';
import { openSeeder, type Progress } from './seed.ts';

export const SYNC_SAMPLE = path.join(root, '../shared/baton/samples/expanded.c1z');

type Summary = { grants?: { total: number; added: number; unchanged: number }; resources?: { total: number } };
export type SyncBenchResult = {
  file: string;
  seconds: number;
  summary?: Summary;
  rerun?: { seconds: number; summary?: Summary };
  /** The apply alone (SyncService.apply in this process) on a fresh embedded database: what the < 5 s target is about. */
  applySeconds?: number;
  error?: string;
};

export async function benchSync(dir: string, progress: Progress): Promise<SyncBenchResult | undefined> {
  if (!existsSync(SYNC_SAMPLE)) {
    progress(`  skipped: ${SYNC_SAMPLE} is not there`);
    return undefined;
  }
  const dataDir = path.join(dir, 'sync-db');
  mkdirSync(dataDir, { recursive: true });
  const seeder = await openSeeder({ kind: 'pglite', dataDir });
  let appId: string;
  try {
    appId = (await seeder.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'Sync bench' })).app.id;
  } finally {
    await seeder.close();
  }
  const env = { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
  const args = ['bin/gatehouse.js', 'sync', '--app', appId, SYNC_SAMPLE];
  const log = path.join(dir, 'sync.log');
  const parse = (stdout: string): Summary | undefined => {
    try {
      return JSON.parse(stdout) as Summary;
    } catch {
      return undefined;
    }
  };
  progress(`  gatehouse sync --app ${appId} ${SYNC_SAMPLE}`);
  const first = await runNode(args, env, log);
  const result: SyncBenchResult = { file: path.basename(SYNC_SAMPLE), seconds: first.ms / 1000, summary: parse(first.stdout) };
  if (first.code !== 0 || !result.summary) {
    result.error = `sync exited ${first.code}; see ${log}`;
    return result;
  }
  progress('  the same file again (every grant unchanged)');
  const second = await runNode(args, env, log);
  result.rerun = { seconds: second.ms / 1000, summary: parse(second.stdout) };
  progress('  the apply alone, in-process, on a fresh embedded database');
  const fresh = path.join(dir, 'sync-db-2');
  mkdirSync(fresh, { recursive: true });
  const inProcess = await openSeeder({ kind: 'pglite', dataDir: fresh });
  try {
    const id = (await inProcess.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'Sync bench' })).app.id;
    const tenantId = (await inProcess.core.services.tenants.getByDomain('localhost')).id;
    const file = new Uint8Array(readFileSync(SYNC_SAMPLE));
    const t = performance.now();
    await inProcess.core.services.sync.apply(tenantId, id, file);
    result.applySeconds = (performance.now() - t) / 1000;
  } finally {
    await inProcess.close();
  }
  return result;
}
