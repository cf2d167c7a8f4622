// The flat-file import, timed through the real CLI (`gatehouse import resources`)
// on the embedded database, whichever backend the rest of the bench uses.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runNode } from './proc.ts';
import { openSeeder, type Progress, seedUsers } from './seed.ts';

export type ImportResult = {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  summary?: { rows: number; created: number; updated: number; unchanged: number; rejected: number };
  exitCode: number | null;
  rerun?: { seconds: number; summary?: ImportResult['summary'] };
  /** Set when the import was stopped at the time limit: `seconds` is then projected from the rate so far. */
  stoppedAfter?: { seconds: number; rows: number };
  error?: string;
};

const OWNERS = 1000;

/** displayName,description,matchBatonId,ownerEmails; one row in ten has an owner. */
function writeCsv(file: string, rows: number): void {
  const lines = ['displayName,description,matchBatonId,ownerEmails'];
  for (let i = 1; i <= rows; i++) {
    const owner = i % 10 === 0 ? `bench-user-${(i % OWNERS) + 1}@bench.example.com` : '';
    lines.push(`Imported group ${i},"Imported by npm run bench, row ${i}",import-${i},${owner}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The last "N rows (R rows/s)" progress line the CLI wrote. */
function lastProgress(log: string): number | undefined {
  let rows: number | undefined;
  try {
    for (const m of readFileSync(log, 'utf8').matchAll(/^(\d+) rows \(/gm)) rows = Number(m[1]);
  } catch {}
  return rows;
}

/** `timeoutMs` keeps the bench within its time: a slower import is stopped and its rate projected. */
export async function benchImport(
  dir: string,
  rows: number,
  rerun: boolean,
  timeoutMs: number,
  progress: Progress,
): Promise<ImportResult> {
  const dataDir = path.join(dir, 'import-db');
  mkdirSync(dataDir, { recursive: true });
  const seeder = await openSeeder({ kind: 'pglite', dataDir });
  let appId: string;
  let typeId: string;
  try {
    const tenantId = (await seeder.core.services.tenants.getByDomain('localhost')).id;
    await seedUsers(seeder.core, tenantId, OWNERS);
    appId = (await seeder.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'Import bench' })).app.id;
    typeId = (
      await seeder.api<{ appResourceType: { id: string } }>('POST', `/api/v1/apps/${appId}/resource_types`, {
        displayName: 'Groups',
        resourceType: 'GROUP',
      })
    ).appResourceType.id;
  } finally {
    await seeder.close();
  }
  const csv = path.join(dir, 'resources.csv');
  writeCsv(csv, rows);
  const log = path.join(dir, 'import.log');
  const env = { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
  const args = ['bin/gatehouse.js', 'import', 'resources', '--app', appId, '--resource-type', typeId, csv];
  progress(
    `  importing ${rows.toLocaleString('en-US')} rows: gatehouse import resources --app ${appId} --resource-type ${typeId} ${csv}`,
  );
  const first = await runNode(args, env, log, timeoutMs);
  if (first.timedOut) {
    const done = lastProgress(log) ?? 0;
    const rate = done / (first.ms / 1000);
    return {
      rows,
      seconds: rate > 0 ? rows / rate : Number.POSITIVE_INFINITY,
      rowsPerSecond: Math.round(rate),
      exitCode: first.code,
      stoppedAfter: { seconds: first.ms / 1000, rows: done },
    };
  }
  const parse = (stdout: string) => {
    try {
      return JSON.parse(stdout) as ImportResult['summary'];
    } catch {
      return undefined;
    }
  };
  const result: ImportResult = {
    rows,
    seconds: first.ms / 1000,
    rowsPerSecond: Math.round(rows / (first.ms / 1000)),
    summary: parse(first.stdout),
    exitCode: first.code,
  };
  if (first.code !== 0 || result.summary?.created !== rows) {
    result.error = `import exited ${first.code}, summary ${first.stdout.slice(0, 300)}; see ${log}`;
    return result;
  }
  if (rerun) {
    progress('  importing the same file again (idempotent: every row unchanged)');
    const second = await runNode(args, env, log);
    result.rerun = { seconds: second.ms / 1000, summary: parse(second.stdout) };
  }
  return result;
}
