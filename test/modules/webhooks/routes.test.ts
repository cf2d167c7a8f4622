// Webhook routes (C1's WebhooksService and WebhooksSearch) through the real app: CRUD, search,
// the destination rules and who may call them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';

describe.each(backends)('webhook routes on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  beforeAll(async () => {
    s = await startServer(backend, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'false' });
    a = s.admin;
  });
  afterAll(async () => s?.close());

  it('creates, gets, lists, searches, updates and deletes webhooks', async () => {
    const c = await a.post('/api/v1/webhooks', {
      displayName: ' Ticketing ',
      url: 'https://hooks.example.com/c1',
      description: 'opens tickets',
    });
    expect(c.status).toBe(200);
    const hook = c.body.webhook;
    expect(hook).toMatchObject({ displayName: 'Ticketing', url: 'https://hooks.example.com/c1', description: 'opens tickets' });
    expect(hook.id).toMatch(/^[0-9A-Za-z]{27}$/);
    const other = (
      await a.post('/api/v1/webhooks', { displayName: 'Other', url: 'https://other.example.org/', callbackTimeout: '3600s' })
    ).body.webhook;

    expect((await a.get(`/api/v1/webhooks/${hook.id}`)).body).toEqual({ webhook: hook });
    expect((await a.get('/api/v1/webhooks')).body).toEqual({ list: [hook, other], nextPageToken: '' });

    expect((await a.post('/api/v1/search/webhooks', { query: 'TICKET' })).body.list).toEqual([hook]);
    expect((await a.post('/api/v1/search/webhooks', { query: 'other.example' })).body.list).toEqual([other]);
    expect((await a.post('/api/v1/search/webhooks', { refs: [{ id: other.id }] })).body.list).toEqual([other]);

    const u = await a.post(`/api/v1/webhooks/${hook.id}`, {
      webhook: { ...hook, displayName: 'Tickets', url: 'https://hooks.example.com/v2' },
      updateMask: 'displayName,url',
    });
    expect(u.status).toBe(200);
    expect(u.body.webhook).toMatchObject({
      id: hook.id,
      displayName: 'Tickets',
      url: 'https://hooks.example.com/v2',
      description: 'opens tickets',
    });
    // A masked field left out of the body is cleared.
    const cleared = await a.post(`/api/v1/webhooks/${hook.id}`, { webhook: {}, updateMask: 'description' });
    expect(cleared.body.webhook.description).toBeUndefined();

    expect((await a.del(`/api/v1/webhooks/${hook.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await a.del(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
  });

  it('refuses bad input with a 400 naming the field, and unknown webhooks with a 404', async () => {
    const bad = async (body: unknown, field: string) => {
      const r = await a.post('/api/v1/webhooks', body);
      expect(r.status).toBe(400);
      expect(r.body.message).toContain(field);
    };
    await bad({ url: 'https://x.example.com' }, 'displayName');
    await bad({ displayName: '  ', url: 'https://x.example.com' }, 'displayName');
    await bad({ displayName: 'x' }, 'url');
    await bad({ displayName: 'x', url: 'not a url' }, 'url');
    await bad({ displayName: 'x', url: 'ftp://x.example.com/' }, 'url');
    await bad({ displayName: 'x', url: 'https://user:pw@x.example.com/' }, 'url');
    await bad({ displayName: 'x', url: 'https://x.example.com', callbackTimeout: '8 days' }, 'callbackTimeout');
    await bad({ displayName: 'x', url: 5 }, 'url');

    const hook = (await a.post('/api/v1/webhooks', { displayName: 'h', url: 'https://x.example.com/' })).body.webhook;
    const upd = await a.post(`/api/v1/webhooks/${hook.id}`, { webhook: { url: 'http://x.example.com/' }, updateMask: 'url' });
    expect(upd.status).toBe(400);
    expect(upd.body.message).toContain('webhook.url');
    expect((await a.post(`/api/v1/webhooks/${hook.id}`, { webhook: {}, updateMask: 'createdAt' })).status).toBe(400);
    expect((await a.get(`/api/v1/webhooks/${hook.id}`)).body.webhook).toEqual(hook);

    expect((await a.get('/api/v1/webhooks/nope')).status).toBe(404);
    expect((await a.post('/api/v1/webhooks/nope', { webhook: { displayName: 'x' }, updateMask: 'displayName' })).status).toBe(
      404,
    );
    expect((await a.post('/api/v1/webhooks/nope/test', {})).status).toBe(404);
    // Another tenant's webhook is not there.
    const b = await s.caller();
    expect((await b.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
  });

  it('without GATEHOUSE_WEBHOOK_ALLOW_PRIVATE, refuses plain http and private or loopback destinations', async () => {
    for (const url of [
      'http://hooks.example.com/',
      'https://127.0.0.1/',
      'https://localhost:8443/',
      'https://10.1.2.3/',
      'https://192.168.0.1/',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fd00::1]/',
    ]) {
      const r = await a.post('/api/v1/webhooks', { displayName: 'x', url });
      expect(r.status, url).toBe(400);
      expect(r.body.message).toMatch(/^url: /);
    }
    expect((await a.post('/api/v1/webhooks', { displayName: 'x', url: 'https://8.8.8.8/' })).status).toBe(200);
  });

  it('lets Super Administrators write webhooks and Access Request Administrators read them', async () => {
    const hook = (await a.post('/api/v1/webhooks', { displayName: 'h', url: 'https://x.example.com/' })).body.webhook;
    const ara = await s.callerAs(['access_request_admin']);
    expect((await ara.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(200);
    expect((await ara.post('/api/v1/search/webhooks', {})).status).toBe(200);
    expect((await ara.post('/api/v1/webhooks', { displayName: 'h', url: 'https://x.example.com/' })).status).toBe(403);
    expect((await ara.post(`/api/v1/webhooks/${hook.id}/test`, {})).status).toBe(403);
    const basic = await s.callerAs([]);
    expect((await basic.get('/api/v1/webhooks')).status).toBe(403);
  });
});
