// The whole User shape through UsersService (create, update, upsertByEmail) and the API that
// answers it: managers and delegate are tenant users, never oneself; manager chains never loop;
// roles by id with Basic User always kept; a refused change changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_USER_ROLE_ID, roleByKey } from '../../../src/modules/roles/builtin.ts';
import type { UsersService } from '../../../src/modules/users/service.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';

const APP_ADMIN = roleByKey.app_admin.id;
const HELPDESK = roleByKey.helpdesk.id;

describe.each(backends)('people (the whole User) on %s', (backend) => {
  let s: TestServer;
  let users: UsersService;
  let t: string;
  let n = 0;
  /** A new user of the admin's tenant (unique email). */
  const person = (name: string, extra: object = {}) =>
    users.create(t, { email: `${name}-${++n}@people.test`, displayName: name, ...extra });
  /** The user as GET /api/v1/users/{id} answers. */
  const apiUser = async (id: string) => {
    const res = await s.admin.get(`/api/v1/users/${id}`);
    expect(res.status).toBe(200);
    return res.body.userView.user;
  };
  /** The refusal's message; checks it is INVALID_ARGUMENT. */
  const refused = async (p: Promise<unknown>) => {
    const err = (await p.then(
      () => undefined,
      (e) => e,
    )) as { code?: number; message: string } | undefined;
    expect(err, 'expected a refusal').toBeDefined();
    expect(err?.code).toBe(3);
    return err?.message ?? '';
  };

  beforeAll(async () => {
    s = await startServer(backend);
    users = s.core.services.users;
    t = s.admin.tenant.id;
  });
  afterAll(async () => s?.close());

  it('create and update take every field; the API answers them all', async () => {
    const boss = await person('Boss');
    const deputy = await person('Deputy');
    const ada = await users.create(t, {
      email: 'ada@people.test',
      displayName: 'Ada',
      username: 'ada',
      department: 'Maths',
      jobTitle: 'Analyst',
      employmentType: 'full-time',
      employmentStatus: 'active',
      employeeIds: ['E-1', ' E-2 ', 'E-1', ''],
      managerIds: [boss.id],
      delegatedUserId: deputy.id,
      roleIds: [APP_ADMIN],
    });
    expect(await apiUser(ada.id)).toEqual({
      ...ada,
      emails: ['ada@people.test'],
      usernames: ['ada'],
      employeeIds: ['E-1', 'E-2'],
      managerIds: [boss.id],
      delegatedUserId: deputy.id,
      roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN],
      origin: 'USER_ORIGIN_LOCAL',
      status: 'ENABLED',
      directoryStatus: 'ENABLED',
    });

    const boss2 = await person('Boss2');
    const up = await users.update(t, ada.id, {
      managerIds: [boss2.id, boss.id],
      delegatedUserId: boss.id,
      employmentType: 'contractor',
      employeeIds: ['E-9'],
      roleIds: [HELPDESK],
    });
    expect(up).toMatchObject({
      managerIds: [boss2.id, boss.id],
      delegatedUserId: boss.id,
      employmentType: 'contractor',
      employeeIds: ['E-9'],
      roleIds: [BASIC_USER_ROLE_ID, HELPDESK],
      department: 'Maths',
      jobTitle: 'Analyst',
    });
    expect(await apiUser(ada.id)).toEqual(up);

    // Empty values clear; absent ones keep.
    const cleared = await users.update(t, ada.id, {
      managerIds: [],
      delegatedUserId: '',
      employmentType: '',
      employeeIds: [],
      roleIds: [],
    });
    expect(cleared.managerIds).toBeUndefined();
    expect(cleared.delegatedUserId).toBeUndefined();
    expect(cleared.employmentType).toBeUndefined();
    expect(cleared.employeeIds).toEqual([]);
    expect(cleared.roleIds).toEqual([BASIC_USER_ROLE_ID]);
    expect(cleared).toMatchObject({ department: 'Maths', employmentStatus: 'active', username: 'ada' });
    expect(await apiUser(ada.id)).toEqual(cleared);
  });

  it('Basic User is always present: added on create, kept when the roles are replaced', async () => {
    const u = await person('Plain');
    expect(u.roleIds).toEqual([BASIC_USER_ROLE_ID]);
    const admin = await users.update(t, u.id, { roleIds: [APP_ADMIN] });
    expect(admin.roleIds).toEqual([BASIC_USER_ROLE_ID, APP_ADMIN]);
    expect((await users.update(t, u.id, { roleIds: [APP_ADMIN, BASIC_USER_ROLE_ID] })).roleIds).toEqual([
      BASIC_USER_ROLE_ID,
      APP_ADMIN,
    ]);
    expect(await refused(users.update(t, u.id, { roleIds: ['nope'] }))).toBe('roleIds: "nope" is not a role');
    expect((await apiUser(u.id)).roleIds).toEqual([BASIC_USER_ROLE_ID, APP_ADMIN]);
  });

  it('managers and delegate must be users of the tenant, never the user themself', async () => {
    const u = await person('Worker');
    const other = await s.caller();
    const stranger = await other.user();
    const before = await apiUser(u.id);
    expect(await refused(users.update(t, u.id, { managerIds: ['3MV7rbPadu5c0uz5o5J9hkjTlUF'] }))).toBe(
      'managerIds: user "3MV7rbPadu5c0uz5o5J9hkjTlUF" does not exist',
    );
    expect(await refused(users.update(t, u.id, { managerIds: [stranger.id] }))).toBe(
      `managerIds: user "${stranger.id}" does not exist`,
    );
    expect(await refused(users.update(t, u.id, { delegatedUserId: stranger.id }))).toBe(
      `delegatedUserId: user "${stranger.id}" does not exist`,
    );
    expect(await refused(users.update(t, u.id, { managerIds: [u.id] }))).toBe(
      `managerIds: a user cannot be their own manager ("${u.id}")`,
    );
    expect(await refused(users.update(t, u.id, { delegatedUserId: u.id }))).toBe(
      `delegatedUserId: a user cannot be their own delegate ("${u.id}")`,
    );
    expect(await refused(person('New', { managerIds: [stranger.id] }))).toContain('managerIds: user');
    expect(await refused(person('New', { delegatedUserId: 'nobody' }))).toBe('delegatedUserId: user "nobody" does not exist');
    const many = Array.from({ length: 101 }, (_, i) => `E-${i}`);
    expect(await refused(users.update(t, u.id, { employeeIds: many }))).toBe('employeeIds: at most 100 values');
    // Nothing of the refused changes landed.
    expect(await apiUser(u.id)).toEqual(before);
  });

  it('refuses a manager cycle of two or more, naming managerIds and the cycle, and changes nothing', async () => {
    const a = await person('A');
    const b = await person('B', { managerIds: [a.id] });
    const c = await person('C', { managerIds: [b.id] });
    const d = await person('D', { managerIds: [c.id] });
    // Two: A managed by B, who is managed by A.
    let msg = await refused(users.update(t, a.id, { managerIds: [b.id] }));
    expect(msg).toBe(
      `managerIds: would make a cycle in the manager chain: ${a.email} (${a.id}) → ${b.email} (${b.id}) → ${a.email} (${a.id}) (each managed by the next)`,
    );
    // Longer: A → D → C → B → A, also when the closing manager is one of several.
    const e = await person('E');
    msg = await refused(users.update(t, a.id, { managerIds: [e.id, d.id] }));
    expect(msg).toContain('managerIds: would make a cycle in the manager chain: ');
    expect(msg).toContain([a, d, c, b, a].map((u) => `${u.email} (${u.id})`).join(' → '));
    expect((await apiUser(a.id)).managerIds).toBeUndefined();
    // A chain that meets itself elsewhere but not through the user changed is no cycle of theirs.
    expect((await users.update(t, a.id, { managerIds: [e.id] })).managerIds).toEqual([e.id]);
    // Several managers are fine as long as no chain comes back (a diamond).
    expect((await users.update(t, d.id, { managerIds: [c.id, b.id, a.id] })).managerIds).toEqual([c.id, b.id, a.id]);
  });

  it('two concurrent manager changes cannot together close a cycle', async () => {
    // Several pairs at once: on PostgreSQL each update has its own connection, so they truly race.
    const pairs = await Promise.all(Array.from({ length: 5 }, async () => [await person('X'), await person('Y')]));
    const results = await Promise.all(
      pairs.map(([a, b]) =>
        Promise.allSettled([users.update(t, a.id, { managerIds: [b.id] }), users.update(t, b.id, { managerIds: [a.id] })]),
      ),
    );
    for (const [i, pair] of results.entries()) {
      expect(pair.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = pair.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.message).toContain('managerIds: would make a cycle');
      const [a, b] = pairs[i];
      const managed = [(await apiUser(a.id)).managerIds, (await apiUser(b.id)).managerIds];
      expect(managed.filter((m) => m !== undefined)).toHaveLength(1);
    }
  });

  it('upsertByEmail creates, then updates every field given and keeps the rest', async () => {
    const boss = await person('UpBoss');
    const first = await users.upsertByEmail(t, {
      email: 'upsert@people.test',
      displayName: 'Up',
      department: 'Ops',
      managerIds: [boss.id],
      roleIds: [APP_ADMIN],
    });
    expect(first.created).toBe(true);
    const second = await users.upsertByEmail(t, {
      email: 'UPSERT@people.test',
      displayName: 'Up Again',
      employmentType: 'intern',
      employeeIds: ['X1'],
      delegatedUserId: boss.id,
    });
    expect(second.created).toBe(false);
    expect(second.user).toMatchObject({
      id: first.user.id,
      email: 'upsert@people.test',
      displayName: 'Up Again',
      department: 'Ops',
      managerIds: [boss.id],
      roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN],
      employmentType: 'intern',
      employeeIds: ['X1'],
      delegatedUserId: boss.id,
    });
    // Its rules are update's: the boss may not be managed by the user they manage.
    const msg = await refused(
      users.upsertByEmail(t, { email: boss.email as string, displayName: 'Boss', managerIds: [first.user.id] }),
    );
    expect(msg).toContain('managerIds: would make a cycle');
    expect((await apiUser(boss.id)).managerIds).toBeUndefined();
  });

  it('search filters follow updates: managers, delegates and departments', async () => {
    const m1 = await person('M1');
    const m2 = await person('M2');
    const w = await person('W', { department: 'Eng', jobTitle: 'Dev' });
    const ids = [m1.id, m2.id, w.id];
    const search = async (body: object) => {
      const res = await s.admin.post('/api/v1/search/users', { ids, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.list.map((v: { user: { id: string } }) => v.user.id);
    };
    expect(await search({ managerIds: [m1.id] })).toEqual([]);
    await users.update(t, w.id, { managerIds: [m1.id, m2.id], delegatedUserId: m2.id, department: 'Ops' });
    expect(await search({ managerIds: [m2.id] })).toEqual([w.id]);
    expect(await search({ managerIds: [m1.id, 'someone-else'] })).toEqual([w.id]);
    expect(await search({ isDelegate: true })).toEqual([m2.id]);
    expect(await search({ delegatedUserIds: [m2.id] })).toEqual([w.id]);
    expect(await search({ delegateStatus: 'DELEGATE_STATUS_HAS_DELEGATE' })).toEqual([w.id]);
    expect(await search({ departments: ['Eng'] })).toEqual([]);
    expect(await search({ departments: ['Ops'], jobTitles: ['Dev'] })).toEqual([w.id]);
    await users.update(t, w.id, { managerIds: [], delegatedUserId: '' });
    expect(await search({ managerIds: [m1.id, m2.id] })).toEqual([]);
    expect(await search({ isDelegate: true })).toEqual([]);
    expect(await search({ delegateStatus: 'DELEGATE_STATUS_NO_DELEGATE' })).toEqual(ids);
    expect(await search({ origins: ['USER_ORIGIN_LOCAL'], excludeOrigins: ['USER_ORIGIN_SYSTEM'] })).toEqual(ids);
    expect(await search({ origins: ['USER_ORIGIN_UNSPECIFIED'] })).toEqual(ids);
    expect(await search({ excludeOrigins: ['USER_ORIGIN_LOCAL'] })).toEqual([]);
    const bad = await s.admin.post('/api/v1/search/users', { isDelegate: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('isDelegate');
  });
});
