// Grant expansion: unexpanded.c1z expanded here must equal baton's own expanded.c1z; built
// graphs pin cycles, shallow edges, resource-type filters and edges baton refuses.
import { describe, expect, it } from 'vitest';
import { type ExpandedGrant, expandGrants, expandSync } from '../../../../src/modules/connectors/c1z/expand.ts';
import { readC1z, withC1z } from '../../../../src/modules/connectors/c1z/read.ts';
import type { C1zEntitlement, C1zGrant } from '../../../../src/modules/connectors/c1z/types.ts';
import { C1zBuilder, SAMPLES } from './build.ts';
import { treeOfGroups } from './tree.ts';

const pairKey = (g: { entitlementId: string; principalResourceTypeId: string; principalResourceId: string }) =>
  `${g.entitlementId} ${g.principalResourceTypeId}:${g.principalResourceId}`;
const sourceKeys = (g: { sources: Record<string, unknown> }) => Object.keys(g.sources).sort();

describe('expanding the baton samples', () => {
  it("unexpanded.c1z expanded here gives expanded.c1z's 12,441 user grants, with the same sources", async () => {
    const want = new Map<string, string[]>();
    await withC1z(`${SAMPLES}expanded.c1z`, {}, (s) => {
      for (const g of s.grants()) if (g.principalResourceTypeId === 'user') want.set(pairKey(g), sourceKeys(g));
    });
    expect(want.size).toBe(12441);

    const s = await readC1z(`${SAMPLES}unexpanded.c1z`);
    const started = performance.now();
    const expansion = expandSync(s);
    const grants = [...expansion];
    console.log(`[c1z] expanding unexpanded.c1z (2,909 grants): ${(performance.now() - started).toFixed(0)} ms`);
    s.close();

    const got = new Map<string, string[]>();
    for (const g of grants) if (g.principalResourceTypeId === 'user') got.set(pairKey(g), sourceKeys(g));
    expect(got.size).toBe(12441);
    expect([...got.keys()].filter((k) => !want.has(k))).toEqual([]);
    expect([...want.keys()].filter((k) => !got.has(k))).toEqual([]);
    const differing = [...got].filter(([k, sources]) => want.get(k)?.join() !== sources.join());
    expect(differing).toEqual([]);
    // Direct rows to groups are kept as they are; derived grants to groups are not (not accounts).
    expect(grants.filter((g) => g.principalResourceTypeId === 'group').every((g) => g.direct)).toBe(true);
    expect(expansion.size).toBe(12441 + 409);
    expect(expansion.skippedEdges).toBe(0);
  });

  it('with every principal kept, it gives all 14,981 grants of expanded.c1z, sources included; expanding that changes nothing', async () => {
    const want = new Map<string, string[]>();
    const expanded = await readC1z(`${SAMPLES}expanded.c1z`);
    for (const g of expanded.grants()) want.set(pairKey(g), sourceKeys(g));
    const u = await readC1z(`${SAMPLES}unexpanded.c1z`);
    const all = new Map(
      [...expandGrants({ grants: u.grants(), entitlements: u.entitlements() })].map((g) => [pairKey(g), sourceKeys(g)]),
    );
    u.close();
    expect(all).toEqual(want);

    const again = expandGrants({ grants: expanded.grants(), entitlements: expanded.entitlements() });
    expect(again.derived).toBe(0);
    expect(new Map([...again].map((g) => [pairKey(g), sourceKeys(g)]))).toEqual(want);
    expanded.close();
  });
});

// Small graphs, built as records: group entitlements `group:<g>:member`, users u1..u3.
const ent = (id: string): Pick<C1zEntitlement, 'id' | 'resourceTypeId' | 'resourceId'> => {
  const [type, resource] = id.split(':');
  return { id, resourceTypeId: type, resourceId: resource };
};
const grant = (entitlementId: string, principal: string, expandable?: C1zGrant['expandable']): C1zGrant => {
  const [type, resource] = entitlementId.split(':');
  const [pType, pId] = principal.split(':');
  return {
    id: `${entitlementId}:${principal}`,
    entitlementId,
    entitlementResourceTypeId: type,
    entitlementResourceId: resource,
    principalResourceTypeId: pType,
    principalResourceId: pId,
    sources: {},
    expandable,
    immutableSourceId: undefined,
  };
};
const nest = (outer: string, inner: string, opts: { shallow?: boolean; resourceTypeIds?: string[] } = {}) =>
  grant(`group:${outer}:member`, `group:${inner}`, {
    entitlementIds: [`group:${inner}:member`],
    shallow: opts.shallow ?? false,
    resourceTypeIds: opts.resourceTypeIds ?? [],
  });
