// App access-request defaults (C1's AppAccessRequestsDefaultsService): what new entitlements take,
// applying to existing ones when asked, resource type scoping, overrides, errors and who may.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { MISSING, makeApp, makeEntitlement, makeResource } from '../grants/fixtures.ts';
import { makePolicy, person } from '../tasks/fixtures.ts';
import { makeCatalog } from './fixtures.ts';

describe.each(backends)('access-request defaults on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const refsOf = async (catalogId: string) =>
    (await s.admin.get(`/api/v1/catalogs/${catalogId}/requestable_entitlementIDs`)).body.refs
      .map((r: { id: string }) => r.id)
      .sort();

  it('a new app: enabled, into its default catalog, nothing else', async () => {
    const app = await makeApp(s.admin);
    const res = await s.admin.get(`/api/v1/apps/${app.id}/access_request_defaults`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      appId: app.id,
      catalogIds: [app.defaultRequestCatalogId],
      defaultsEnabled: true,
      emergencyGrantEnabled: false,
      resourceTypeIds: [],
      state: 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED',
    });
    expect((await s.admin.get(`/api/v1/apps/${MISSING}/access_request_defaults`)).status).toBe(404);
  });

  it('new entitlements take the defaults; existing ones when asked; overrides and other resource types keep theirs', async () => {
    const app = await makeApp(s.admin);
    const { type, resource } = await makeResource(s.admin, app.id);
    const before = await makeEntitlement(s.admin, app.id, {
      displayName: 'Before',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
    });
    const own = await makeEntitlement(s.admin, app.id, { displayName: 'Own', overrideAccessRequestsDefaults: true });
    const policy = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    const emergency = await makePolicy(s.admin, { grant: { steps: [{ accept: {} }] } });
    const catalog = await makeCatalog(s.admin, { published: true });
    const put = await s.admin.post(`/api/v1/apps/${app.id}/access_request_defaults`, {
      catalogIds: [catalog.id],
      requestPolicyId: policy,
      durationGrant: '3600s',
      emergencyGrantEnabled: true,
      emergencyGrantPolicyId: emergency,
      resourceTypeIds: [type.id],
      defaultsEnabled: true,
      applyToExisting: true,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      catalogIds: [catalog.id],
      requestPolicyId: policy,
      durationGrant: '3600s',
      resourceTypeIds: [type.id],
      state: 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_SUCCESS',
    });
    expect((await s.admin.get(`/api/v1/apps/${app.id}/access_request_defaults`)).body).toEqual(put.body);
    const read = async (id: string) =>
      (await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${id}`)).body.appEntitlementView.appEntitlement;
    // Existing, of the type: applied; overriding: untouched.
    expect(await read(before.id)).toMatchObject({ grantPolicyId: policy, durationGrant: '3600s', emergencyGrantEnabled: true });
    expect((await read(own.id)).grantPolicyId).toBeUndefined();
    // New, of the type: takes them, unless the request says otherwise; new, of no type: not in scope.
    const after = await makeEntitlement(s.admin, app.id, {
      displayName: 'After',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
    });
    expect(await read(after.id)).toMatchObject({
      grantPolicyId: policy,
      durationGrant: '3600s',
      emergencyGrantPolicyId: emergency,
    });
    const short = await makeEntitlement(s.admin, app.id, {
      displayName: 'Short',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
      slug: 'short',
      durationGrant: '60s',
    });
    expect((await read(short.id)).durationGrant).toBe('60s');
    const plain = await makeEntitlement(s.admin, app.id, { displayName: 'Plain' });
    expect((await read(plain.id)).grantPolicyId).toBeUndefined();
    expect(await refsOf(catalog.id)).toEqual([before.id, after.id, short.id].sort());
    // The default catalog keeps what it had (made under the implicit defaults) and gets nothing new.
    expect(await refsOf(app.defaultRequestCatalogId)).toEqual([before.id]);

    // Off: new entitlements join nothing.
    const off = await s.admin.post(`/api/v1/apps/${app.id}/access_request_defaults`, {
      defaultsEnabled: false,
      catalogIds: [catalog.id],
    });
    expect(off.status).toBe(200);
    const none = await makeEntitlement(s.admin, app.id, {
      displayName: 'None',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
      slug: 'none',
    });
    expect(await refsOf(catalog.id)).not.toContain(none.id);
    const cancel = await s.admin.post(`/api/v1/apps/${app.id}/access_request_defaults/cancel`, {});
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual(off.body);
  });

  it('refuses bad input with a 400 naming the field and changes nothing; only app administrators may set them', async () => {
    const app = await makeApp(s.admin);
    const revoke = await makePolicy(s.admin, { revoke: { steps: [{ accept: {} }] } }, {}, 'POLICY_TYPE_REVOKE');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ catalogIds: [MISSING] }, /catalogIds\[0\]/],
      [{ requestPolicyId: MISSING }, /requestPolicyId/],
      [{ requestPolicyId: revoke }, /requestPolicyId/],
      [{ durationGrant: '3600s', durationUnset: {} }, /durationGrant/],
      [{ durationGrant: 'an hour' }, /durationGrant/],
      [{ defaultsEnabled: 'yes' }, /defaultsEnabled/],
    ];
    const url = `/api/v1/apps/${app.id}/access_request_defaults`;
    const original = (await s.admin.get(url)).body;
    for (const [body, field] of cases) {
      const res = await s.admin.post(url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(field);
    }
    expect((await s.admin.get(url)).body).toEqual(original);
    const basic = await person(s);
    expect((await basic.post(url, { defaultsEnabled: false })).status).toBe(403);
    expect((await basic.get(url)).status).toBe(200);
    expect((await s.admin.post(`/api/v1/apps/${MISSING}/access_request_defaults`, {})).status).toBe(404);
  });
});
