// The server's own API description and the endpoints that need no token:
// GET /api/v1/openapi.json (OpenAPI 3.1 with C1's paths and operation ids), /docs,
// /healthz and /readyz.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEWER_SDK_OPERATIONS } from '../../src/http/newer-operations.ts';
import { resolver } from '../contract/routes.ts';
import { c1Spec, contractAvailable, SKIP_MESSAGE } from '../helpers/contract.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

const available = contractAvailable();
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe.each(backends)('docs and health on %s', (backend) => {
  let s: TestServer;
  // biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document
  let doc: any;
  beforeAll(async () => {
    s = await startServer(backend);
    const res = await s.fetch('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => s?.close());

  const operations = () =>
    Object.entries(
      doc.paths as Record<
        string,
        Record<string, { operationId?: string; tags?: string[]; summary?: string; description?: string; responses?: object }>
      >,
    ).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

  it('serves OpenAPI 3.1 without a token, every operation with an id, tags and a 200 response', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    const ops = operations();
    expect(ops.length).toBeGreaterThan(8);
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size, 'operation ids are unique').toBe(ids.length);
    for (const { path, method, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^(c1\.api\.|gatehouse\.)/);
      expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0);
      expect(op.responses, `${method} ${path}`).toHaveProperty('200');
    }
    expect(doc.paths).toHaveProperty(['/auth/v1/token']);
    expect(doc.paths['/auth/v1/token'].post.security, 'the token endpoint needs no token').toEqual([]);
    expect(doc.paths['/api/v1/apps'].post.operationId).toBe('c1.api.app.v1.Apps.Create');
  });

  it.skipIf(!available)("has C1's paths, operation ids and tags exactly as openapi.yaml", () => {
    const spec = c1Spec();
    if (!spec) throw new Error(SKIP_MESSAGE);
    for (const { path, method, op } of operations()) {
      // Gatehouse's own additions (e.g. the sync upload) are not C1's.
      if (!path.startsWith('/api/v1/') || op.operationId?.startsWith('gatehouse.')) continue;
      // Operations of C1's newer SDKs, not in the document yet (src/http/newer-operations.ts).
      if (op.operationId && NEWER_SDK_OPERATIONS.has(op.operationId)) continue;
      const theirs = spec.paths[path]?.[method];
      expect(theirs, `${method} ${path} is not in openapi.yaml (path and param names must match)`).toBeDefined();
      expect(op.operationId, `${method} ${path}`).toBe(theirs?.operationId);
      expect(op.tags, `${method} ${path}`).toEqual(theirs?.tags);
    }
  });

  it('gives every operation a one-line summary and a description of its own', () => {
    for (const { path, method, op } of operations()) {
      const what = `${method} ${path} (${op.operationId})`;
      expect(op.summary, `${what} summary`).toMatch(/^\S.{4,70}$/);
      expect(op.description, `${what} description`).toBeTypeOf('string');
      expect(op.description?.length, `${what} description`).toBeGreaterThan(40);
      expect(op.description, `${what} description says more than the summary`).not.toBe(op.summary);
    }
    const descriptions = operations().map((o) => o.op.description);
    expect(new Set(descriptions).size, 'descriptions are not copies of each other').toBe(descriptions.length);
  });

  it("names the server and its version, and says that C1's other operations answer 501", () => {
    expect(doc.info.title).toMatch(/^Gatehouse\b/);
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.description).toContain('is not implemented by Gatehouse');
    const ids = new Set(operations().map((o) => o.op.operationId));
    // A C1 operation Gatehouse does not serve (it answers 501) is not in the document.
    expect(ids.has('c1.api.systemlog.v1.ExportService.List')).toBe(false);
  });

  it('writes each schema it repeats once, under components.schemas, and refers to it there', () => {
    const text = JSON.stringify(doc);
    // Inlined, the document was 1,069,278 bytes and Swagger UI took seconds to draw it.
    expect(text.length).toBeLessThan(400_000);
    const schemas = doc.components.schemas as Record<string, object>;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['App', 'Policy', 'TaskView', 'AppResource', 'User']));
    const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]));
    for (const name of refs) expect(schemas[name], name).toBeDefined();
    for (const name of Object.keys(schemas)) expect(refs.has(name), `${name} is used`).toBe(true);
    // The app an answer carries is the component, which has C1's fields.
    const get = doc.paths['/api/v1/apps/{id}'].get.responses['200'].content['application/json'].schema;
    expect(resolver(doc)(get)?.properties.app.properties).toHaveProperty('grantPolicyId');
  });

  it('serves a readable API reference at /docs without a token', async () => {
    const res = await fetch(`${s.url}/docs`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<html/i);
    expect(html).toContain(`<title>Gatehouse ${pkg.version}: API reference</title>`);
  });

  it('answers /healthz and /readyz without a token', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await s.fetch(path);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual({ status: 'ok' });
    }
    const api = await s.fetch('/api/v1/apps');
    expect(api.status).toBe(401);
  });
});
