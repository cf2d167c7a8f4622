import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { openSeeder } from './lib/seed.ts';
import { bigSyncFile } from './lib/sync-big.ts';

const n = Number(process.env.N ?? 20000);
const path = `/tmp/gen/big-${n}.c1z`;
if (!existsSync(path)) {
  writeFileSync(path, await bigSyncFile(n, n * 10));
  console.log('generated');
  process.exit(0);
}
const file = new Uint8Array(readFileSync(path));
const backend = process.env.PGLITE
  ? { kind: 'pglite' }
  : { kind: 'postgres', url: process.env.URL ?? 'postgres://postgres@127.0.0.1:5432/test' };
const seeder = await openSeeder(backend as never);
const appId = (await seeder.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'x' })).app.id;
const tenantId = (await seeder.core.services.tenants.getByDomain('localhost')).id;
for (const round of [1, 2]) {
  const t = performance.now();
  const r = await seeder.core.services.sync.apply(tenantId, appId, file);
  console.log('round', round, ((performance.now() - t) / 1000).toFixed(1), 's', r.grants);
}
await seeder.close();
