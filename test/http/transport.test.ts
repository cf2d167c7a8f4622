// The suite talks to the server through Fastify's inject (test/helpers/server.ts); a test
// can ask for the real socket. Both must answer alike, and each must be what it says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Res, startServer, type TestServer } from '../helpers/server.ts';

describe.each(backends)('test transport on %s', (backend) => {
  let injected: TestServer;
  let socket: TestServer;
  const overSocket = new Map<TestServer, number>();
  beforeAll(async () => {
    injected = await startServer(backend);
    socket = await startServer(backend, {}, { listen: true });
    for (const s of [injected, socket]) {
      overSocket.set(s, 0);
      s.app.server.on('request', () => overSocket.set(s, (overSocket.get(s) ?? 0) + 1));
    }
  });
  afterAll(async () => {
    await injected?.close();
    await socket?.close();
  });

  /** The same requests to one server; ids and request-specific headers left out. */
  async function answers(s: TestServer) {
    const shape = (r: Res) => ({ status: r.status, body: r.body, type: r.headers.get('content-type') });
    const auth = { authorization: `Bearer ${s.admin.token}` };
    const created = await s.admin.post('/api/v1/apps', { displayName: 'Transport' });
    const got = await s.admin.get(`/api/v1/apps/${created.body.app.id}`);
    return [
      shape(await s.fetch('/healthz')),
      { status: created.status, name: created.body.app.displayName },
      { status: got.status, same: got.body.app.id === created.body.app.id },
      shape(await s.admin.get('/api/v1/apps/2NbVHTU4kHr0Vb8lEaq2mLOZGjZ')),
      shape(
        await s.fetch('/api/v1/apps', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{x' }),
      ),
      shape(await s.fetch('/api/v1/apps', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' })),
      shape(await s.fetch('/api/v1/apps', { method: 'POST', headers: auth, body: new TextEncoder().encode('{}') })),
      shape(await s.fetch('/auth/v1/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) })),
      shape(await s.fetch('/no/such/path')),
    ];
  }

  it('inject and the real socket answer alike, and only the socket one uses the socket', async () => {
    const viaInject = await answers(injected);
    const viaSocket = await answers(socket);
    expect(viaInject).toEqual(viaSocket);
    expect(viaInject.map((a) => a.status)).toEqual([200, 200, 200, 404, 400, 400, 415, 401, 404]);
    expect(overSocket.get(injected)).toBe(0);
    expect(overSocket.get(socket)).toBe(viaSocket.length); // one request per answer
    // `url` is live on both, for tests that bring their own HTTP client.
    for (const s of [injected, socket]) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});
