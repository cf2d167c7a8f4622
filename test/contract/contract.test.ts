// The contract validator itself: it must pass what C1's openapi.yaml allows and
// catch what it does not, or the contract check on every response proves nothing.
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  C1_OPENAPI,
  checkContract,
  contractAvailable,
  contractErrors,
  contractFilePresent,
  matchTemplate,
} from '../helpers/contract.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

const available = contractAvailable();
if (!available) console.warn(`contract.test.ts: every test below is skipped because ${C1_OPENAPI} is absent`);

describe('contract file', () => {
  it('a missing openapi.yaml fails the check when CI is set; only outside CI is it skipped', () => {
    const missing = path.join(os.tmpdir(), `no-such-dir-${process.pid}`, 'openapi.yaml');
    expect(() => contractFilePresent(missing, { CI: 'true' })).toThrow(/not found, and CI is set/);
    expect(contractFilePresent(missing, {})).toBe(false);
    expect(contractFilePresent(C1_OPENAPI, {})).toBe(available);
  });
});

describe.each(backends)('contract validator on %s', (backend) => {
  let s: TestServer;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are mutated freely to break them
  let app: any;
  beforeAll(async () => {
    s = await startServer(backend);
    const owner = await s.admin.user();
    app = (await s.admin.post('/api/v1/apps', { displayName: 'Contract', description: 'd', owners: [owner.id] })).body.app;
  });
  afterAll(async () => s?.close());

  const get = (id: string) => `/api/v1/apps/${id}`;

  it.skipIf(!available)('matches concrete paths to openapi.yaml templates, literal segments first', () => {
    expect(matchTemplate('GET', '/api/v1/apps/abc')).toBe('/api/v1/apps/{id}');
    expect(matchTemplate('POST', '/api/v1/apps/abc?x=1')).toBe('/api/v1/apps/{id}');
    expect(matchTemplate('GET', '/api/v1/apps/abc/owners')).toBe('/api/v1/apps/{app_id}/owners');
    expect(matchTemplate('POST', '/api/v1/search/apps')).toBe('/api/v1/search/apps');
    expect(matchTemplate('PATCH', '/api/v1/apps/abc')).toBeUndefined();
    expect(matchTemplate('GET', '/api/v1/apps/')).toBeUndefined();
    expect(matchTemplate('POST', '/auth/v1/token')).toBeUndefined();
    expect(matchTemplate('GET', '/healthz')).toBeUndefined();
  });

  it.skipIf(!available)('passes the real responses of the server', async () => {
    const got = await s.admin.get(get(app.id));
    expect(got.status).toBe(200);
    expect(contractErrors('GET', get(app.id), 200, got.body)).toEqual([]);
    const list = await s.admin.get('/api/v1/users');
    expect(contractErrors('GET', '/api/v1/users', 200, list.body)).toEqual([]);
    const missing = await s.admin.get(get('2NbVHTU4kHr0Vb8lEaq2mLOZGjZ'));
    expect(missing.status).toBe(404);
    expect(contractErrors('GET', get('x'), 404, missing.body)).toEqual([]);
  });

  it.skipIf(!available)('catches a wrong 200 body: userCount as a number', () => {
    const bad = { app: { ...app, userCount: 0 } };
    expect(() => checkContract('GET', get(app.id), 200, bad)).toThrow(/userCount.*must be string/);
    expect(() => checkContract('GET', get(app.id), 200, { app })).not.toThrow();
  });

  it.skipIf(!available)('catches wrong types, formats and enum names deep in a body', () => {
    const cases: [string, unknown][] = [
      ['userCount', { app: { ...app, userCount: 'twelve' } }],
      ['createdAt', { app: { ...app, createdAt: 'yesterday' } }],
      ['identityMatching', { app: { ...app, identityMatching: 'APP_USER_IDENTITY_MATCHING_SOMETIMES' } }],
      ['monthlyCostUsd', { app: { ...app, monthlyCostUsd: 1.5 } }],
      ['appOwners/0/emails', { app: { ...app, appOwners: [{ ...app.appOwners[0], emails: 'a@b.c' }] } }],
      ['/app', { app: 'Okta' }],
    ];
    for (const [field, body] of cases) {
      const errs = contractErrors('POST', get(app.id), 200, body);
      expect(errs.join(), field).toContain(field);
    }
    const listBad = { list: [{ user: { id: 5 } }], nextPageToken: '' };
    expect(contractErrors('POST', '/api/v1/search/users', 200, listBad).join()).toMatch(/list\/0\/user\/id/);
  });

  it.skipIf(!available)('flags fields the spec does not declare, also inside an expanded Any (by its @type)', () => {
    expect(contractErrors('GET', get(app.id), 200, { app: { ...app, internal: 1 } }).join()).toMatch(
      /fields not in openapi\.yaml: \/app\/internal/,
    );
    const viaAny = {
      appResourceView: { appResource: { id: 'r' } },
      expanded: [{ '@type': 'type.googleapis.com/c1.api.app.v1.App', ...app, searchKey: 'x' }],
    };
    const resource = '/api/v1/apps/a/resource_types/t/resources/r';
    expect(contractErrors('GET', resource, 200, viaAny).join()).toMatch(/\/expanded\/0\(c1\.api\.app\.v1\.App\)\/searchKey/);
    const clean = { ...viaAny, expanded: [{ '@type': 'type.googleapis.com/c1.api.app.v1.App', ...app }] };
    expect(contractErrors('GET', resource, 200, clean)).toEqual([]);
    // An Any of a message the spec does not have, and objects the spec leaves open, are not judged.
    expect(contractErrors('GET', resource, 200, { ...viaAny, expanded: [{ '@type': 'x.y/Unknown', a: 1 }] })).toEqual([]);
  });

  it.skipIf(!available)('allows what the spec allows: nulls (nullable), absent fields', () => {
    expect(contractErrors('GET', get(app.id), 200, { app: { ...app, description: null, userCount: null } })).toEqual([]);
    expect(contractErrors('GET', get(app.id), 200, { app: { id: app.id } })).toEqual([]);
    expect(contractErrors('GET', get(app.id), 200, {})).toEqual([]);
  });

  it.skipIf(!available)('checks every non-2xx body against {code, message, details}', () => {
    const ok = { code: 5, message: 'app not found', details: [] };
    expect(contractErrors('GET', get('x'), 404, ok)).toEqual([]);
    expect(contractErrors('GET', get('x'), 404, { statusCode: 404, error: 'Not Found', message: 'x' }).length).toBe(1);
    expect(contractErrors('GET', get('x'), 400, { ...ok, code: '3' }).join()).toMatch(/code/);
    expect(contractErrors('GET', get('x'), 401, { code: 16, message: 'no' }).join()).toMatch(/details/);
    expect(contractErrors('DELETE', get('x'), 500, 'Internal Server Error').length).toBe(1);
    expect(() => checkContract('GET', get('x'), 403, { code: 7 })).toThrow(/error shape/);
  });

  it.skipIf(!available)('skips paths openapi.yaml does not have', () => {
    expect(contractErrors('POST', '/auth/v1/token', 200, { nonsense: true })).toEqual([]);
    expect(contractErrors('GET', '/healthz', 500, 'x')).toEqual([]);
    expect(contractErrors('GET', '/api/v1/openapi.json', 200, 42)).toEqual([]);
  });
});
