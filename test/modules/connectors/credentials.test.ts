// Connector credentials (RotateCredential, GetCredentials, RevokeCredential), ForceSync and
// UpdateDelegated, through the real app: a credential gets tokens like any client and may only
// upload syncs to its own connector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';
import { makeApp } from '../grants/fixtures.ts';
import { tinySync } from './fixtures.ts';

describe.each(backends)('connector credentials and force_sync on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  beforeAll(async () => {
    s = await startServer(backend);
    a = s.admin;
  });
  afterAll(async () => s?.close());

  const base = (appId: string) => `/api/v1/apps/${appId}/connectors`;
  const newConnector = async () => {
    const app = await makeApp(a);
    const conn = (await a.post(`${base(app.id)}/create`, {})).body.connectorView.connector;
    return { appId: app.id as string, id: conn.id as string };
  };
  const token = async (clientId: string, clientSecret: string) =>
    s.fetch('/auth/v1/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
  const upload = (bearer: string, appId: string, id: string, bytes: Uint8Array) =>
    s.fetch(`${base(appId)}/${id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
  const as = (bearer: string, path: string, method = 'GET', body?: unknown) =>
    s.fetch(path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('rotates, gets and revokes credentials; rotating revokes the previous secret at once', async () => {
    const c = await newConnector();
    const made = await a.post(`${base(c.appId)}/${c.id}/credentials`, {});
    expect(made.status).toBe(200);
    const cred = made.body.credential;
    expect(made.body.clientSecret).toMatch(/^secret-token:conductorone\.com:v1:/);
    expect(cred).toMatchObject({ appId: c.appId, connectorId: c.id });
    expect(cred.clientId).toMatch(/@.+\/pcc$/);
    expect(cred.deletedAt).toBeUndefined();
    const t1 = await token(cred.clientId, made.body.clientSecret);
    expect(t1.status).toBe(200);

    const got = await a.get(`${base(c.appId)}/${c.id}/credentials/${cred.id}`);
    expect(got.status).toBe(200);
    expect(got.body.credential).toMatchObject({ id: cred.id, clientId: cred.clientId });
    expect(got.body.credential.lastUsedAt).toBeDefined();
    expect(JSON.stringify(got.body)).not.toContain('secret-token');

    // Rotating: a new secret works, the old one and its tokens stop.
    const next = await a.post(`${base(c.appId)}/${c.id}/credentials`, { appId: c.appId, connectorId: c.id });
    expect(next.status).toBe(200);
    expect(next.body.credential.id).not.toBe(cred.id);
    expect((await token(cred.clientId, made.body.clientSecret)).status).toBe(401);
    expect((await upload(t1.body.access_token, c.appId, c.id, await tinySync())).status).toBe(401);
    expect((await a.get(`${base(c.appId)}/${c.id}/credentials/${cred.id}`)).body.credential.deletedAt).toBeDefined();
    const t2 = await token(next.body.credential.clientId, next.body.clientSecret);
    expect(t2.status).toBe(200);

    const rev = await a.post(`${base(c.appId)}/${c.id}/credentials/${next.body.credential.id}`, {});
    expect(rev.status).toBe(200);
    expect(rev.body).toEqual({});
    expect((await token(next.body.credential.clientId, next.body.clientSecret)).status).toBe(401);
    expect((await upload(t2.body.access_token, c.appId, c.id, await tinySync())).status).toBe(401);
    // Revoking again, or an unknown credential, connector or app: 404.
    expect((await a.post(`${base(c.appId)}/${c.id}/credentials/${next.body.credential.id}`, {})).status).toBe(404);
    expect((await a.get(`${base(c.appId)}/${c.id}/credentials/nope`)).status).toBe(404);
    expect((await a.post(`${base(c.appId)}/nope/credentials`, {})).status).toBe(404);
    const other = await newConnector();
    expect((await a.get(`${base(other.appId)}/${other.id}/credentials/${cred.id}`)).status).toBe(404);
    expect((await a.post(`${base(c.appId)}/${c.id}/credentials`, { appId: 5 })).status).toBe(400);
  });

  it("a credential uploads its connector's syncs and may do nothing else: other connectors, apps and operations 403", async () => {
    const c = await newConnector();
    const other = await newConnector();
    const sibling = (await a.post(`${base(c.appId)}/create`, {})).body.connectorView.connector.id;
    const made = (await a.post(`${base(c.appId)}/${c.id}/credentials`, {})).body;
    const bearer = (await token(made.credential.clientId, made.clientSecret)).body.access_token;

    const up = await upload(bearer, c.appId, c.id, await tinySync());
    expect(up.status).toBe(200);
    expect(up.body.accounts).toMatchObject({ total: 1, added: 1 });

    const refused = [
      await upload(bearer, other.appId, other.id, await tinySync()),
      await upload(bearer, c.appId, sibling, await tinySync()),
      await as(bearer, `${base(c.appId)}/${c.id}`),
      await as(bearer, `${base(c.appId)}`),
      await as(bearer, `${base(c.appId)}/${c.id}/force_sync`, 'POST', {}),
      await as(bearer, `${base(c.appId)}/${c.id}/credentials`, 'POST', {}),
      await as(bearer, `/api/v1/apps/${c.appId}`),
      await as(bearer, '/api/v1/apps', 'POST', { displayName: 'x' }),
      await as(bearer, '/api/v1/auth/introspect'),
      await as(bearer, '/api/v1/users'),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.body.code).toBe(7);
    }
    // Its own connector under another app's path: the connector is not there (404), nothing changes.
    expect((await upload(bearer, other.appId, c.id, await tinySync())).status).toBe(404);
    expect((await a.get(`/api/v1/apps/${other.appId}/resource_types`)).body.list).toEqual([]);
  });

  it('force_sync applies the last uploaded file again; none uploaded yet is 400 FAILED_PRECONDITION', async () => {
    const c = await newConnector();
    const none = await a.post(`${base(c.appId)}/${c.id}/force_sync`, {});
    expect(none.status).toBe(400);
    expect(none.body.code).toBe(9);
    expect((await a.post(`${base(c.appId)}/nope/force_sync`, {})).status).toBe(404);

    const up = await s.fetch(`${base(c.appId)}/${c.id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await tinySync({ accounts: ['u1', 'u2'] })),
    });
    expect(up.status).toBe(200);
    const first = (await a.get(`${base(c.appId)}/${c.id}`)).body.connectorView.connector.status;
    const users = await a.get(`/api/v1/apps/${c.appId}/app_users`);
    expect(users.body.list).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 5));
    const forced = await a.post(`${base(c.appId)}/${c.id}/force_sync`, {});
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({});
    const after = (await a.get(`${base(c.appId)}/${c.id}`)).body.connectorView.connector.status;
    expect(after.status).toBe('SYNC_STATUS_DONE');
    expect(Date.parse(after.startedAt)).toBeGreaterThan(Date.parse(first.startedAt));
    expect((await a.get(`/api/v1/apps/${c.appId}/app_users`)).body.list).toHaveLength(2);
  });

  it('UpdateDelegated changes the connector as Update does', async () => {
    const c = await newConnector();
    const res = await a.post(`/api/v1/apps/${c.appId}/connectors/${c.id}/delegated`, {
      connector: { displayName: 'Delegated name', description: 'ignored' },
      updateMask: 'displayName',
    });
    expect(res.status).toBe(200);
    expect(res.body.connectorView.connector).toMatchObject({ id: c.id, displayName: 'Delegated name' });
    expect(res.body.connectorView.connector.description).toBeUndefined();
    const bad = await a.post(`/api/v1/apps/${c.appId}/connectors/${c.id}/delegated`, {
      connector: {},
      updateMask: 'status',
    });
    expect(bad.status).toBe(400);
    expect((await a.post(`/api/v1/apps/${c.appId}/connectors/nope/delegated`, { connector: {} })).status).toBe(404);
  });
});
