// `gatehouse sync --app <id> <file.c1z>` run in-process on the test's core: counts printed, refusals
// exit 2 naming the reason with nothing changed, GATEHOUSE_SYNC_MAX_BYTES enforced.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { SAMPLES } from '../modules/connectors/c1z/build.ts';
import { makeApp } from '../modules/grants/fixtures.ts';
import { cliOn } from './inproc.ts';
import { expectCode } from './proc.ts';

describe.each(backends)('gatehouse sync on %s', (backend) => {
  let s: TestServer;
  let small: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
    small = await startServer(backend, { GATEHOUSE_SYNC_MAX_BYTES: '1000' });
  });
  afterAll(async () => {
    await s?.close();
    await small?.close();
  });

  const counts = async (srv: TestServer, appId: string) => {
    const res = await srv.core.database.db.execute(sql`select
      (select count(*)::int from app_resource_types where tenant_id = ${srv.admin.tenant.id} and app_id = ${appId}) as types,
      (select count(*)::int from app_resources where tenant_id = ${srv.admin.tenant.id} and app_id = ${appId}) as resources`);
    return (res as unknown as { rows: unknown[] }).rows[0];
  };
  const tenantArgs = (srv: TestServer) => ['--tenant', srv.admin.tenant.domain];

  it('applies a file and prints the counts; a second run adds nothing', async () => {
    const app = await makeApp(s.admin);
    const args = ['sync', '--app', app.id, `${SAMPLES}in-progress.c1z`, ...tenantArgs(s)];
    const first = expectCode(await cliOn(s.core, args), 0).json();
    expect(first).toMatchObject({
      sync: { finished: false, endedAt: null },
      resourceTypes: { total: 5, added: 5, removed: 0 },
      resources: { total: 79, added: 79, removed: 0 },
      entitlements: { total: 0, added: 0, removed: 0 },
      grants: { total: 0, added: 0, removed: 0, unchanged: 0 },
    });
    const second = expectCode(await cliOn(s.core, args), 0).json();
    expect(second).toMatchObject({ resourceTypes: { total: 5, added: 0 }, resources: { total: 79, added: 0, removed: 0 } });
    expect(await counts(s, app.id)).toEqual({ types: 5, resources: 79 });
  });

  it('refuses a v3 file with exit 2, naming the reason, and changes nothing', async () => {
    const app = await makeApp(s.admin);
    expectCode(await cliOn(s.core, ['sync', '--app', app.id, `${SAMPLES}in-progress.c1z`, ...tenantArgs(s)]), 0);
    const r = expectCode(await cliOn(s.core, ['sync', '--app', app.id, `${SAMPLES}pebble-v3.c1z`, ...tenantArgs(s)]), 2);
    expect(r.stderr).toContain('refused (v3)');
    expect(r.stderr).toContain('--storage-engine sqlite');
    expect(r.stdout).toBe('');
    expect(await counts(s, app.id)).toEqual({ types: 5, resources: 79 });
  });

  it('an unknown app exits 2 naming it', async () => {
    const r = expectCode(await cliOn(s.core, ['sync', '--app', 'nosuchapp', `${SAMPLES}in-progress.c1z`, ...tenantArgs(s)]), 2);
    expect(r.stderr).toContain('app nosuchapp not found');
  });

  it('a missing file exits 2 naming it', async () => {
    const app = await makeApp(s.admin);
    const r = expectCode(await cliOn(s.core, ['sync', '--app', app.id, 'no-such-file.c1z', ...tenantArgs(s)]), 2);
    expect(r.stderr).toContain('no-such-file.c1z: cannot read the file (ENOENT)');
  });

  it('a file over GATEHOUSE_SYNC_MAX_BYTES is refused (too-large), exit 2', async () => {
    const app = await makeApp(small.admin);
    const r = expectCode(
      await cliOn(small.core, ['sync', '--app', app.id, `${SAMPLES}in-progress.c1z`, ...tenantArgs(small)]),
      2,
    );
    expect(r.stderr).toContain('refused (too-large)');
    expect(await counts(small, app.id)).toEqual({ types: 0, resources: 0 });
  });
});
