// The scenarios: each is one C1 operation (paths as in openapi.yaml) driven at
// fixed connections; `needs` names the routes it depends on so that the bench
// skips, and says so, what the server does not have yet.
import { encodePageToken } from '../../src/lib/paging.ts';
import type { RequestTemplate } from './requests.ts';
import type { Credentials } from './seed.ts';

export type Scenario = {
  id: string;
  title: string;
  kind: 'read' | 'write' | 'token';
  template: RequestTemplate;
  /** Checks the probe answer (status 200 is checked before); returns a complaint or undefined. */
  check?: (body: unknown) => string | undefined;
  skip?: string;
};

/** What the seeding made; absent parts mean the routes were not there. */
export type Fixture = {
  creds: Credentials;
  appId: string;
  resources?: {
    typeId: string;
    count: number;
    /** Ids spread over the whole app, for updates. */
    sample: string[];
    lastPageAfter?: string;
    teamQuery: string;
    teamHits: number;
    oneQuery: string;
  };
  grants?: { appId: string; entitlementId: string; userIds: string[]; spreadItems: string[] };
  /** The bench app's entitlement with many grants (big-app.ts). */
  bigGrants?: { entitlementId: string; entitlements: number; grants: number };
  skipped: Record<string, string>;
};

const json = { 'content-type': 'application/json' };
const pageOf = (n: number) => (body: unknown) => {
  const list = (body as { list?: unknown[] }).list ?? [];
  return list.length === n ? undefined : `expected ${n} items, got ${list.length}`;
};

export function scenarios(f: Fixture, host: string): Scenario[] {
  const auth = { authorization: `Bearer ${f.creds.token}` };
  const r = f.resources;
  const base = r ? `/api/v1/apps/${f.appId}/resource_types/${r.typeId}/resources` : '';
  const g = f.grants;
  const out: Scenario[] = [
    {
      id: 'token',
      title: 'token issuance (client assertion)',
      kind: 'token',
      template: {
        method: 'POST',
        path: '/auth/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: f.creds.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        })
          .toString()
          .concat('&client_assertion={{assertion}}'),
        assertion: { clientId: f.creds.clientId, x: f.creds.x, d: f.creds.d, aud: host },
      },
      check: (b) => (typeof (b as { access_token?: unknown }).access_token === 'string' ? undefined : 'no access_token'),
    },
    {
      id: 'get-app',
      title: 'GET app',
      kind: 'read',
      template: { method: 'GET', path: `/api/v1/apps/${f.appId}`, headers: auth },
    },
  ];
  const resourceScenarios: Scenario[] = r
    ? [
        {
          id: 'list-first',
          title: `list resources, first page of 100 (${r.count.toLocaleString('en-US')} in app)`,
          kind: 'read',
          template: { method: 'GET', path: `${base}?page_size=100`, headers: auth },
          check: pageOf(Math.min(100, r.count)),
        },
        {
          id: 'list-last',
          title: 'list resources, last page of 100',
          kind: 'read',
          template: {
            method: 'GET',
            path: `${base}?page_size=100&page_token=${r.lastPageAfter ? encodePageToken(r.lastPageAfter) : ''}`,
            headers: auth,
          },
          check: (b) => pageOf(100)(b) ?? ((b as { nextPageToken?: string }).nextPageToken ? 'not the last page' : undefined),
          skip: r.lastPageAfter ? undefined : 'fewer than 101 resources',
        },
        {
          id: 'search',
          title: `search resources by query (${r.teamHits.toLocaleString('en-US')} hits, page of 100)`,
          kind: 'read',
          template: {
            method: 'POST',
            path: '/api/v1/search/app_resources',
            headers: { ...auth, ...json },
            body: JSON.stringify({ appId: f.appId, query: r.teamQuery, pageSize: 100 }),
          },
          check: pageOf(Math.min(100, r.teamHits)),
        },
        {
          id: 'search-one',
          title: 'search resources by query (1 hit)',
          kind: 'read',
          template: {
            method: 'POST',
            path: '/api/v1/search/app_resources',
            headers: { ...auth, ...json },
            body: JSON.stringify({ appId: f.appId, query: r.oneQuery, pageSize: 100 }),
          },
          check: pageOf(1),
        },
      ]
    : [];
  out.push(...resourceScenarios);
  out.push({
    id: 'create-app',
    title: 'create app',
    kind: 'write',
    template: {
      method: 'POST',
      path: '/api/v1/apps',
      headers: { ...auth, ...json },
      body: JSON.stringify({ displayName: 'Bench app {{n}}', description: 'Created by npm run bench' }),
    },
  });
  if (r) {
    out.push(
      {
        id: 'create-resource',
        title: 'create resource',
        kind: 'write',
        template: {
          method: 'POST',
          path: base,
          headers: { ...auth, ...json },
          body: JSON.stringify({
            displayName: 'Bench resource {{n}}',
            description: 'Created by npm run bench',
            matchBatonId: 'bench-new-{{n}}',
          }),
        },
      },
      {
        id: 'update-resource',
        title: 'update resource with mask',
        kind: 'write',
        template: {
          method: 'POST',
          path: `${base}/{{item}}`,
          headers: { ...auth, ...json },
          body: JSON.stringify({
            appResource: { displayName: 'Updated {{n}}', description: 'must not change' },
            updateMask: 'displayName',
          }),
          items: r.sample,
        },
      },
    );
  }
  if (g) {
    out.push(
      {
        id: 'add-grant',
        title: 'add grant (add-manual-user)',
        kind: 'write',
        template: {
          method: 'POST',
          path: `/api/v1/apps/${g.appId}/entitlements/${g.entitlementId}/add-manual-user`,
          headers: { ...auth, ...json },
          body: JSON.stringify({ userIds: ['{{item}}'] }),
          items: g.userIds,
        },
      },
      {
        id: 'add-grant-spread',
        title: 'add grant (add-manual-user), spread over 100 entitlements',
        kind: 'write',
        template: {
          method: 'POST',
          path: `/api/v1/apps/${g.appId}/entitlements/{{item0}}/add-manual-user`,
          headers: { ...auth, ...json },
          body: JSON.stringify({ userIds: ['{{item1}}'] }),
          items: g.spreadItems,
        },
      },
    );
  }
  const big = f.bigGrants;
  if (big || g) {
    out.push({
      id: 'list-entitlement-users',
      title: big
        ? `list entitlement users, first page of 100 (${big.grants.toLocaleString('en-US')} grants)`
        : 'list entitlement users, first page of 100',
      kind: 'read',
      template: {
        method: 'GET',
        path: big
          ? `/api/v1/apps/${f.appId}/entitlements/${big.entitlementId}/users?page_size=100`
          : `/api/v1/apps/${g?.appId}/entitlements/${g?.entitlementId}/users?page_size=100`,
        headers: auth,
      },
      check: big ? pageOf(100) : undefined,
    });
  }
  for (const [id, why] of Object.entries(f.skipped)) {
    out.push({ id, title: id, kind: 'read', template: { method: 'GET', path: '/', headers: {} }, skip: why });
  }
  return out;
}
