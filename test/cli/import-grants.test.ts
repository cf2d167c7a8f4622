import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGrantsCsv } from '../../src/cli/import-grants.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { expectExactCounts, makeApp, makeEntitlement, makeResource, scalar } from '../modules/grants/fixtures.ts';
import { csvFiles, seedCliApp } from './import-fixtures.ts';
import { cliOn } from './inproc.ts';
import { expectCode } from './proc.ts';

const { csv } = csvFiles('gh-import-grants-');

describe.each(backends)('import grants on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  async function setup() {
    const t = await s.caller();
    const app = await makeApp(t);
    const { type, resource } = await makeResource(t, app.id, 'Engineering');
    const member = await makeEntitlement(t, app.id, { appResourceId: resource.id, slug: 'member' });
    const lead = await makeEntitlement(t, app.id, { appResourceId: resource.id, slug: 'lead', displayName: 'Lead' });
    const admin = await makeEntitlement(t, app.id, { slug: 'admin', displayName: 'Admin' });
    const ann = await t.user('ann@example.com', 'Ann');
    const bob = await t.user('bob@example.com', 'Bob');
    return { t, app, type, resource, member, lead, admin, ann, bob };
  }
  const grantsOf = (tenantId: string, appId: string) =>
    scalar(s, sql`select count(*)::int as n from grants where tenant_id = ${tenantId} and app_id = ${appId}`);

  it('imports by id and by resource/slug, reports bad rows by line and writes nothing of them; idempotent', async () => {
    const { t, app, member, lead, admin, bob } = await setup();
    const tenant = t.tenant.id;
    const file = csv([
      'userEmail,entitlement,expiresAt',
      'ann@example.com,Engineering/member,',
      `BOB@example.com,${lead.id},2099-01-01T00:00:00Z`,
      'ann@example.com,/admin,',
      'nobody@example.com,Engineering/member,',
      'bob@example.com,Nope/member,',
      'bob@example.com,Engineering/member,tomorrow',
      'bob@example.com,Engineering/member,2001-01-01T00:00:00Z',
      `bob@example.com,${admin.id.slice(0, 20)},`,
      ',Engineering/member,',
    ]);
    const progress: string[] = [];
    const first = await importGrantsCsv(s.core, tenant, app.id, file, (l) => progress.push(l));
    expect(first).toMatchObject({ rows: 9, created: 3, updated: 0, unchanged: 0, rejected: 6 });
    expect(first.errors.map((e) => e.line)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(first.errors[0].reason).toContain('nobody@example.com');
    expect(first.errors[1].reason).toContain('Nope');
    expect(first.errors[2].reason).toContain('expiresAt');
    expect(first.errors[3].reason).toContain('past');
    expect(first.errors[4].reason).toContain('entitlement');
    expect(first.errors[5].reason).toContain('userEmail');
    expect(progress.filter((l) => l.startsWith('line '))).toHaveLength(6);
    expect(await grantsOf(tenant, app.id)).toBe(3);
    // Bob's grant of `member` was refused three times: no grant, and his account only from the lead grant.
    expect((await t.get(`/api/v1/apps/${app.id}/entitlements/${member.id}/users`)).body.list).toHaveLength(1);
    const bobAccounts = (await t.get(`/api/v1/apps/${app.id}/users/${bob.id}/app_users`)).body.list;
    expect(bobAccounts).toHaveLength(1);
    const leadUsers = (await t.get(`/api/v1/apps/${app.id}/entitlements/${lead.id}/users`)).body.list;
    expect(leadUsers[0].appEntitlementUserBindingDeprovisionAt).toBe('2099-01-01T00:00:00.000Z');
    expect((await t.get(`/api/v1/apps/${app.id}`)).body.app.userCount).toBe('2');

    const again = await importGrantsCsv(s.core, tenant, app.id, file);
    expect(again).toMatchObject({ rows: 9, created: 0, updated: 0, unchanged: 3, rejected: 6 });
    const moved = csv(['userEmail,entitlement,expiresAt', `bob@example.com,Engineering/lead,2098-06-01T12:00:00+02:00`]);
    expect(await importGrantsCsv(s.core, tenant, app.id, moved)).toMatchObject({ rows: 1, updated: 1 });
    expect(
      (await t.get(`/api/v1/apps/${app.id}/entitlements/${lead.id}/users`)).body.list[0].appEntitlementUserBindingDeprovisionAt,
    ).toBe('2098-06-01T10:00:00.000Z');
    expect(await grantsOf(tenant, app.id)).toBe(3);
    await expectExactCounts(s, tenant, app.id);
  });

  it('refuses an ambiguous resource name, an unknown app and bad headers', async () => {
    const { t, app, type } = await setup();
    const twin = await t.post(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources`, { displayName: 'Engineering' });
    await makeEntitlement(t, app.id, { appResourceId: twin.body.appResource.id, slug: 'member' });
    const file = csv(['userEmail,entitlement', 'ann@example.com,Engineering/member']);
    const summary = await importGrantsCsv(s.core, t.tenant.id, app.id, file);
    expect(summary).toMatchObject({ rejected: 1 });
    expect(summary.errors[0].reason).toContain('use its id');
    await expect(importGrantsCsv(s.core, t.tenant.id, 'nope', file)).rejects.toThrow(/app not found/);
    await expect(importGrantsCsv(s.core, s.admin.tenant.id, app.id, file)).rejects.toThrow(/app not found/);
    await expect(importGrantsCsv(s.core, t.tenant.id, app.id, csv(['email,entitlement', 'a,b']))).rejects.toThrow(/userEmail/);
    await expect(importGrantsCsv(s.core, t.tenant.id, app.id, csv(['userEmail,entitlement,extra', 'a,b,c']))).rejects.toThrow(
      /extra/,
    );
    expect(await grantsOf(t.tenant.id, app.id)).toBe(0);
  });

  it('reports progress on large files', async () => {
    const { t, app, admin } = await setup();
    const lines = ['userEmail,entitlement'];
    for (let i = 0; i < 25; i++) {
      await t.user(`p${i}@example.com`, `P ${i}`);
      lines.push(`p${i}@example.com,${admin.id}`);
    }
    const progress: string[] = [];
    const summary = await importGrantsCsv(s.core, t.tenant.id, app.id, csv(lines), (l) => progress.push(l), 10);
    expect(summary).toMatchObject({ rows: 25, created: 25, rejected: 0 });
    expect(progress.map((l) => l.split(' ')[0])).toEqual(['10', '20']);
  });
});

// The command itself (arguments, default tenant, output, exit codes) through the CLI's
// commander program in this process; the binary runs end to end in cli.test.ts.
describe('gatehouse import grants (CLI command)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('pglite');
  });
  afterAll(async () => s?.close());

  it('imports, reports rejects with exit code 1, and is idempotent', async () => {
    const { domain } = s.admin.tenant;
    const { tenantId, appId, typeId } = await seedCliApp(s.core, s.admin.tenant.id);
    const resource = await s.core.services.resources.create(tenantId, appId, typeId, { displayName: 'Billing' });
    const ent = await s.core.services.entitlements.create(tenantId, appId, {
      displayName: 'Payer',
      appResourceId: resource.id,
      slug: 'payer',
    });
    const entId = ent.appEntitlement.id;
    const file = csv(['userEmail,entitlement', 'dana@example.com,Billing/payer', 'eve@example.com,Billing/payer']);
    const failed = expectCode(await cliOn(s.core, ['import', 'grants', '--app', appId, '--tenant', domain, file]), 1);
    expect(failed.json()).toMatchObject({ rows: 2, created: 1, rejected: 1, errors: [{ line: 3 }] });
    expect(failed.stderr).toContain('line 3: rejected');

    // No --tenant: the default tenant (GATEHOUSE_TENANT_DOMAIN), here this test's.
    const good = csv(['userEmail,entitlement', `dana@example.com,${entId}`]);
    const second = expectCode(await cliOn(s.core, ['import', 'grants', '--app', appId, good], { tenantDomain: domain }), 0);
    expect(second.json()).toMatchObject({ rows: 1, created: 0, unchanged: 1, rejected: 0 });

    const page = await s.core.services.grants.reads.listUsers(tenantId, appId, entId, { size: 100 });
    expect(page.list.map((v) => v.appUser.appUser.email)).toEqual(['dana@example.com']);
  });
});
