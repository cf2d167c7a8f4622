import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importResourcesCsv } from '../../src/cli/import-resources.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { rowsOf } from '../modules/resources/fixtures.ts';
import { csvFiles, seedCliApp } from './import-fixtures.ts';
import { cliOn } from './inproc.ts';
import { expectCode } from './proc.ts';

const { csv } = csvFiles('gh-import-resources-');

describe.each(backends)('import resources on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  async function setup() {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Spreadsheet app' })).body.app;
    const type = (await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'Groups', resourceType: 'GROUP' }))
      .body.appResourceType;
    return { app, type, path: `/api/v1/apps/${app.id}/resource_types/${type.id}/resources` };
  }
  const all = async (p: string) => {
    const res = await s.admin.get(`${p}?page_size=100`);
    return res.body.list.map((v: { appResource: Record<string, string> }) => v.appResource);
  };
  const ownersOf = async (appId: string, typeId: string, id: string) =>
    (await s.admin.get(`/api/v1/apps/${appId}/resource_types/${typeId}/resource/${id}/owners`)).body.list
      .map((u: { email: string }) => u.email)
      .sort();

  it('creates, then updates or leaves unchanged on a second run; never duplicates', async () => {
    const { app, type, path: p } = await setup();
    const u1 = await s.admin.user('ann@example.com');
    const u2 = await s.admin.user('bob@example.com');
    const tenant = s.admin.tenant.id;
    const first = csv([
      'displayName,description,matchBatonId,ownerEmails',
      'Engineering,Builds,eng,ann@example.com;BOB@example.com',
      'Sales,"Sells, a lot",sales,',
      'No baton,,,',
    ]);
    const progress: string[] = [];
    const s1 = await importResourcesCsv(s.core, tenant, app.id, type.id, first, (l) => progress.push(l));
    expect(s1).toMatchObject({ rows: 3, created: 3, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    let rows = await all(p);
    expect(rows.map((r: { displayName: string }) => r.displayName)).toEqual(['Engineering', 'Sales', 'No baton']);
    expect(rows[0]).toMatchObject({ description: 'Builds', matchBatonId: 'eng', grantCount: '0' });
    expect(rows[1].description).toBe('Sells, a lot');
    expect(rows[2].matchBatonId).toBeUndefined();
    expect(await ownersOf(app.id, type.id, rows[0].id)).toEqual([u1.email, u2.email]);

    const again = await importResourcesCsv(s.core, tenant, app.id, type.id, first);
    // A row without matchBatonId matches the resource of the type with its display name.
    expect(again).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3, rejected: 0 });

    const changed = csv([
      'displayName,description,matchBatonId,ownerEmails',
      'Engineering,Builds more,eng,ann@example.com',
      'Sales,"Sells, a lot",sales,bob@example.com',
    ]);
    expect(await importResourcesCsv(s.core, tenant, app.id, type.id, changed)).toMatchObject({
      created: 0,
      updated: 2,
      unchanged: 0,
    });
    rows = await all(p);
    expect(rows.length).toBe(3);
    expect(rows[0]).toMatchObject({ id: rows[0].id, description: 'Builds more' });
    expect(await ownersOf(app.id, type.id, rows[0].id)).toEqual([u1.email]);
    expect(await ownersOf(app.id, type.id, rows[1].id)).toEqual([u2.email]);

    // Without the optional columns, descriptions and owners are left alone.
    const namesOnly = csv(['matchBatonId,displayName', 'eng,Engineering Dept']);
    expect(await importResourcesCsv(s.core, tenant, app.id, type.id, namesOnly)).toMatchObject({ updated: 1 });
    rows = await all(p);
    expect(rows[0]).toMatchObject({ displayName: 'Engineering Dept', description: 'Builds more' });
    expect(await ownersOf(app.id, type.id, rows[0].id)).toEqual([u1.email]);
  });

  it('rejects bad rows with their line numbers and writes nothing of them', async () => {
    const { app, type, path: p } = await setup();
    await s.admin.user('carol@example.com');
    const file = csv([
      'displayName,description,matchBatonId,ownerEmails',
      'Good one,,g1,carol@example.com',
      '   ,,blank,',
      'Unknown owner,,g2,carol@example.com;nobody@example.com',
      `Long,${'d'.repeat(4097)},g3,`,
      `${'n'.repeat(257)},,g4,`,
      'Good two,,g5,',
    ]);
    const progress: string[] = [];
    const summary = await importResourcesCsv(s.core, s.admin.tenant.id, app.id, type.id, file, (l) => progress.push(l));
    expect(summary).toMatchObject({ rows: 6, created: 2, rejected: 4 });
    expect(summary.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(summary.errors[0].reason).toContain('displayName');
    expect(summary.errors[1].reason).toContain('nobody@example.com');
    expect(summary.errors[2].reason).toContain('description');
    expect(summary.errors[3].reason).toContain('displayName');
    expect(progress.filter((l) => l.includes('rejected')).length).toBe(4);
    const rows = await all(p);
    expect(rows.map((r: { matchBatonId: string }) => r.matchBatonId)).toEqual(['g1', 'g5']);
    // The unknown-owner row left no resource and no owner behind.
    const owners = await s.core.database.db.execute(
      sql`select count(*)::int as n from app_resource_owners o join app_resources r on r.tenant_id = o.tenant_id and r.id = o.app_resource_id where r.app_id = ${app.id}`,
    );
    expect(Number(rowsOf<{ n: number }>(owners)[0].n)).toBe(1);
  });

  it('refuses a missing app or type, an app that is not manual, and a bad header, before any row', async () => {
    const { app, type } = await setup();
    const other = await setup();
    const tenant = s.admin.tenant.id;
    const file = csv(['displayName', 'x']);
    await expect(importResourcesCsv(s.core, tenant, 'nope', type.id, file)).rejects.toThrow('app not found');
    await expect(importResourcesCsv(s.core, tenant, app.id, other.type.id, file)).rejects.toThrow('app resource type not found');
    await expect(importResourcesCsv(s.core, (await s.caller()).tenant.id, app.id, type.id, file)).rejects.toThrow(
      'app not found',
    );
    await expect(importResourcesCsv(s.core, tenant, app.id, type.id, csv(['description', 'x']))).rejects.toThrow('displayName');
    await expect(importResourcesCsv(s.core, tenant, app.id, type.id, csv(['displayName,color', 'x,red']))).rejects.toThrow(
      'color',
    );
    await s.core.database.db.execute(sql`update apps set is_manually_managed = false where id = ${other.app.id}`);
    await expect(importResourcesCsv(s.core, tenant, other.app.id, other.type.id, file)).rejects.toMatchObject({ code: 9 });
    expect((await s.admin.get(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources`)).body.list).toEqual([]);
  });

  it('applies repeated matchBatonIds in file order, and a row the database refuses leaves the rest of its batch', async () => {
    const { app, type, path: p } = await setup();
    const file = csv(['displayName,matchBatonId', 'First,dup', 'Other,o1', 'Second,dup', 'Second,dup', 'Last,o2']);
    const summary = await importResourcesCsv(s.core, s.admin.tenant.id, app.id, type.id, file);
    expect(summary).toMatchObject({ rows: 5, created: 3, updated: 1, unchanged: 1, rejected: 0 });
    expect((await all(p)).map((r: { displayName: string }) => r.displayName)).toEqual(['Second', 'Other', 'Last']);

    // PostgreSQL refuses NUL in text: only that row's batch statement fails, then rows go one by one.
    const upserter = await s.core.services.resources.upserter(s.admin.tenant.id, app.id, type.id);
    const results = await upserter.applyMany([
      { displayName: 'Batch A', matchBatonId: 'ba' },
      { displayName: 'Bad \u0000 name', matchBatonId: 'bad' },
      { displayName: 'Batch B', matchBatonId: 'bb' },
      { displayName: '', matchBatonId: 'empty' },
    ]);
    expect(results[0]).toMatchObject({ outcome: 'created' });
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toMatchObject({ outcome: 'created' });
    expect((results[3] as Error).message).toContain('displayName');
    const batons = (await all(p)).map((r: { matchBatonId: string }) => r.matchBatonId);
    expect(batons).toEqual(['dup', 'o1', 'o2', 'ba', 'bb']);

    // Text travels as JSON: quotes, backslashes, commas and non-ASCII arrive intact and match again.
    const odd = { displayName: 'Größe "quoted" \\ {x}', description: "it's, odd", matchBatonId: 'we"ird\\baton,{}' };
    expect(await upserter.applyMany([odd, { ...odd }])).toMatchObject([{ outcome: 'created' }, { outcome: 'unchanged' }]);
    const stored = (await all(p)).find((r: { matchBatonId: string }) => r.matchBatonId === odd.matchBatonId);
    expect(stored).toMatchObject(odd);
  });

  it('shows progress on large files', async () => {
    const { app, type } = await setup();
    const lines = ['displayName,matchBatonId'];
    for (let i = 0; i < 250; i++) lines.push(`R${i},b${i}`);
    const progress: string[] = [];
    const summary = await importResourcesCsv(
      s.core,
      s.admin.tenant.id,
      app.id,
      type.id,
      csv(lines),
      (l) => progress.push(l),
      100,
    );
    expect(summary).toMatchObject({ rows: 250, created: 250, rejected: 0 });
    expect(progress.map((l) => l.split(' ')[0])).toEqual(['100', '200']);
  });

  // Two connections are needed to race; PGlite has one.
  it.runIf(backend === 'postgres')('waits for a delete of the empty type in progress, then writes nothing', async () => {
    const { app, type, path: p } = await setup();
    const upserter = await s.core.services.resources.upserter(s.admin.tenant.id, app.id, type.id);
    const rows = [{ displayName: 'A', matchBatonId: 'a' }, { displayName: 'B' }];
    let importing: Promise<unknown> | undefined;
    let settled = false;
    // This transaction plays a type delete that has found the type empty and is deleting it.
    await s.core.database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from app_resource_types where id = ${type.id} for update`);
      importing = upserter.applyMany(rows).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      await tx.execute(sql`delete from app_resource_types where id = ${type.id}`);
    });
    const out = (await importing) as (Error | object)[];
    expect(out.every((r) => r instanceof Error && /app resource type/.test(r.message))).toBe(true);
    const left = await s.core.database.db.execute(
      sql`select count(*)::int as n from app_resources where app_resource_type_id = ${type.id}`,
    );
    expect(rowsOf<{ n: number }>(left)[0].n).toBe(0);
    expect((await s.admin.get(p)).status).toBe(404);
  });
});

