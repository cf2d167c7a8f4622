// readC1z on baton's real sample files and on files built here: counts, which sync is read,
// and the records' fields.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readC1z, withC1z } from '../../../../src/modules/connectors/c1z/read.ts';
import { anyPb, C1zBuilder, pb, SAMPLES, structPb } from './build.ts';

const all = <T>(it: Iterable<T>) => [...it];

describe('readC1z on the baton samples', () => {
  it('unexpanded.c1z: one unfinished full sync, 4 / 1,221 / 342 / 2,909', async () => {
    await withC1z(`${SAMPLES}unexpanded.c1z`, {}, (s) => {
      expect(s.sync).toEqual({
        id: '36zfOAoWMxQdISbixanQCRBiX7E',
        startedAt: '2025-12-17 16:31:25.057185',
        endedAt: undefined,
        finished: false,
        type: 'full',
      });
      expect(s.counts).toEqual({ resourceTypes: 4, resources: 1221, entitlements: 342, grants: 2909 });
      expect(all(s.resourceTypes()).map((t) => t.id)).toEqual(['project', 'user', 'group', 'role']);
      const byType = new Map<string, number>();
      for (const r of s.resources()) byType.set(r.resourceTypeId, (byType.get(r.resourceTypeId) ?? 0) + 1);
      expect(Object.fromEntries(byType)).toEqual({ user: 1000, group: 21, project: 100, role: 100 });
      const principals = new Map<string, number>();
      for (const g of s.grants()) principals.set(g.principalResourceTypeId, (principals.get(g.principalResourceTypeId) ?? 0) + 1);
      expect(Object.fromEntries(principals)).toEqual({ user: 2500, group: 409 });
      // The iterators agree with the counts taken up front.
      expect(all(s.entitlements())).toHaveLength(342);
    });
  });

  it('expanded.c1z: the finished sync, 4 / 1,221 / 342 / 14,981 (12,441 to users, 2,540 to groups)', async () => {
    const started = performance.now();
    const s = await readC1z(`${SAMPLES}expanded.c1z`);
    const readMs = performance.now() - started;
    try {
      expect(s.sync.finished).toBe(true);
      expect(s.sync.endedAt).toBe('2025-12-17 16:33:36.381422');
      expect(s.counts).toEqual({ resourceTypes: 4, resources: 1221, entitlements: 342, grants: 14981 });
      let users = 0;
      let groups = 0;
      for (const g of s.grants()) {
        if (g.principalResourceTypeId === 'user') users++;
        if (g.principalResourceTypeId === 'group') groups++;
      }
      expect({ users, groups }).toEqual({ users: 12441, groups: 2540 });
      const iterStarted = performance.now();
      expect(all(s.grants())).toHaveLength(14981);
      console.log(
        `[c1z] expanded.c1z: readC1z ${readMs.toFixed(0)} ms (inflate + open + decode every row once); ` +
          `one pass over its 14,981 grants ${(performance.now() - iterStarted).toFixed(0)} ms`,
      );
    } finally {
      s.close();
    }
  });

  it('expanded.c1z: records carry the fields of their messages', async () => {
    await withC1z(`${SAMPLES}expanded.c1z`, {}, (s) => {
      expect(all(s.resourceTypes()).find((t) => t.id === 'user')).toEqual({
        id: 'user',
        displayName: 'User',
        description: '',
        traits: ['user'],
      });
      const user = all(s.resources()).find((r) => r.id === 'user-0000179');
      expect(user).toMatchObject({
        resourceTypeId: 'user',
        displayName: 'User 0000179',
        parentResourceTypeId: undefined,
        userTrait: {
          emails: ['user-179@example.com'],
          status: 'enabled',
          statusDetails: 'Enabled',
          accountType: 'human',
          login: 'user-0000179',
          employeeIds: ['user-0000179'],
          profile: { email: 'user-179@example.com', full_name: 'User 0000179', enabled: true },
        },
      });
      const role = all(s.resources()).find((r) => r.id === 'role-0000000');
      expect(role?.roleTrait?.profile).toEqual({
        group_assignments: 2,
        role_color: 'blue',
        total_assignments: 4,
        direct_assignments: 2,
      });
      const access = all(s.entitlements()).find((e) => e.id === 'project:project-0000099:access');
      expect(access).toEqual({
        resourceTypeId: 'project',
        resourceId: 'project-0000099',
        id: 'project:project-0000099:access',
        slug: 'access',
        displayName: 'access',
        description: 'Has access to the Project 0000099 project',
        purpose: 'assignment',
        grantableTo: ['group', 'user'],
      });
      const grant = all(s.grants()).find((g) => g.id === 'project:project-0000085:access:group:group-0000010');
      expect(grant).toEqual({
        id: 'project:project-0000085:access:group:group-0000010',
        entitlementId: 'project:project-0000085:access',
        entitlementResourceTypeId: 'project',
        entitlementResourceId: 'project-0000085',
        principalResourceTypeId: 'group',
        principalResourceId: 'group-0000010',
        sources: {},
        expandable: {
          entitlementIds: ['group:group-0000010:member', 'group:group-0000010:admin'],
          shallow: false,
          resourceTypeIds: [],
        },
        immutableSourceId: undefined,
      });
      const derived = all(s.grants()).find((g) => g.id === 'project:project-0000002:access:user:user-0000140');
      expect(derived?.sources).toEqual({
        'group:group-0000000:member': { isDirect: false },
        'group:group-0000002:member': { isDirect: false },
      });
      expect(derived?.immutableSourceId).toBe('');
    });
  });

  it('in-progress.c1z: the unfinished sync, 5 / 79 / 0 / 0, from a newer writer (more columns)', async () => {
    await withC1z(`${SAMPLES}in-progress.c1z`, {}, (s) => {
      expect(s.sync).toMatchObject({ id: '3ARefY5G8eOytquwYgm41Nq07IZ', finished: false, type: 'full' });
      expect(s.counts).toEqual({ resourceTypes: 5, resources: 79, entitlements: 0, grants: 0 });
      expect(all(s.resourceTypes()).map((t) => t.id)).toContain('scoped_role');
    });
  });

  it('reads bytes as well as a path', async () => {
    const bytes = new Uint8Array(await readFile(`${SAMPLES}in-progress.c1z`));
    await withC1z(bytes, {}, (s) => expect(s.counts.resources).toBe(79));
  });
});

