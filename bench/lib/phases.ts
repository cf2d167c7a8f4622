// The bench's phases that need the database in the bench process: seeding
// (with the query plans at full size), and the single-request latencies.
import { decodePageToken, encodePageToken } from '../../src/lib/paging.ts';
import { seedBigGrants } from './big-app.ts';
import { type ExplainResult, explainRequest } from './explain.ts';
import type { SingleLatency } from './report.ts';
import { requestFactory } from './requests.ts';
import type { Fixture, Scenario } from './scenarios.ts';
import { type Backend, openSeeder, type Progress, seedResources, seedUsers, vacuumAnalyze } from './seed.ts';

/** Whether the server has a route (it answers "no route for ..." otherwise). */
async function hasRoute(s: Awaited<ReturnType<typeof openSeeder>>, method: 'GET' | 'POST', path: string): Promise<boolean> {
  const res = await s.app.inject({
    method,
    url: path,
    headers: { authorization: `Bearer ${s.creds.token}`, 'content-type': 'application/json' },
    payload: method === 'POST' ? '{}' : undefined,
  });
  return !(res.statusCode === 404 && /no route for/.test(res.body));
}

/** n in 1..count with n mod 1000 = k. */
const hitsOf = (count: number, k: number) => Math.floor(count / 1000) + (count % 1000 >= k ? 1 : 0);

export type SeedOutcome = { fixture: Fixture; tenantId: string; getAppBody: string; plans: ExplainResult[]; seconds: number };

