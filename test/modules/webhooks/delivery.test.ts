// Webhook delivery through the real app and worker: every request verified by a local receiver
// (JWT with jose against /auth/v1/jwks, htb_s256, Content-Digest), retries, 410, 202 and callback,
// key rotation and private destinations.
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { destinationProblem, isPrivateAddress } from '../../../src/modules/webhooks/destination.ts';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';
import { type Receiver, startReceiver } from '../../helpers/webhook-receiver.ts';

const FAST = {
  GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
  GATEHOUSE_WEBHOOK_RETRY_MIN_MS: '10',
  GATEHOUSE_WEBHOOK_RETRY_MAX_MS: '30',
  GATEHOUSE_WEBHOOK_POLL_MS: '50',
};

describe.each(backends)('webhook delivery on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  let r: Receiver;
  beforeAll(async () => {
    s = await startServer(backend, FAST);
    a = s.admin;
    s.core.startWorkers((err) => {
      throw err;
    });
  });
  afterEach(async () => r?.close());
  afterAll(async () => s?.close());

  const hookFor = async (url: string, extra: Record<string, unknown> = {}) =>
    (await a.post('/api/v1/webhooks', { displayName: 'receiver', url, ...extra })).body.webhook;
  const instance = (id: string) => s.core.services.webhooks.instance(a.tenant.id, id);
  const until = (id: string, state: string) =>
    vi.waitFor(
      async () => {
        const i = await instance(id);
        expect(i?.state).toBe(state);
        return i;
      },
      { timeout: 20_000, interval: 20 },
    );

  it('sends the Test payload signed as C1 signs it, with its headers', async () => {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    const hook = await hookFor(r.url);
    const t = await a.post(`/api/v1/webhooks/${hook.id}/test`, {});
    expect(t.status).toBe(200);
    const inst = t.body.webhook;
    expect(inst).toMatchObject({
      webhookId: hook.id,
      state: 'WEBHOOK_STATE_PENDING',
      attempts: 0,
      source: { test: {} },
      spec: { destination: r.url },
    });
    const [d] = await r.received(1);
    expect(d.problems).toEqual([]);
    expect(d.body).toEqual({
      version: 'v1',
      webhookId: inst.id,
      callbackUrl: expect.stringMatching(/\/api\/v1\/webhooks\/callback\/[A-Za-z0-9_-]{43}$/),
      event: 'c1.webhooks.v1.PayloadTest',
      payload: { '@type': 'type.googleapis.com/c1.webhooks.v1.PayloadTest' },
    });
    expect(d.headers).toMatchObject({
      'webhook-version': 'v1',
      'webhook-id': inst.id,
      'webhook-event': 'c1.webhooks.v1.PayloadTest',
      'webhook-callback-url': d.body.callbackUrl,
    });
    expect(d.claims).toMatchObject({ aud: '127.0.0.1', c1typ: 'wh', htm: 'POST', htu: r.url, iss: expect.any(String) });
    expect(typeof d.claims.jti).toBe('string');
    const done = await until(inst.id, 'WEBHOOK_STATE_SUCCESS');
    expect(done).toMatchObject({ attempts: 1, completedAt: expect.any(String) });
    // The JWKS has public halves only.
    const jwks = (await s.fetch(`/auth/v1/jwks?tenant=${a.tenant.domain}`)).body;
    expect(jwks.keys.length).toBe(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0].d).toBeUndefined();
    expect((await s.fetch('/auth/v1/jwks?tenant=nobody.example')).body).toEqual({ keys: [] });
  });

  it('retries a failing receiver until it answers 2xx, every attempt signed anew', async () => {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    r.answer = (_d, n) => (n <= 3 ? { status: n === 2 ? 503 : 500, body: 'down' } : { status: 204 });
    const hook = await hookFor(r.url);
    const inst = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    const ds = await r.received(4);
    const done = await until(inst.id, 'WEBHOOK_STATE_SUCCESS');
    expect(done?.attempts).toBe(4);
    for (const d of ds) expect(d.problems).toEqual([]);
    expect(new Set(ds.map((d) => d.claims.jti)).size).toBe(4);
    // The same body (and delivery id) every time.
    expect(new Set(ds.map((d) => d.raw)).size).toBe(1);
    expect(r.deliveries.length).toBe(4);
  });

  it('stops at 410 Gone', async () => {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    r.answer = () => ({ status: 410 });
    const hook = await hookFor(r.url);
    const inst = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    await r.received(1);
    const done = await until(inst.id, 'WEBHOOK_STATE_FATAL_ERROR');
    expect(done?.attempts).toBe(1);
    // Another instance, sent after: the first was not sent again meanwhile.
    const second = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    await until(second.id, 'WEBHOOK_STATE_FATAL_ERROR');
    expect(r.deliveries.map((d) => d.body.webhookId)).toEqual([inst.id, second.id]);
  });

  it('after a 202, waits for one callback; a second call with the token is refused', async () => {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    r.answer = () => ({ status: 202 });
    const hook = await hookFor(r.url, { callbackTimeout: '600s' });
    const inst = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    const [d] = await r.received(1);
    const waiting = await until(inst.id, 'WEBHOOK_STATE_WAITING_CALLBACK');
    const expires = Date.parse(waiting?.expiresAt ?? '') - Date.parse(waiting?.lastAttemptedAt ?? '');
    expect(expires).toBeGreaterThan(590_000);
    expect(expires).toBeLessThan(610_000);
    const path = new URL(d.body.callbackUrl).pathname;
    const post = (body: string) => s.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // Not an object: refused, and the token stays usable.
    expect((await post('[1]')).status).toBe(400);
    const first = await post('{"version":"v1","note":"done"}');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({});
    expect((await instance(inst.id))?.state).toBe('WEBHOOK_STATE_SUCCESS');
    const again = await post('{"version":"v1"}');
    expect(again.status).toBe(404);
    expect((await post('{}')).status).toBe(404);
    expect(
      (
        await s.fetch('/api/v1/webhooks/callback/not-a-token', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect(r.deliveries.length).toBe(1);
  });

  it('signs with the new key after rotation; the JWKS keeps the old one', async () => {
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
    const hook = await hookFor(r.url);
    const one = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    await until(one.id, 'WEBHOOK_STATE_SUCCESS');
    const kid = await s.core.services.webhooks.keys.rotate(a.tenant.id);
    const two = (await a.post(`/api/v1/webhooks/${hook.id}/test`, {})).body.webhook;
    await until(two.id, 'WEBHOOK_STATE_SUCCESS');
    const [d1, d2] = r.deliveries;
    expect(d2.problems).toEqual([]);
    const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
    const kid1 = header(String(d1.headers.authorization).slice(7)).kid;
    expect(header(String(d2.headers.authorization).slice(7)).kid).toBe(kid);
    expect(kid1).not.toBe(kid);
    const kids = (await s.fetch(`/auth/v1/jwks?tenant=${a.tenant.domain}`)).body.keys.map((k: { kid: string }) => k.kid);
    expect(kids.sort()).toEqual([kid1, kid].sort());
  });
});

describe.each(backends)('private webhook destinations on %s', (backend) => {
  let s: TestServer;
  let r: Receiver;
  beforeAll(async () => {
    // Allowed when the webhook is saved, refused when sending: the check at connection is what counts.
    s = await startServer(backend, { ...FAST, GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });
    r = await startReceiver(`${s.url}/auth/v1/jwks`);
  });
  afterAll(async () => {
    await r?.close();
    await s?.close();
  });

  it('refuses at connection a name that resolves to a loopback address, and an address, without the flag', async () => {
    const port = new URL(r.url).port;
    const a = s.admin;
    // The machine's own name: a name (not "localhost") that resolves to a private address here (/etc/hosts).
    const name = hostname();
    const resolved = await lookup(name, { all: true });
    expect(
      resolved.every((x) => isPrivateAddress(x.address)),
      `${name} resolves to ${JSON.stringify(resolved)}`,
    ).toBe(true);
    expect(destinationProblem(`https://${name}:${port}/hook`, false)).toBeUndefined();
    const byName = (await a.post('/api/v1/webhooks', { displayName: 'n', url: `https://${name}:${port}/hook` })).body.webhook;
    const byIp = (await a.post('/api/v1/webhooks', { displayName: 'i', url: `https://127.0.0.1:${port}/hook` })).body.webhook;
    // The same server's data read by a worker that does not allow private destinations.
    const strict = { ...s.core.config, webhookAllowPrivate: false };
    const { WebhooksService } = await import('../../../src/modules/webhooks/service.ts');
    const svc = new WebhooksService(s.core.database.db, strict, s.core.services.tenants);
    for (const hook of [byName, byIp]) {
      const inst = await svc.test(a.tenant.id, hook.id);
      const [claimed] = (await svc.claim('strict-test', 16, 60_000)).filter((c) => c.id === inst.id);
      await svc.attempt(claimed, 'strict-test');
      const after = await svc.instance(a.tenant.id, inst.id);
      expect(after).toMatchObject({ state: 'WEBHOOK_STATE_ERROR', attempts: 1 });
    }
    const rows = await s.core.database.db.query.webhookInstances.findMany();
    const errors = rows.filter((x) => x.tenantId === a.tenant.id).map((x) => x.lastError);
    expect(errors).toContain(`${name} resolves to the private address ${resolved[0].address}`);
    expect(errors).toContain(
      'destination is a private or loopback address (allowed only with GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true)',
    );
    expect(r.deliveries).toEqual([]);
  });
});