describe('readC1z picks the sync baton would read', () => {
  const file = (b: C1zBuilder) =>
    b
      .resourceType('old', 'user', [1])
      .resource('old', { type: 'user', id: 'u-old' })
      .resourceType('new', 'user', [1])
      .resource('new', { type: 'user', id: 'u-new' })
      .resource('new', { type: 'user', id: 'u-new-2' });

  it('a finished older sync wins over an unfinished newer one, and only its rows are read', async () => {
    const bytes = await file(new C1zBuilder())
      .sync('old', '2026-01-01 10:00:00', '2026-01-01 10:05:00')
      .sync('new', '2026-01-02 10:00:00')
      .c1z();
    await withC1z(bytes, {}, (s) => {
      expect(s.sync).toMatchObject({ id: 'old', finished: true, endedAt: '2026-01-01 10:05:00' });
      expect(all(s.resources()).map((r) => r.id)).toEqual(['u-old']);
    });
  });

  it('the newest finished full sync wins over an older finished one and a newer finished partial one', async () => {
    const bytes = await file(new C1zBuilder())
      .resource('partial', { type: 'user', id: 'u-partial' })
      .sync('old', '2026-01-01 10:00:00', '2026-01-01 10:05:00')
      .sync('new', '2026-01-02 10:00:00', '2026-01-02 10:05:00')
      .sync('partial', '2026-01-03 10:00:00', '2026-01-03 10:05:00', 'partial')
      .c1z();
    await withC1z(bytes, {}, (s) => {
      expect(s.sync).toMatchObject({ id: 'new', type: 'full' });
      expect(all(s.resources()).map((r) => r.id)).toEqual(['u-new', 'u-new-2']);
    });
  });

  it('with no finished sync, the newest unfinished one', async () => {
    const bytes = await file(new C1zBuilder()).sync('old', '2026-01-01 10:00:00').sync('new', '2026-01-02 10:00:00').c1z();
    await withC1z(bytes, {}, (s) => {
      expect(s.sync).toMatchObject({ id: 'new', finished: false });
      expect(s.counts.resources).toBe(2);
    });
  });

  it('a file without the sync_type column (older writer) counts every sync as full', async () => {
    const bytes = await file(new C1zBuilder({ syncType: false }))
      .sync('old', '2026-01-01 10:00:00', '2026-01-01 10:05:00')
      .sync('new', '2026-01-02 10:00:00', '2026-01-02 10:05:00')
      .c1z();
    await withC1z(bytes, {}, (s) => expect(s.sync).toMatchObject({ id: 'new', type: 'full', finished: true }));
  });
});