export async function seed(
  b: Backend,
  want: { resources: number; grantUsers: number; entitlements: number; bigGrants: number },
  progress: Progress,
): Promise<SeedOutcome> {
  const started = Date.now();
  const s = await openSeeder(b);
  try {
    const tenantId = (await s.core.services.tenants.getByDomain('localhost')).id;
    const skipped: Record<string, string> = {};
    const plans: ExplainResult[] = [];
    const appId = (
      await s.api<{ app: { id: string } }>('POST', '/api/v1/apps', {
        displayName: 'Bench app',
        description: 'The app npm run bench fills with resources',
      })
    ).app.id;
    const getAppBody = JSON.stringify(await s.api('GET', `/api/v1/apps/${appId}`));
    const fixture: Fixture = { creds: s.creds, appId, skipped };

    if (await hasRoute(s, 'POST', `/api/v1/apps/${appId}/resource_types`)) {
      const typeId = (
        await s.api<{ appResourceType: { id: string } }>('POST', `/api/v1/apps/${appId}/resource_types`, {
          displayName: 'Bench groups',
          resourceType: 'GROUP',
        })
      ).appResourceType.id;
      progress(`Seeding ${want.resources.toLocaleString('en-US')} resources through SQL ...`);
      const seeded = await seedResources(s.core, { tenantId, appId, typeId }, want.resources, progress);
      progress('  vacuum analyze ...');
      await vacuumAnalyze(s.core, ['app_resources', 'app_resource_types', 'apps']);
      const base = `/api/v1/apps/${appId}/resource_types/${typeId}/resources`;
      const oneN = Math.max(1, Math.ceil(want.resources * 0.6));
      fixture.resources = {
        typeId,
        count: want.resources,
        sample: seeded.sample.length >= 32 ? seeded.sample : seeded.ids,
        lastPageAfter: seeded.lastPageAfter,
        teamQuery: 'team-042',
        teamHits: hitsOf(want.resources, 42),
        oneQuery: `Resource ${String(oneN).padStart(7, '0')}`,
      };
      // The last page's token is made, not walked to: check that tokens carry the last id as we make them.
      if (want.resources > 100) {
        const first = await s.api<{ list: { appResource: { id: string } }[]; nextPageToken: string }>(
          'GET',
          `${base}?page_size=100`,
        );
        if (decodePageToken(first.nextPageToken) !== first.list[99]?.appResource.id) {
          fixture.resources.lastPageAfter = undefined;
          progress('  page tokens are not in the expected form: the last-page scenario is skipped');
        }
      }
      if (want.entitlements > 0 && (await hasRoute(s, 'POST', `/api/v1/apps/${appId}/entitlements`))) {
        progress("Seeding the bench app's entitlements and grants through SQL ...");
        fixture.bigGrants = await seedBigGrants(
          s.core,
          { tenantId, appId, typeId, resourceIds: seeded.sample },
          { entitlements: want.entitlements, grants: want.bigGrants },
          progress,
        );
      }
      const r = fixture.resources;
      const token = r.lastPageAfter ? encodePageToken(r.lastPageAfter) : '';
      progress('Query plans (EXPLAIN ANALYZE, BUFFERS) ...');
      plans.push(await explainRequest(s, 'list, first page', 'GET', `${base}?page_size=100`, undefined, 'app_resources'));
      if (token) {
        plans.push(
          await explainRequest(
            s,
            'list, last page',
            'GET',
            `${base}?page_size=100&page_token=${token}`,
            undefined,
            'app_resources',
          ),
        );
      }
      for (const [name, query] of [
        [`search "${r.teamQuery}"`, r.teamQuery],
        [`search "${r.oneQuery}"`, r.oneQuery],
      ]) {
        const body = { appId, query, pageSize: 100 };
        plans.push(await explainRequest(s, name, 'POST', '/api/v1/search/app_resources', body, 'app_resources'));
      }
    } else {
      for (const id of ['list-first', 'list-last', 'search', 'create-resource', 'update-resource']) {
        skipped[id] = 'resource routes not in the server yet';
      }
    }

    if (await hasRoute(s, 'POST', `/api/v1/apps/${appId}/entitlements`)) {
      const gAppId = (await s.api<{ app: { id: string } }>('POST', '/api/v1/apps', { displayName: 'Bench grants app' })).app.id;
      const ent = await s.api<{ appEntitlementView?: { appEntitlement: { id: string } }; appEntitlement?: { id: string } }>(
        'POST',
        `/api/v1/apps/${gAppId}/entitlements`,
        { displayName: 'Bench access' },
      );
      const entitlementId = ent.appEntitlementView?.appEntitlement.id ?? ent.appEntitlement?.id;
      if (!entitlementId) throw new Error(`create entitlement answered without an id: ${JSON.stringify(ent)}`);
      progress(`Seeding ${want.grantUsers.toLocaleString('en-US')} users through SQL (one per grant) ...`);
      const userIds = await seedUsers(s.core, tenantId, want.grantUsers);
      await vacuumAnalyze(s.core, ['users']);
      // Grants spread over 100 entitlements: request n grants user n the entitlement n mod 100.
      const spread: string[] = [];
      for (let i = 0; i < 100; i++) {
        const e = await s.api<{ appEntitlementView: { appEntitlement: { id: string } } }>(
          'POST',
          `/api/v1/apps/${gAppId}/entitlements`,
          { displayName: `Bench access ${i}` },
        );
        spread.push(e.appEntitlementView.appEntitlement.id);
      }
      fixture.grants = { appId: gAppId, entitlementId, userIds, spreadItems: userIds.map((u, i) => `${spread[i % 100]} ${u}`) };
    } else {
      skipped['add-grant'] = 'grant routes not in the server yet';
      skipped['list-entitlement-users'] = 'grant routes not in the server yet';
    }
    return { fixture, tenantId, getAppBody, plans, seconds: (Date.now() - started) / 1000 };
  } finally {
    await s.close();
  }
}

/** Sequential requests, one at a time, after a few to warm up: what one caller waits. */
export async function singleRequestLatency(url: string, sc: Scenario, samples = 30): Promise<SingleLatency> {
  const f = requestFactory(sc.template);
  const times: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const r = f.next();
    const t0 = performance.now();
    const res = await fetch(url + r.path, { method: sc.template.method, headers: sc.template.headers, body: r.body });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${sc.id}: ${res.status}`);
    if (i >= 5) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    id: sc.id,
    title: sc.title,
    samples,
    p50: round(times[Math.floor(times.length / 2)]),
    max: round(times[times.length - 1]),
    mean: round(times.reduce((a, b) => a + b, 0) / times.length),
  };
}
