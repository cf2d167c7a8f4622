// Migration 0018 on a database that had apps before catalogs: each app gets a default catalog
// (published, visible to everyone, named like the app), named by defaultRequestCatalogId, holding
// the hand-made entitlements of manually managed apps (those made by a sync stay out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../../../src/db/index.ts';
import { type Db, migrationsBefore, open } from '../../helpers/migrations.ts';
import { backends } from '../../helpers/server.ts';

describe.each(backends)('migration 0018 (default request catalogs) on %s', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await open(backend);
  }, 120_000);
  afterAll(async () => db?.close());

  it('gives every existing app its default catalog with its manual entitlements', async () => {
    const old = migrationsBefore('0017_request_catalogs');
    try {
      await db.migrate(old.folder);
    } finally {
      old.remove();
    }
    await db.query(`insert into tenants (id, domain) values ('t1', 't1.example.com'), ('t2', 't2.example.com')`);
    await db.query(
      `insert into apps (tenant_id, id, display_name, is_manually_managed) values
       ('t1', 'a1', 'Payroll', true), ('t1', 'a2', 'Okta', false), ('t2', 'a1', 'Payroll too', true)`,
    );
    await db.query(
      `insert into app_entitlements (tenant_id, id, app_id, display_name, sync_id) values
       ('t1', 'e1', 'a1', 'Admin', null), ('t1', 'e2', 'a2', 'Synced', 's1'), ('t2', 'e3', 'a1', 'Member', null)`,
    );

    await db.migrate(migrationsFolder);

    const catalogs = await db.query(
      `select c.tenant_id, c.app_id, c.display_name, c.published, c.visible_to_everyone, a.default_request_catalog_id = c.id as named,
              length(c.id) as len, c.id ~ '^[0-9A-Za-z]+$' as base62
       from request_catalogs c join apps a on a.tenant_id = c.tenant_id and a.id = c.app_id order by c.tenant_id, c.app_id`,
    );
    const common = { published: true, visible_to_everyone: true, named: true, len: 27, base62: true };
    expect(catalogs).toEqual([
      { tenant_id: 't1', app_id: 'a1', display_name: 'Payroll', ...common },
      { tenant_id: 't1', app_id: 'a2', display_name: 'Okta', ...common },
      { tenant_id: 't2', app_id: 'a1', display_name: 'Payroll too', ...common },
    ]);
    const entries = await db.query(
      `select e.tenant_id, e.app_entitlement_id, c.app_id from request_catalog_entries e
       join request_catalogs c on c.tenant_id = e.tenant_id and c.id = e.catalog_id order by e.tenant_id, e.app_entitlement_id`,
    );
    expect(entries).toEqual([
      { tenant_id: 't1', app_entitlement_id: 'e1', app_id: 'a1' },
      { tenant_id: 't2', app_entitlement_id: 'e3', app_id: 'a1' },
    ]);
  }, 120_000);
});
