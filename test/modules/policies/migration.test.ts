// Migration 0011 on a database that had tenants and apps before it: the built-in policies are
// backfilled, stored policy ids that name no policy of their field's type become NULL, and the
// trigger gives tenants made afterwards their built-ins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../../../src/db/index.ts';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { type Db, migrationsBefore, open } from '../../helpers/migrations.ts';
import { backends } from '../../helpers/server.ts';

describe.each(backends)('migration 0011 (policies) on %s', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await open(backend);
  }, 120_000);
  afterAll(async () => db?.close());

  it('backfills built-ins for existing tenants, nulls dangling policy ids, and the trigger serves new tenants', async () => {
    const old = migrationsBefore('0011_policies');
    try {
      await db.migrate(old.folder);
    } finally {
      old.remove();
    }
    await db.query(`insert into tenants (id, domain) values ('t-old', 'old.example.com')`);
    const app = (id: string, grant: string | null, revoke: string | null, certify: string | null) =>
      db.query(
        `insert into apps (tenant_id, id, display_name, grant_policy_id, revoke_policy_id, certify_policy_id) values ('t-old', $1, $1, $2, $3, $4)`,
        [id, grant, revoke, certify],
      );
    await app('kept', DEFAULT_GRANT_POLICY.id, DEFAULT_REVOKE_POLICY.id, null);
    await app('dangling', 'gp', 'rp', 'cp');
    await app('wrong-type', DEFAULT_REVOKE_POLICY.id, DEFAULT_GRANT_POLICY.id, DEFAULT_GRANT_POLICY.id);
    await db.query(
      `insert into app_entitlements (tenant_id, id, app_id, display_name, grant_policy_id, emergency_grant_policy_id, revoke_policy_id)
       values ('t-old', 'e1', 'kept', 'E1', 'gp', $1, $2)`,
      [DEFAULT_GRANT_POLICY.id, DEFAULT_REVOKE_POLICY.id],
    );

    await db.migrate(migrationsFolder);

    const builtins = await db.query(
      `select tenant_id, id, display_name, policy_type, policy_steps, system_builtin from policies order by tenant_id, id`,
    );
    expect(builtins).toEqual(
      [DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY].map((b) => ({
        tenant_id: 't-old',
        id: b.id,
        display_name: b.displayName,
        policy_type: b.policyType,
        policy_steps: b.policySteps,
        system_builtin: true,
      })),
    );
    expect(await db.query(`select id, grant_policy_id, revoke_policy_id, certify_policy_id from apps order by id`)).toEqual([
      { id: 'dangling', grant_policy_id: null, revoke_policy_id: null, certify_policy_id: null },
      {
        id: 'kept',
        grant_policy_id: DEFAULT_GRANT_POLICY.id,
        revoke_policy_id: DEFAULT_REVOKE_POLICY.id,
        certify_policy_id: null,
      },
      { id: 'wrong-type', grant_policy_id: null, revoke_policy_id: null, certify_policy_id: null },
    ]);
    expect(await db.query(`select grant_policy_id, emergency_grant_policy_id, revoke_policy_id from app_entitlements`)).toEqual([
      { grant_policy_id: null, emergency_grant_policy_id: DEFAULT_GRANT_POLICY.id, revoke_policy_id: DEFAULT_REVOKE_POLICY.id },
    ]);

    await db.query(`insert into tenants (id, domain) values ('t-new', 'new.example.com')`);
    const fresh = await db.query(`select id, system_builtin from policies where tenant_id = 't-new' order by id`);
    expect(fresh).toEqual([
      { id: DEFAULT_GRANT_POLICY.id, system_builtin: true },
      { id: DEFAULT_REVOKE_POLICY.id, system_builtin: true },
    ]);
  }, 120_000);
});
