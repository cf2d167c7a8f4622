// Connector routes (C1's ConnectorService) and Gatehouse's sync upload, through the real app.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';
import { makeApp, makeResource } from '../grants/fixtures.ts';
import { SAMPLES } from './c1z/build.ts';

describe.each(backends)('connector routes on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  beforeAll(async () => {
    s = await startServer(backend);
    a = s.admin;
  });
  afterAll(async () => s?.close());

  const base = (appId: string) => `/api/v1/apps/${appId}/connectors`;
  const upload = (c: Caller, appId: string, id: string, bytes: Buffer | undefined) =>
    s.fetch(`${base(appId)}/${id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/octet-stream' },
      body: bytes && new Uint8Array(bytes),
    });

  it('creates, gets, lists, updates and deletes connectors; the app stops and starts being manually managed', async () => {
    const app = await makeApp(a);
    const u = await a.user();
    const c1 = await a.post(`${base(app.id)}/create`, {
      catalogId: 'okta',
      description: 'the Okta connector',
      userIds: [u.id],
      config: { '@type': 'type.googleapis.com/google.protobuf.Struct', domain: 'x.okta.com' },
    });
    expect(c1.status).toBe(200);
    const conn = c1.body.connectorView.connector;
    expect(conn).toMatchObject({ appId: app.id, catalogId: 'okta', userIds: [u.id], displayName: '' });
    expect(conn.config.domain).toBe('x.okta.com');
    expect(conn.status).toEqual({ status: 'SYNC_STATUS_UNSPECIFIED' });
    expect((await a.get(`/api/v1/apps/${app.id}`)).body.app.isManuallyManaged).toBe(false);

    const c2 = await a.post(base(app.id), { displayName: 'Delegated' });
    expect(c2.status).toBe(200);
    expect(c2.body.connectorView.connector.displayName).toBe('Delegated');

    const got = await a.get(`${base(app.id)}/${conn.id}`);
    expect(got.status).toBe(200);
    expect(got.body.connectorView.connector).toEqual(conn);

    const list = await a.get(`${base(app.id)}?page_size=10`);
    expect(list.status).toBe(200);
    expect(list.body.list.map((v: { connector: { id: string } }) => v.connector.id).sort()).toEqual(
      [conn.id, c2.body.connectorView.connector.id].sort(),
    );
    expect(list.body.nextPageToken).toBe('');

    const up = await a.post(`${base(app.id)}/${conn.id}`, {
      connector: { displayName: 'Okta', description: 'changed', status: { status: 'SYNC_STATUS_DONE' } },
      updateMask: 'displayName',
    });
    expect(up.status).toBe(200);
    expect(up.body.connectorView.connector).toMatchObject({ displayName: 'Okta', description: 'the Okta connector' });

    expect((await a.del(`${base(app.id)}/${conn.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/apps/${app.id}`)).body.app.isManuallyManaged).toBe(false);
    expect((await a.del(`${base(app.id)}/${c2.body.connectorView.connector.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/apps/${app.id}`)).body.app.isManuallyManaged).toBe(true);
    expect((await a.get(base(app.id))).body.list).toEqual([]);
  });

  it('answers 404 for an unknown app or connector, and 400 naming the field for bad input; nothing changes', async () => {
    const app = await makeApp(a);
    const other = await makeApp(a);
    const conn = (await a.post(`${base(app.id)}/create`, {})).body.connectorView.connector;
    expect((await a.post(`${base('nope')}/create`, {})).status).toBe(404);
    expect((await a.get(base('nope'))).status).toBe(404);
    expect((await a.get(`${base(app.id)}/nope`)).status).toBe(404);
    expect((await a.get(`${base(other.id)}/${conn.id}`)).status).toBe(404);
    expect((await a.post(`${base(app.id)}/nope`, { connector: { displayName: 'x' } })).status).toBe(404);
    expect((await a.del(`${base(app.id)}/nope`)).status).toBe(404);
    expect((await a.get(`${base(app.id)}?page_token=%%%`)).status).toBe(400);

    const bad = await a.post(`${base(app.id)}/create`, { userIds: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('userIds');
    const stranger = await (await s.caller()).user();
    const notMine = await a.post(`${base(app.id)}/create`, { userIds: [stranger.id] });
    expect(notMine.status).toBe(400);
    expect(notMine.body.message).toContain(`userIds: no user with id "${stranger.id}"`);
    const upOwners = await a.post(`${base(app.id)}/${conn.id}`, { connector: { userIds: [stranger.id] }, updateMask: 'userIds' });
    expect(upOwners.status).toBe(400);
    expect(upOwners.body.message).toContain('connector.userIds');
    const badText = await a.post(`${base(app.id)}/create`, { config: { '@type': '\udfff', x: ['a\u0000'] } });
    expect(badText.status).toBe(400);
    expect(badText.body.message).toContain('config');
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const tooDeep = await a.post(`${base(app.id)}/create`, { config: deep });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.message).toContain('config: nested deeper');
    const wrongConfig = await a.post(`${base(app.id)}/create`, { config: { '@type': 5 } });
    expect(wrongConfig.status).toBe(400);
    expect(wrongConfig.body.message).toContain('config');
    const ro = await a.post(`${base(app.id)}/${conn.id}`, { connector: {}, updateMask: 'status' });
    expect(ro.status).toBe(400);
    expect(ro.body.message).toContain('updateMask');
    // Another tenant sees nothing.
    const t2 = await s.caller();
    expect((await t2.get(`${base(app.id)}/${conn.id}`)).status).toBe(404);
    expect((await a.get(base(app.id))).body.list).toHaveLength(1);
    expect((await a.get(`${base(other.id)}`)).body.list).toHaveLength(0);
  });

  it('uploads expanded.c1z: counts answered and visible through the API, the status recorded', async () => {
    const app = await makeApp(a);
    const conn = (await a.post(`${base(app.id)}/create`, {})).body.connectorView.connector;
    const res = await upload(a, app.id, conn.id, await readFile(`${SAMPLES}expanded.c1z`));
    expect(res.status).toBe(200);
    expect(res.body.resourceTypes).toEqual({ total: 4, added: 4, removed: 0 });
    expect(res.body.resources.total).toBe(1221);
    expect(res.body.entitlements.total).toBe(342);
    expect(res.body.accounts.total).toBe(1000);
    expect(res.body.grants).toMatchObject({ total: 12441, added: 12441, removed: 0 });
    const status = res.body.connectorView.connector.status;
    expect(status.status).toBe('SYNC_STATUS_DONE');
    expect(status.lastError).toBeUndefined();
    expect(Date.parse(status.completedAt)).toBeGreaterThanOrEqual(Date.parse(status.startedAt));

    const types = await a.get(`/api/v1/apps/${app.id}/resource_types?page_size=100`);
    expect(types.body.list).toHaveLength(4);
    expect((await a.get(`/api/v1/apps/${app.id}`)).body.app.userCount).not.toBe('0');
    const got = await a.get(`${base(app.id)}/${conn.id}`);
    expect(got.body.connectorView.connector.status).toEqual(status);
  }, 60_000);

  it('refuses pebble-v3.c1z with the reason: lastError set, the app unchanged', async () => {
    const app = await makeApp(a);
    const conn = (await a.post(`${base(app.id)}/create`, {})).body.connectorView.connector;
    const res = await upload(a, app.id, conn.id, await readFile(`${SAMPLES}pebble-v3.c1z`));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(3);
    expect(res.body.message).toContain('(v3)');
    const got = (await a.get(`${base(app.id)}/${conn.id}`)).body.connectorView.connector;
    expect(got.status.status).toBe('SYNC_STATUS_ERROR');
    expect(got.status.lastError).toContain('(v3)');
    expect(got.status.completedAt).toBeUndefined();
    expect((await a.get(`/api/v1/apps/${app.id}/resource_types`)).body.list).toEqual([]);

    const empty = await upload(a, app.id, conn.id, undefined);
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('body');
    expect((await upload(a, app.id, 'nope', Buffer.from([1]))).status).toBe(404);
  });

  it('refuses manual writes to a connector app with 400 FAILED_PRECONDITION; policy fields of entitlements stay writable', async () => {
    const app = await makeApp(a);
    const { type, resource } = await makeResource(a, app.id);
    const ent = await a.post(`/api/v1/apps/${app.id}/entitlements`, {
      displayName: 'Member',
      appResourceTypeId: type.id,
      appResourceId: resource.id,
    });
    expect(ent.status).toBe(200);
    const entId = ent.body.appEntitlementView.appEntitlement.id;
    expect((await a.post(`${base(app.id)}/create`, {})).status).toBe(200);

    const refused = [
      await a.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'Roles', resourceType: 'ROLE' }),
      await a.post(`/api/v1/apps/${app.id}/resource_types/${type.id}`, { appResourceType: { displayName: 'X' } }),
      await a.del(`/api/v1/apps/${app.id}/resource_types/${type.id}`),
      await a.post(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources`, { displayName: 'Other' }),
      await a.post(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources/${resource.id}`, {
        appResource: { displayName: 'X' },
      }),
      await a.del(`/api/v1/apps/${app.id}/resource_types/${type.id}/resources/${resource.id}`),
      await a.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'New' }),
      await a.post(`/api/v1/apps/${app.id}/entitlements/${entId}`, {
        entitlement: { displayName: 'X' },
        updateMask: 'displayName',
      }),
      await a.del(`/api/v1/apps/${app.id}/entitlements/${entId}`),
    ];
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(9);
    }
    const allowed = await a.post(`/api/v1/apps/${app.id}/entitlements/${entId}`, {
      entitlement: { durationGrant: '3600s' },
      updateMask: 'durationGrant',
    });
    expect(allowed.status).toBe(200);
    const types = await a.get(`/api/v1/apps/${app.id}/resource_types`);
    expect(types.body.list.map((v: { appResourceType: { displayName: string } }) => v.appResourceType.displayName)).toEqual([
      type.displayName,
    ]);
  });

  it('lets Connector Administrators and the app owner manage connectors; others get 403', async () => {
    const app = await makeApp(a);
    const connAdmin = await s.callerAs(['connector_admin']);
    const owner = await s.callerAs(['app_admin']);
    const stranger = await s.callerAs(['app_admin']);
    await a.post(`/api/v1/apps/${app.id}/owners/${owner.me.id}`, {});
    expect((await connAdmin.post(`${base(app.id)}/create`, {})).status).toBe(200);
    const mine = await owner.post(`${base(app.id)}/create`, {});
    expect(mine.status).toBe(200);
    const denied = await stranger.post(`${base(app.id)}/create`, {});
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe(7);
    expect((await stranger.get(base(app.id))).status).toBe(200);
    const id = mine.body.connectorView.connector.id;
    expect((await upload(stranger, app.id, id, Buffer.from([1]))).status).toBe(403);
    expect((await a.get(base(app.id))).body.list).toHaveLength(2);
  });
});

describe.each(backends)('connector sync upload limit on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { GATEHOUSE_SYNC_MAX_BYTES: '4096' });
  });
  afterAll(async () => s?.close());

  it('refuses a body over GATEHOUSE_SYNC_MAX_BYTES with 413, naming the limit; the connector and app unchanged', async () => {
    const app = await makeApp(s.admin);
    const conn = (await s.admin.post(`/api/v1/apps/${app.id}/connectors/create`, {})).body.connectorView.connector;
    const res = await s.fetch(`/api/v1/apps/${app.id}/connectors/${conn.id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.admin.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await readFile(`${SAMPLES}expanded.c1z`)),
    });
    expect(res.status).toBe(413);
    expect(res.body.message).toContain('4096');
    const got = await s.admin.get(`/api/v1/apps/${app.id}/connectors/${conn.id}`);
    expect(got.body.connectorView.connector.status).toEqual({ status: 'SYNC_STATUS_UNSPECIFIED' });
    expect((await s.admin.get(`/api/v1/apps/${app.id}/resource_types`)).body.list).toEqual([]);
  });
});