const member = (g: string, user: string) => grant(`group:${g}:member`, `user:${user}`);
const ENTS = ['a', 'b', 'c', 'd'].map((g) => ent(`group:${g}:member`)).concat([ent('app:x:use')]);
const isAccount = (type: string) => type === 'user';

const holdings = (grants: Iterable<ExpandedGrant>) =>
  Object.fromEntries([...grants].map((g) => [pairKey(g), sourceKeys(g).join(',')]));

describe('expandGrants on built graphs', () => {
  it('a cycle of nested groups ends, and everyone in it holds every group', () => {
    // a ⊃ b ⊃ c ⊃ a: members of any are members of all.
    const result = expandGrants({
      grants: [nest('a', 'b'), nest('b', 'c'), nest('c', 'a'), member('a', 'u1'), member('c', 'u3')],
      entitlements: ENTS,
      isAccount,
    });
    const users = [...result].filter((g) => g.principalResourceTypeId === 'user');
    // Around the cycle a direct member comes back to its own group: that grant is then also derived.
    expect(holdings(users)).toEqual({
      'group:a:member user:u1': 'group:a:member,group:b:member',
      'group:c:member user:u1': 'group:a:member',
      'group:b:member user:u1': 'group:c:member',
      'group:c:member user:u3': 'group:a:member,group:c:member',
      'group:b:member user:u3': 'group:c:member',
      'group:a:member user:u3': 'group:b:member',
    });
  });

  it('a direct grant that is also derived keeps itself among its sources, marked direct', () => {
    const result = [
      ...expandGrants({ grants: [nest('a', 'b'), member('b', 'u1'), member('a', 'u1')], entitlements: ENTS, isAccount }),
    ];
    const both = result.find((g) => pairKey(g) === 'group:a:member user:u1');
    expect(both).toMatchObject({
      direct: true,
      sources: { 'group:b:member': { isDirect: false }, 'group:a:member': { isDirect: true } },
    });
  });

  it('a shallow edge passes on direct holders only; a deep one, everyone', () => {
    // c ⊂ b ⊂ a, with b→a shallow: b's direct members reach a, c's members (b members only by derivation) do not.
    const grants = [nest('a', 'b', { shallow: true }), nest('b', 'c'), member('b', 'u1'), member('c', 'u2')];
    const shallow = holdings(
      [...expandGrants({ grants, entitlements: ENTS, isAccount })].filter((g) => g.principalResourceTypeId === 'user'),
    );
    expect(shallow).toEqual({
      'group:b:member user:u1': '',
      'group:c:member user:u2': '',
      'group:b:member user:u2': 'group:c:member',
      'group:a:member user:u1': 'group:b:member',
    });
    const deepGrants = [nest('a', 'b'), nest('b', 'c'), member('b', 'u1'), member('c', 'u2')];
    const deep = holdings([...expandGrants({ grants: deepGrants, entitlements: ENTS, isAccount })]);
    expect(deep['group:a:member user:u2']).toBe('group:b:member');
  });

  it('resourceTypeIds limits which principals an edge passes on', () => {
    // b ⊂ a passes users only; c ⊂ b: group c is a member of b, but not (through b) of a.
    const grants = [nest('a', 'b', { resourceTypeIds: ['user'] }), nest('b', 'c'), member('b', 'u1'), member('c', 'u2')];
    const all = holdings(expandGrants({ grants, entitlements: ENTS }));
    expect(all['group:a:member user:u1']).toBe('group:b:member');
    expect(all['group:b:member group:c']).toBe('');
    expect(all['group:a:member group:c']).toBeUndefined();
    // u2 reaches b through c (a user), so b→a passes it on.
    expect(all['group:a:member user:u2']).toBe('group:b:member');
  });

  it("an edge from an entitlement that is not the grant's principal's, or unknown, is skipped", () => {
    const bogus = grant('app:x:use', 'group:a', {
      entitlementIds: ['group:b:member', 'group:zz:member'],
      shallow: false,
      resourceTypeIds: [],
    });
    const result = expandGrants({ grants: [bogus, member('b', 'u1')], entitlements: ENTS, isAccount });
    expect(result.skippedEdges).toBe(2);
    expect(result.derived).toBe(0);
    expect(holdings(result)).toEqual({ 'app:x:use group:a': '', 'group:b:member user:u1': '' });
  });

  it('derived grants keep their entitlement resource from the grant rows or the entitlements', () => {
    const grants = [
      grant('app:x:use', 'group:a', { entitlementIds: ['group:a:member'], shallow: false, resourceTypeIds: [] }),
      member('a', 'u1'),
    ];
    const derived = [...expandGrants({ grants, entitlements: ENTS, isAccount })].find((g) => !g.direct);
    expect(derived).toEqual({
      entitlementId: 'app:x:use',
      entitlementResourceTypeId: 'app',
      entitlementResourceId: 'x',
      principalResourceTypeId: 'user',
      principalResourceId: 'u1',
      direct: false,
      sources: { 'group:a:member': { isDirect: false } },
    });
  });

  it('expandSync counts as accounts the principals of a user-trait type or with a UserTrait', async () => {
    const bytes = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'person', [1])
      .resourceType('s', 'bot', [])
      .resourceType('s', 'team', [2])
      .resource('s', { type: 'bot', id: 'b1', user: { login: 'bot' } })
      .resource('s', { type: 'bot', id: 'b2' })
      .entitlement('s', 'team', 't', 'member')
      .entitlement('s', 'team', 'sub', 'member')
      .grant('s', {
        entitlement: 'team:t:member',
        entitlementResource: { type: 'team', id: 't' },
        principal: { type: 'team', id: 'sub' },
        expandable: { entitlementIds: ['team:sub:member'] },
      })
      .grant('s', {
        entitlement: 'team:sub:member',
        entitlementResource: { type: 'team', id: 'sub' },
        principal: { type: 'person', id: 'p1' },
      })
      .grant('s', {
        entitlement: 'team:sub:member',
        entitlementResource: { type: 'team', id: 'sub' },
        principal: { type: 'bot', id: 'b1' },
      })
      .grant('s', {
        entitlement: 'team:sub:member',
        entitlementResource: { type: 'team', id: 'sub' },
        principal: { type: 'bot', id: 'b2' },
      })
      .c1z();
    await withC1z(bytes, {}, (s) => {
      const derived = [...expandSync(s)].filter((g) => !g.direct).map(pairKey);
      expect(derived.sort()).toEqual(['team:t:member bot:b1', 'team:t:member person:p1']);
    });
  });
});

