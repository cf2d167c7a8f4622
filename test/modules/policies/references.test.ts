// Apps and entitlements name policies: by existing id, of the field's type; a policy in use is not deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';

describe.each(backends)('policy references on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  let certify: { id: string };
  let grant: { id: string };
  beforeAll(async () => {
    s = await startServer(backend);
    a = s.admin;
    const mk = async (displayName: string, policyType: string, key: string) =>
      (await a.post('/api/v1/policies', { displayName, policyType, policySteps: { [key]: { steps: [{ accept: {} }] } } })).body
        .policy;
    certify = await mk('Certify', 'POLICY_TYPE_CERTIFY', 'certify');
    grant = await mk('Grant', 'POLICY_TYPE_GRANT', 'grant');
  });
  afterAll(async () => s?.close());

  const expect400 = (res: { status: number; body: { code: number; message: string } }, text: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe(3);
    expect(res.body.message).toContain(text);
  };

  it('apps: unknown or wrong-type policy ids are a 400 naming the field; valid ones are stored and answered', async () => {
    const apps = async () => (await a.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length;
    const before = await apps();
    expect400(
      await a.post('/api/v1/apps', { displayName: 'X', grantPolicyId: 'ghost' }),
      'grantPolicyId: policy "ghost" does not exist',
    );
    expect400(
      await a.post('/api/v1/apps', { displayName: 'X', revokePolicyId: DEFAULT_GRANT_POLICY.id }),
      'revokePolicyId: policy "2aKVLJuZhBf8OXwh0syLNbddjpR" is a grant policy; this field takes a revoke policy',
    );
    expect400(await a.post('/api/v1/apps', { displayName: 'X', certifyPolicyId: grant.id }), 'certifyPolicyId');
    expect(await apps()).toBe(before);
    const refs = { grantPolicyId: grant.id, revokePolicyId: DEFAULT_REVOKE_POLICY.id, certifyPolicyId: certify.id };
    const made = await a.post('/api/v1/apps', { displayName: 'Uses policies', ...refs });
    expect(made.status).toBe(200);
    expect(made.body.app).toMatchObject(refs);
    expect((await a.get(`/api/v1/apps/${made.body.app.id}`)).body.app).toMatchObject(refs);
    // Update: same checks under app.; empty text clears.
    const id = made.body.app.id;
    expect400(
      await a.post(`/api/v1/apps/${id}`, { app: { grantPolicyId: DEFAULT_REVOKE_POLICY.id }, updateMask: 'grantPolicyId' }),
      'app.grantPolicyId',
    );
    expect400(
      await a.post(`/api/v1/apps/${id}`, { app: { revokePolicyId: 'ghost' }, updateMask: 'revokePolicyId' }),
      'app.revokePolicyId',
    );
    const cleared = await a.post(`/api/v1/apps/${id}`, { app: { grantPolicyId: '' }, updateMask: 'grantPolicyId' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.app.grantPolicyId).toBeUndefined();
    const set = await a.post(`/api/v1/apps/${id}`, {
      app: { grantPolicyId: DEFAULT_GRANT_POLICY.id },
      updateMask: 'grantPolicyId',
    });
    expect(set.body.app.grantPolicyId).toBe(DEFAULT_GRANT_POLICY.id);
    // Search by policy refs finds it.
    const found = await a.post('/api/v1/search/apps', { policyRefs: [{ id: certify.id }] });
    expect(found.body.list.map((x: { id: string }) => x.id)).toEqual([id]);
  });

  it('entitlements: the same checks on create and update, emergencyGrantPolicyId included', async () => {
    const app = (await a.post('/api/v1/apps', { displayName: 'Ent app' })).body.app;
    const url = `/api/v1/apps/${app.id}/entitlements`;
    expect400(await a.post(url, { displayName: 'E', grantPolicyId: 'ghost' }), 'grantPolicyId: policy "ghost" does not exist');
    expect400(await a.post(url, { displayName: 'E', emergencyGrantPolicyId: certify.id }), 'emergencyGrantPolicyId');
    expect400(await a.post(url, { displayName: 'E', revokePolicyId: grant.id }), 'revokePolicyId');
    const refs = {
      grantPolicyId: grant.id,
      emergencyGrantPolicyId: DEFAULT_GRANT_POLICY.id,
      revokePolicyId: DEFAULT_REVOKE_POLICY.id,
      certifyPolicyId: certify.id,
    };
    const made = await a.post(url, { displayName: 'Admin', ...refs });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const ent = made.body.appEntitlementView.appEntitlement;
    expect(ent).toMatchObject(refs);
    expect400(
      await a.post(`${url}/${ent.id}`, { entitlement: { certifyPolicyId: grant.id }, updateMask: 'certifyPolicyId' }),
      'entitlement.certifyPolicyId',
    );
    const upd = await a.post(`${url}/${ent.id}`, {
      entitlement: { grantPolicyId: DEFAULT_GRANT_POLICY.id },
      updateMask: 'grantPolicyId',
    });
    expect(upd.status).toBe(200);
    expect(upd.body.appEntitlementView.appEntitlement.grantPolicyId).toBe(DEFAULT_GRANT_POLICY.id);
  });

  it('a policy in use is not deleted (code 9, naming a user); once its users are gone it is', async () => {
    const p = (
      await a.post('/api/v1/policies', {
        displayName: 'In use',
        policyType: 'POLICY_TYPE_REVOKE',
        policySteps: { revoke: { steps: [{ provision: {} }] } },
      })
    ).body.policy;
    const app = (await a.post('/api/v1/apps', { displayName: 'Holder', revokePolicyId: p.id })).body.app;
    const ent = (await a.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'Role', revokePolicyId: p.id })).body
      .appEntitlementView.appEntitlement;
    const refused = await a.del(`/api/v1/policies/${p.id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    expect(refused.body.message).toBe('policy is in use by app "Holder" (revokePolicyId)');
    // A policy in use can still change, though not its type.
    const renamed = await a.post(`/api/v1/policies/${p.id}`, {
      policy: { displayName: 'Still in use' },
      updateMask: 'displayName',
    });
    expect(renamed.status).toBe(200);
    const retype = await a.post(`/api/v1/policies/${p.id}`, {
      policy: { policyType: 'POLICY_TYPE_GRANT', policySteps: { grant: { steps: [{ accept: {} }] } } },
      updateMask: 'policyType,policySteps',
    });
    expect(retype.status).toBe(400);
    expect(retype.body.code).toBe(9);
    expect(retype.body.message).toContain('policy.policyType');
    // Without the app's own use, the entitlement's is named.
    await a.post(`/api/v1/apps/${app.id}`, { app: {}, updateMask: 'revokePolicyId' });
    const byEnt = await a.del(`/api/v1/policies/${p.id}`);
    expect(byEnt.status).toBe(400);
    expect(byEnt.body.message).toBe(`policy is in use by entitlement "Role" of app ${app.id} (revokePolicyId)`);
    expect((await a.get(`/api/v1/policies/${p.id}`)).status).toBe(200);
    // Deleting the app takes the entitlement; then the policy goes.
    expect((await a.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect(ent.id).toBeTruthy();
    expect((await a.del(`/api/v1/policies/${p.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/policies/${p.id}`)).status).toBe(404);
  });

  it('the database refuses a policy id that names no policy, and deleting a policy in use, whatever the service does', async () => {
    const app = (await a.post('/api/v1/apps', { displayName: 'Raw', grantPolicyId: DEFAULT_GRANT_POLICY.id })).body.app;
    const db = s.core.database.db;
    const { sql } = await import('drizzle-orm');
    const where = sql`tenant_id = ${a.tenant.id} and id = ${app.id}`;
    await expect(db.execute(sql`update apps set grant_policy_id = 'ghost' where ${where}`)).rejects.toThrow();
    await expect(
      db.execute(sql`delete from policies where tenant_id = ${a.tenant.id} and id = ${DEFAULT_GRANT_POLICY.id}`),
    ).rejects.toThrow();
    expect((await a.get(`/api/v1/apps/${app.id}`)).body.app.grantPolicyId).toBe(DEFAULT_GRANT_POLICY.id);
  });
});
