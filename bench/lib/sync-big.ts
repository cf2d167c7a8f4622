// A generated baton sync at scale, applied in-process (SyncService) to a new app: BENCH_SYNC_ACCOUNTS
// accounts (default 100,000) holding BENCH_SYNC_GRANTS grants (default 1,000,000), spread over one
// group per 100 accounts, each account in grants/accounts groups. Then the same file again: it must
// write nothing to the grant history. The file is made with the tests' c1z generator
// (test/modules/connectors/c1z/build.ts), in a child process (sync-big-file.ts).
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { C1zBuilder } from '../../test/modules/connectors/c1z/build.ts';
import { runNode } from './proc.ts';
import { type Backend, openSeeder, type Progress } from './seed.ts';

export type BigSyncResult = {
  accounts: number;
  grants: number;
  fileMiB: number;
  generateSeconds: number;
  applySeconds: number;
  reapplySeconds: number;
  /** grant_history rows of the app written by the second apply (must be 0). */
  historyWrittenByReapply: number;
  summary?: unknown;
  error?: string;
};

/** The file: accounts u0..u(n-1), groups g0..g(n/100-1), account i in groups (i + k*stride) mod groups. */
export async function bigSyncFile(accounts: number, grants: number): Promise<Uint8Array> {
  const groups = Math.max(1, Math.floor(accounts / 100));
  const perAccount = Math.max(1, Math.round(grants / accounts));
  const b = new C1zBuilder()
    .sync('big', '2026-01-01 00:00:00.000000', '2026-01-01 01:00:00.000000')
    .resourceType('big', 'user', [1], 'User')
    .resourceType('big', 'group', [2], 'Group');
  for (let g = 0; g < groups; g++) {
    b.resource('big', { type: 'group', id: `g${g}`, displayName: `Group ${g}` }).entitlement('big', 'group', `g${g}`, 'member', {
      purpose: 1,
    });
  }
  const stride = Math.max(1, Math.floor(groups / perAccount));
  for (let i = 0; i < accounts; i++) {
    b.resource('big', {
      type: 'user',
      id: `u${i}`,
      displayName: `User ${i}`,
      user: { emails: [{ address: `u${i}@bench.test`, primary: true }], login: `u${i}`, status: 1 },
    });
    for (let k = 0; k < perAccount && k < groups; k++) {
      const g = (i + k * stride) % groups;
      b.grant('big', {
        entitlement: `group:g${g}:member`,
        entitlementResource: { type: 'group', id: `g${g}` },
        principal: { type: 'user', id: `u${i}` },
      });
    }
  }
  return b.c1z();
}

export async function benchBigSync(
  backend: Backend,
  accounts: number,
  grants: number,
  progress: Progress,
): Promise<BigSyncResult> {
  const t0 = performance.now();
  progress(
    `  generating a c1z with ${accounts.toLocaleString('en-US')} accounts and ~${grants.toLocaleString('en-US')} grants ...`,
  );
  const path = join(tmpdir(), `gatehouse-bench-sync-${process.pid}.c1z`);
  const made = await runNode(
    ['--import', 'tsx', 'bench/lib/sync-big-file.ts', String(accounts), String(grants), path],
    {},
    `${path}.log`,
  );
  if (made.code !== 0) throw new Error(`generating the file failed (exit ${made.code}); see ${path}.log`);
  const file = new Uint8Array(readFileSync(path));
  rmSync(path, { force: true });
  const generateSeconds = (performance.now() - t0) / 1000;
  const out: BigSyncResult = {
    accounts,
    grants,
    fileMiB: Math.round((file.length / 1048576) * 10) / 10,
    generateSeconds,
    applySeconds: 0,
    reapplySeconds: 0,
    historyWrittenByReapply: -1,
  };
  progress(`  ${out.fileMiB} MiB in ${generateSeconds.toFixed(1)} s; applying it to a new app ...`);
  const seeder = await openSeeder(backend);
  try {
    const appId = (await seeder.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'Big sync bench' })).app.id;
    const tenantId = (await seeder.core.services.tenants.getByDomain('localhost')).id;
    const history = async () => {
      const res = await seeder.core.database.db.execute(
        sql`select count(*)::int as n from grant_history where tenant_id = ${tenantId} and app_id = ${appId}`,
      );
      return Number((res as unknown as { rows: { n: number }[] }).rows[0].n);
    };
    let t = performance.now();
    const first = await seeder.core.services.sync.apply(tenantId, appId, file);
    out.applySeconds = (performance.now() - t) / 1000;
    out.summary = { accounts: first.accounts, grants: first.grants, resources: first.resources };
    progress(
      `  applied in ${out.applySeconds.toFixed(1)} s (${first.grants.total.toLocaleString('en-US')} grants); the same file again ...`,
    );
    const before = await history();
    t = performance.now();
    const second = await seeder.core.services.sync.apply(tenantId, appId, file);
    out.reapplySeconds = (performance.now() - t) / 1000;
    out.historyWrittenByReapply = (await history()) - before;
    progress(
      `  again in ${out.reapplySeconds.toFixed(1)} s: ${second.grants.unchanged.toLocaleString('en-US')} grants unchanged, ` +
        `${out.historyWrittenByReapply} history rows written`,
    );
  } catch (err) {
    out.error = (err as Error).message;
  } finally {
    await seeder.close();
  }
  return out;
}