describe('expandSync on a built c1z file', () => {
  it('a cycle of groups and a shallow edge, read from the file', async () => {
    // Groups a ⊃ b ⊃ a (a cycle), and app x granted to group a with a shallow edge: only a's direct
    // members get x, not b's members who reach a through the cycle.
    const b = new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1])
      .resourceType('s', 'group', [2]);
    for (const g of ['a', 'b']) b.entitlement('s', 'group', g, 'member');
    b.entitlement('s', 'app', 'x', 'use');
    const member = (
      g: string,
      principal: { type: string; id: string },
      expandable?: { entitlementIds: string[]; shallow?: boolean },
    ) => b.grant('s', { entitlement: `group:${g}:member`, entitlementResource: { type: 'group', id: g }, principal, expandable });
    member('a', { type: 'group', id: 'b' }, { entitlementIds: ['group:b:member'] });
    member('b', { type: 'group', id: 'a' }, { entitlementIds: ['group:a:member'] });
    member('a', { type: 'user', id: 'u1' });
    member('b', { type: 'user', id: 'u2' });
    b.grant('s', {
      entitlement: 'app:x:use',
      entitlementResource: { type: 'app', id: 'x' },
      principal: { type: 'group', id: 'a' },
      expandable: { entitlementIds: ['group:a:member'], shallow: true },
    });
    await withC1z(await b.c1z(), {}, (s) => {
      const users = [...expandSync(s)].filter((g) => g.principalResourceTypeId === 'user');
      expect(holdings(users)).toEqual({
        'group:a:member user:u1': 'group:a:member,group:b:member',
        'group:b:member user:u2': 'group:a:member,group:b:member',
        'group:b:member user:u1': 'group:a:member',
        'group:a:member user:u2': 'group:b:member',
        'app:x:use user:u1': 'group:a:member',
      });
    });
  });
});

describe('expansion at scale', () => {
  it('a hundred thousand grants (100,999): 1,000 groups nested as a tree, 10,000 users in 10 groups each', () => {
    // The million of bench/lib/expand-big.ts, a tenth of it: the same tree, fewer users.
    const tree = treeOfGroups(1000, 10_000);
    let count = 0;
    for (const _ of tree.grants()) count++;
    expect(count).toBe(999 + 100_000);
    const result = expandGrants({ grants: tree.grants(), entitlements: tree.entitlements, isAccount });
    let userPairs = 0;
    for (const g of result) if (g.principalResourceTypeId === 'user') userPairs++;
    expect(userPairs).toBe(tree.expectedUserPairs());
    expect(result.derived).toBeGreaterThan(0);
  });
});
