// C1 operations Gatehouse does not serve answer 501 UNIMPLEMENTED after
// authentication; a path in neither C1's spec nor Gatehouse stays 404. The list
// comes from openapi.yaml itself and "implemented" from the server's own OpenAPI
// document, so this test shrinks by itself as modules add routes.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type C1OperationRef, deriveOperations } from '../../scripts/c1-operations.ts';
import { C1_OPERATIONS, registerUnimplemented } from '../../src/http/unimplemented.ts';
import { ApiError, Code } from '../../src/lib/errors.ts';
import { C1_OPENAPI, contractAvailable, SKIP_MESSAGE } from '../helpers/contract.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

const available = contractAvailable();
const specOperations = (): C1OperationRef[] => {
  if (!available) throw new Error(SKIP_MESSAGE);
  return deriveOperations(readFileSync(C1_OPENAPI, 'utf8'));
};
/** A concrete URL for a path template: every parameter a well-formed id that names nothing. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '2DzFcmyKvXyaXKzKhnCRvuZBTu8');
const opName = (op: C1OperationRef) => `${op.method} ${op.path}`;

describe('src/http/c1-operations.json', () => {
  it.skipIf(!available)('is exactly what scripts/c1-operations.ts derives from openapi.yaml (run it when C1 changes)', () => {
    expect(C1_OPERATIONS).toEqual(specOperations());
  });
});

describe('registerUnimplemented', () => {
  it('leaves routes already registered alone, whatever their parameter names, and answers 501 for the rest', async () => {
    const app = Fastify();
    app.setErrorHandler((err: Error, _req, reply) => {
      const code = err instanceof ApiError ? err.code : Code.INTERNAL;
      reply.status(code === Code.UNIMPLEMENTED ? 501 : 401).send({ code, message: err.message });
    });
    // A module serving C1's GET /api/v1/webhooks/{id} under another parameter name.
    app.get('/api/v1/webhooks/:webhook_id', async (req) => ({ served: (req.params as { webhook_id: string }).webhook_id }));
    await registerUnimplemented(app, async (req) => {
      if (req.headers.authorization !== 'yes') throw new ApiError(Code.UNAUTHENTICATED, 'no');
    });
    await app.ready();
    const call = (method: 'GET' | 'POST', url: string, authorization = 'yes') =>
      app.inject({ method, url, headers: { authorization } });
    expect((await call('GET', '/api/v1/webhooks/w1')).json()).toEqual({ served: 'w1' });
    const list = await call('GET', '/api/v1/webhooks');
    expect(list.statusCode).toBe(501);
    expect(list.json().message).toBe('c1.api.webhooks.v1.WebhooksService.List is not implemented by Gatehouse');
    expect((await call('POST', '/api/v1/webhooks/w1')).statusCode).toBe(501);
    expect((await call('POST', '/api/v1/webhooks/w1', 'no')).statusCode).toBe(401);
    await app.close();
  });
});

describe.each(backends)('C1 operations Gatehouse does not implement, on %s', (backend) => {
  let s: TestServer;
  let served: Set<string>;
  beforeAll(async () => {
    s = await startServer(backend);
    const doc = await s.fetch('/api/v1/openapi.json');
    served = new Set(
      Object.entries(doc.body.paths as Record<string, object>).flatMap(([path, item]) =>
        Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
  });
  afterAll(async () => s?.close());

  const call = (op: C1OperationRef, headers: Record<string, string>) =>
    s.fetch(concrete(op.path), {
      method: op.method,
      headers: op.method === 'GET' ? headers : { ...headers, 'content-type': 'application/json' },
      body: op.method === 'GET' ? undefined : '{}',
    });

  it.skipIf(!available)('answers 501 with the operation id after authentication, 401 before', async () => {
    const missing = specOperations().filter((op) => !served.has(opName(op)));
    expect(missing.length, 'some of C1 is not implemented').toBeGreaterThan(0);
    for (const op of missing) {
      const res = await call(op, { authorization: `Bearer ${s.admin.token}` });
      expect(res.status, opName(op)).toBe(501);
      expect(res.body, opName(op)).toEqual({
        code: 12,
        message: `${op.operationId} is not implemented by Gatehouse`,
        details: [],
      });
      const anonymous = await call(op, {});
      expect(anonymous.status, `${opName(op)} without a token`).toBe(401);
      expect(anonymous.body.code, opName(op)).toBe(16);
      const badToken = await call(op, { authorization: 'Bearer not-a-token' });
      expect(badToken.status, `${opName(op)} with a bad token`).toBe(401);
    }
  });

  it.skipIf(!available)('serves every operation it documents: none of them is a 501', async () => {
    const implemented = specOperations().filter((op) => served.has(opName(op)));
    expect(implemented.length).toBeGreaterThan(30);
    for (const op of implemented) {
      const res = await call(op, { authorization: `Bearer ${s.admin.token}` });
      expect(res.status, `${opName(op)}: ${JSON.stringify(res.body)}`).not.toBe(501);
      expect(res.status, opName(op)).toBeLessThan(500);
    }
  });

  it('keeps 404 for what is in neither C1 nor Gatehouse', async () => {
    const auth = { authorization: `Bearer ${s.admin.token}` };
    for (const [method, path] of [
      ['GET', '/api/v1/no-such-thing'],
      ['GET', '/api/v1/webhooks/x/y/z'],
      ['PATCH', '/api/v1/webhooks'],
      ['GET', '/v2/webhooks'],
    ]) {
      const res = await s.fetch(path, { method, headers: auth });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code, `${method} ${path}`).toBe(5);
    }
  });

  it('answers 501 to every authenticated caller, whatever its roles (no operation there to authorize)', async () => {
    const reader = await s.caller({ role: 'read-only' });
    const write = await reader.post('/api/v1/systemlog/exports', {});
    expect(write.status).toBe(501);
    expect(write.body.message).toBe('c1.api.systemlog.v1.ExportService.Create is not implemented by Gatehouse');
    const read = await reader.get('/api/v1/systemlog/exports');
    expect(read.status).toBe(501);
    expect(read.body.message).toBe('c1.api.systemlog.v1.ExportService.List is not implemented by Gatehouse');
  });
});