// The command itself (arguments, default tenant, output, exit codes) through the CLI's
// commander program in this process; the binary runs end to end in cli.test.ts.
describe('gatehouse import resources (CLI command)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => s?.close());

  it('imports, reports rejects with exit code 1, and is idempotent', async () => {
    const { domain } = s.admin.tenant;
    const { tenantId, appId, typeId } = await seedCliApp(s.core, s.admin.tenant.id);
    const file = csv([
      'displayName,description,matchBatonId,ownerEmails',
      'Admin,,r-admin,dana@example.com',
      ',,r-bad,',
      'Viewer,,r-viewer,',
    ]);
    const args = ['import', 'resources', '--app', appId, '--resource-type', typeId, '--tenant', domain, file];
    const failed = expectCode(await cliOn(s.core, args), 1);
    expect(failed.json()).toMatchObject({ rows: 3, created: 2, rejected: 1, errors: [{ line: 3 }] });
    expect(failed.stderr).toContain('line 3: rejected');

    // No --tenant: the default tenant (GATEHOUSE_TENANT_DOMAIN), here this test's.
    const good = csv(['displayName,matchBatonId', 'Admin,r-admin', 'Viewer,r-viewer']);
    const again = ['import', 'resources', '--app', appId, '--resource-type', typeId, good];
    const second = expectCode(await cliOn(s.core, again, { tenantDomain: domain }), 0);
    expect(second.json()).toMatchObject({ rows: 2, created: 0, unchanged: 2, rejected: 0 });

    const page = await s.core.services.resources.list(tenantId, appId, typeId, { size: 100 });
    expect(page.list.map((r) => r.matchBatonId)).toEqual(['r-admin', 'r-viewer']);
  });
});