describe('readC1z records from a built file', () => {
  it('decodes every field the README lists', async () => {
    const appTrait = anyPb(
      'AppTrait',
      pb((w) =>
        w
          .tag(1, 2)
          .string('https://help.example')
          .tag(4, 2)
          .bytes(structPb({ tier: 'gold' })),
      ),
    );
    const groupTrait = anyPb(
      'GroupTrait',
      pb((w) => w.tag(2, 2).bytes(structPb({ size: 3, tags: ['a', null, { deep: true }] }))),
    );
    const child = anyPb(
      'ChildResourceType',
      pb((w) => w.tag(1, 2).string('repo')),
    );
    const bytes = await new C1zBuilder({ expansionColumn: true })
      .sync('s', '2026-01-01 10:00:00', '2026-01-01 10:05:00')
      .resourceType('s', 'user', [1], 'User')
      .resourceType('s', 'org', [4, 2, 99], 'Org')
      .resource('s', {
        type: 'org',
        id: 'o1',
        description: 'the org',
        annotations: [appTrait, groupTrait, child],
        createdAtSeconds: 1_700_000_000,
      })
      .resource('s', {
        type: 'user',
        id: 'u1',
        displayName: 'Ada L',
        parent: { type: 'org', id: 'o1' },
        status: 2,
        user: {
          emails: [
            { address: 'second@example.com' },
            { address: 'primary@example.com', primary: true },
            { address: 'third@example.com' },
          ],
          status: 2,
          statusDetails: 'suspended',
          profile: { dept: 'R&D', level: 3 },
          accountType: 2,
          login: 'ada',
          loginAliases: ['ada@corp', 'al'],
          createdAtSeconds: 1_600_000_000,
          givenName: 'Ada',
          familyName: 'Lovelace',
          employeeIds: ['E1', 'E2'],
        },
      })
      .entitlement('s', 'org', 'o1', 'admin', { purpose: 2, grantableTo: ['user'] })
      .grant('s', {
        entitlement: 'org:o1:admin',
        entitlementResource: { type: 'org', id: 'o1' },
        principal: { type: 'user', id: 'u1' },
        sources: { 'org:o1:admin': true, 'org:o1:member': false },
        immutableSourceId: 'scim',
      })
      .grant('s', {
        entitlement: 'org:o1:admin',
        entitlementResource: { type: 'org', id: 'o1' },
        principal: { type: 'org', id: 'o2' },
        expandable: { entitlementIds: ['org:o2:member'], shallow: true, resourceTypeIds: ['user'] },
        expandableInColumn: true,
      })
      .c1z();
    await withC1z(bytes, {}, (s) => {
      expect(all(s.resourceTypes())).toEqual([
        { id: 'user', displayName: 'User', description: 'User things', traits: ['user'] },
        { id: 'org', displayName: 'Org', description: 'Org things', traits: ['app', 'group'] },
      ]);
      const [org, user] = all(s.resources());
      expect(org).toEqual({
        resourceTypeId: 'org',
        id: 'o1',
        parentResourceTypeId: undefined,
        parentResourceId: undefined,
        displayName: 'o1',
        description: 'the org',
        status: undefined,
        createdAt: '2023-11-14T22:13:20.000Z',
        profile: undefined,
        userTrait: undefined,
        groupTrait: { profile: { size: 3, tags: ['a', null, { deep: true }] } },
        roleTrait: undefined,
        appTrait: { helpUrl: 'https://help.example', profile: { tier: 'gold' } },
        childResourceTypeIds: ['repo'],
      });
      expect(user).toMatchObject({
        resourceTypeId: 'user',
        id: 'u1',
        displayName: 'Ada L',
        parentResourceTypeId: 'org',
        parentResourceId: 'o1',
        status: 'disabled',
        userTrait: {
          emails: ['primary@example.com', 'second@example.com', 'third@example.com'],
          status: 'disabled',
          statusDetails: 'suspended',
          accountType: 'service',
          login: 'ada',
          loginAliases: ['ada@corp', 'al'],
          employeeIds: ['E1', 'E2'],
          profile: { dept: 'R&D', level: 3 },
          structuredName: { givenName: 'Ada', familyName: 'Lovelace' },
          createdAt: '2020-09-13T12:26:40.005Z',
          lastLogin: undefined,
        },
      });
      expect(all(s.entitlements())).toEqual([
        {
          resourceTypeId: 'org',
          resourceId: 'o1',
          id: 'org:o1:admin',
          slug: 'admin',
          displayName: 'admin',
          description: 'admin of o1',
          purpose: 'permission',
          grantableTo: ['user'],
        },
      ]);
      const [direct, expandable] = all(s.grants());
      expect(direct).toMatchObject({
        principalResourceId: 'u1',
        sources: { 'org:o1:admin': { isDirect: true }, 'org:o1:member': { isDirect: false } },
        immutableSourceId: 'scim',
        expandable: undefined,
      });
      // A newer writer's `expansion` column stands in for the annotation.
      expect(expandable.expandable).toEqual({ entitlementIds: ['org:o2:member'], shallow: true, resourceTypeIds: ['user'] });
    });
  });

  it('a struct key "__proto__" stays an own key and pollutes nothing', async () => {
    const bytes = await new C1zBuilder()
      .sync('s', '2026-01-01 10:00:00')
      .resource('s', { type: 'user', id: 'u', user: { profile: JSON.parse('{"__proto__": {"polluted": true}}') } })
      .c1z();
    await withC1z(bytes, {}, (s) => {
      const profile = all(s.resources())[0].userTrait?.profile as Record<string, unknown>;
      expect(Object.hasOwn(profile, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('breaking out of an iteration frees its statement; a new pass starts over', async () => {
    await withC1z(`${SAMPLES}unexpanded.c1z`, {}, (s) => {
      for (const _ of s.grants()) break;
      let n = 0;
      for (const _ of s.grants()) n++;
      expect(n).toBe(2909);
    });
  });
});
