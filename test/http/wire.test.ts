// C1's parsing rules on real routes: null means "not set", unknown fields are
// ignored (never stored, never echoed), snake_case names stand for camelCase ones,
// and a known field of the wrong type is still a 400 that changes nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snakeCase, wireNormaliser } from '../../src/http/wire.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

const SEARCHES = [
  '/api/v1/search/apps',
  '/api/v1/search/users',
  '/api/v1/search/app_resource_types',
  '/api/v1/search/app_resources',
  '/api/v1/search/entitlements',
  '/api/v1/search/grants',
  '/api/v1/search/past-grants',
  '/api/v1/search/app_users',
];

describe('the wire normaliser on its own', () => {
  it('keeps the keys of maps as given, normalising only their values', () => {
    const Item = { type: 'object', properties: { displayName: { type: 'string' } }, additionalProperties: false };
    const schema = {
      type: 'object',
      properties: {
        byName: { type: 'object', additionalProperties: Item },
        byPattern: { type: 'object', patternProperties: { '^k': Item }, additionalProperties: false },
      },
      additionalProperties: false,
    };
    const out = wireNormaliser(schema)({
      by_name: { some_key: { display_name: 'a', other: 1 }, gone: null },
      byPattern: { k_1: { displayName: 'b', junk: null }, x: { displayName: 'c' } },
    });
    expect(out).toEqual({ byName: { some_key: { displayName: 'a' } }, byPattern: { k_1: { displayName: 'b' } } });
  });

  it('lets camelCase win over its snake_case twin, whichever comes first', () => {
    const schema = { type: 'object', properties: { displayName: { type: 'string' } }, additionalProperties: false };
    const n = wireNormaliser(schema);
    expect(n({ display_name: 'snake', displayName: 'camel' })).toEqual({ displayName: 'camel' });
    expect(n({ displayName: 'camel', display_name: 'snake' })).toEqual({ displayName: 'camel' });
    expect(n({ displayName: null, display_name: 'snake' })).toEqual({ displayName: 'snake' });
  });

  it('leaves null elements of lists to the schema, and "__proto__" keys of maps as plain keys', () => {
    const schema = {
      type: 'object',
      properties: {
        ids: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    };
    const out = wireNormaliser(schema)(JSON.parse('{"ids":[null,{"id":"a","x":null}],"labels":{"__proto__":"p"}}')) as {
      ids: unknown[];
      labels: Record<string, unknown>;
    };
    expect(out.ids).toEqual([null, { id: 'a' }]);
    expect(Object.keys(out.labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out.labels)).toBe(Object.prototype);
  });

  it('maps proto names the way protoc does', () => {
    expect(snakeCase('displayName')).toBe('display_name');
    expect(snakeCase('resourceTypeTraitIds')).toBe('resource_type_trait_ids');
    expect(snakeCase('query')).toBe('query');
  });
});

describe.each(backends)('C1 wire parsing on %s', (backend) => {
  let s: TestServer;
  let appId: string;
  let entId: string;
  let owner: string;
  beforeAll(async () => {
    s = await startServer(backend);
    owner = (await s.admin.user()).id;
    appId = (await s.admin.post('/api/v1/apps', { displayName: 'Wire', owners: [owner] })).body.app.id;
    entId = (await s.admin.post(`/api/v1/apps/${appId}/entitlements`, { displayName: 'Reader' })).body.appEntitlementView
      .appEntitlement.id;
  });
  afterAll(async () => s?.close());

  it('takes {"expandMask": null} on every search route as if it were absent', async () => {
    for (const path of SEARCHES) {
      const without = await s.admin.post(path, { pageSize: 10 });
      const withNull = await s.admin.post(path, { pageSize: 10, expandMask: null });
      expect(without.status, path).toBe(200);
      expect(withNull.status, `${path}: ${JSON.stringify(withNull.body)}`).toBe(200);
      expect(withNull.body, path).toEqual(without.body);
    }
  });

  it('takes {"entitlement": {"provisionerPolicy": null, ...}} on entitlement update as if it were absent', async () => {
    const path = `/api/v1/apps/${appId}/entitlements/${entId}`;
    const res = await s.admin.post(path, {
      entitlement: { displayName: 'Reader 2', provisionerPolicy: null, deprovisionerPolicy: null, slug: null },
      updateMask: 'displayName',
      expandMask: null,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.appEntitlementView.appEntitlement.displayName).toBe('Reader 2');
    // The update object itself null: nothing to change.
    const nothing = await s.admin.post(path, { entitlement: null, updateMask: null });
    expect(nothing.status, JSON.stringify(nothing.body)).toBe(200);
    expect(nothing.body.appEntitlementView.appEntitlement.displayName).toBe('Reader 2');
  });

  it('takes {"userIds": null} on set-owners as if it were absent (no owners)', async () => {
    const appOwners = `/api/v1/apps/${appId}/owners`;
    const entOwners = `/api/v1/apps/${appId}/entitlements/${entId}/owners`;
    for (const path of [appOwners, entOwners]) {
      expect((await s.admin.put(path, { userIds: [owner] })).status).toBe(200);
      expect((await s.admin.get(path)).body.list.map((u: { id: string }) => u.id)).toEqual([owner]);
      const res = await s.admin.put(path, { userIds: null });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({});
      const absent = await s.admin.get(path);
      expect(absent.body.list, path).toEqual([]);
    }
  });

  it('ignores unknown fields at any depth: never stored, never echoed', async () => {
    const created = await s.admin.post('/api/v1/apps', {
      displayName: 'Unknowns',
      notAField: { deep: [1, 2] },
      futureSetting: 'x',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const app = created.body.app;
    expect(JSON.stringify(app)).not.toContain('notAField');
    expect(JSON.stringify(app)).not.toContain('futureSetting');
    const updated = await s.admin.post(`/api/v1/apps/${app.id}`, {
      app: { description: 'now', somethingNew: { a: 1 } },
      updateMask: 'description',
      alsoNew: true,
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.app.description).toBe('now');
    const got = await s.admin.get(`/api/v1/apps/${app.id}`);
    expect(got.body.app).toEqual(updated.body.app);
    expect(JSON.stringify(got.body)).not.toMatch(/somethingNew|alsoNew|notAField/);
    // Nested inside a list of refs too.
    const search = await s.admin.post('/api/v1/search/apps', { appIds: [app.id], policyRefs: [{ id: 'p', extra: 1 }] });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
  });

  it('accepts proto snake_case names at any depth; camelCase wins when both are given', async () => {
    const created = await s.admin.post('/api/v1/apps', {
      display_name: 'Snake',
      monthly_cost_usd: 7,
      identity_matching: 'APP_USER_IDENTITY_MATCHING_STRICT',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.app).toMatchObject({
      displayName: 'Snake',
      monthlyCostUsd: 7,
      identityMatching: 'APP_USER_IDENTITY_MATCHING_STRICT',
    });
    const id = created.body.app.id;
    const updated = await s.admin.post(`/api/v1/apps/${id}`, {
      app: { display_name: 'snake loses', displayName: 'Camel wins' },
      update_mask: 'displayName',
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.app.displayName).toBe('Camel wins');
    // Mask paths by their proto names too.
    const masked = await s.admin.post(`/api/v1/apps/${id}`, {
      app: { monthly_cost_usd: 9, description: 'not in the mask' },
      update_mask: 'monthly_cost_usd',
    });
    expect(masked.status, JSON.stringify(masked.body)).toBe(200);
    expect(masked.body.app.monthlyCostUsd).toBe(9);
    expect(masked.body.app.description).toBeUndefined();
    const search = await s.admin.post('/api/v1/search/apps', { app_ids: [id], page_size: 10 });
    expect(search.body.list.map((a: { id: string }) => a.id)).toEqual([id]);
  });

  it('still refuses a known field of the wrong type, naming it, and changes nothing', async () => {
    const before = (await s.admin.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length;
    const cases: [unknown, string][] = [
      [{ displayName: 5, unknown: 1 }, 'displayName'],
      [{ display_name: 5 }, 'displayName'],
      [{ displayName: 'a', owners: 'x' }, 'owners'],
      [{ displayName: 'a', owners: [null] }, 'owners'],
      [{ displayName: 'a', monthlyCostUsd: '7' }, 'monthlyCostUsd'],
    ];
    for (const [body, field] of cases) {
      const res = await s.admin.post('/api/v1/apps', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(field);
    }
    const upd = await s.admin.post(`/api/v1/apps/${appId}`, { app: { description: 9 }, updateMask: 'description' });
    expect(upd.status).toBe(400);
    expect(upd.body.message).toContain('app.description');
    expect((await s.admin.post('/api/v1/search/apps', { pageSize: 100 })).body.list.length).toBe(before);
  });
});

describe.each(backends)('limits on %s: the code, /api/v1/openapi.json and docs/wire.md agree', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('accepts displayName and description up to the documented figure and refuses one more', async () => {
    const doc = (await s.fetch('/api/v1/openapi.json')).body;
    const docs = readFileSync(new URL('../../docs/wire.md', import.meta.url), 'utf8');
    const schemaOf = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Limits' })).body.app;
    const type = (await s.admin.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'T', resourceType: 'ROLE' })).body
      .appResourceType;
    const creates: [string, string, object][] = [
      ['/api/v1/apps', '/api/v1/apps', {}],
      ['/api/v1/apps/{app_id}/entitlements', `/api/v1/apps/${app.id}/entitlements`, {}],
      [
        '/api/v1/apps/{app_id}/resource_types/{app_resource_type_id}/resources',
        `/api/v1/apps/${app.id}/resource_types/${type.id}/resources`,
        {},
      ],
      ['/api/v1/apps/{app_id}/resource_types', `/api/v1/apps/${app.id}/resource_types`, { resourceType: 'ROLE' }],
    ];
    for (const [template, path, extra] of creates) {
      const props = schemaOf(template).properties;
      for (const field of ['displayName', 'description']) {
        const max = props[field]?.maxLength as number | undefined;
        if (field === 'displayName') expect(max, template).toBe(256);
        if (max === undefined) continue;
        expect(docs, `docs/wire.md gives ${field} ${max}`).toMatch(new RegExp(`\`${field}\`[^\\n]*\\| [^\\n]*${max} characters`));
        const base = { displayName: 'ok', ...extra };
        const fits = await s.admin.post(path, { ...base, [field]: 'x'.repeat(max) });
        expect(fits.status, `${template} ${field} of ${max}: ${JSON.stringify(fits.body)}`).toBe(200);
        const over = await s.admin.post(path, { ...base, [field]: 'x'.repeat(max + 1) });
        expect(over.status, `${template} ${field} of ${max + 1}`).toBe(400);
        expect(over.body.message).toContain(field);
        // Characters are code points: an emoji (two UTF-16 units) counts once, in the schema and the service alike.
        const emoji = await s.admin.post(path, { ...base, [field]: '💥'.repeat(max) });
        expect(emoji.status, `${template} ${field} of ${max} emoji: ${JSON.stringify(emoji.body)}`).toBe(200);
        expect((await s.admin.post(path, { ...base, [field]: '💥'.repeat(max + 1) })).status).toBe(400);
      }
    }
  });
});
