// C1's personal clients through the API: create, get, list, search, update and delete; who sees
// whose (everyone their own, the super administrators everyone's); and every 400 changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_USER_ROLE_ID, roleByKey } from '../../../src/modules/roles/builtin.ts';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';

const BASE = '/api/v1/iam/personal_clients';
const SEARCH = '/api/v1/search/iam/personal_clients';
const APP_ADMIN = roleByKey.app_admin.id;
const SUPER = roleByKey.super_admin.id;
const ids = (list: { id: string }[]) => list.map((c) => c.id);

describe.each(backends)('personal clients on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const create = async (c: Caller, body: object) => {
    const res = await c.post(BASE, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { client: { id: string; clientId: string; [k: string]: unknown }; clientSecret: string };
  };
  /** Everything the server holds about the tenant's clients, to show a failed request changed nothing. */
  const snapshot = () => s.core.services.clients.list(s.admin.tenant.id);

  it('creates a client of the caller, which then works, and answers it by get, list and search', async () => {
    const ada = await s.callerAs(['app_admin']);
    const before = Date.now();
    const made = await create(ada, {
      displayName: '  laptop  ',
      allowSourceCidr: ['127.0.0.0/8', '::1', '10.0.0.0/8'],
      expires: '3600s',
      scopedRoles: [APP_ADMIN, APP_ADMIN],
    });
    const c = made.client;
    expect(c).toMatchObject({
      displayName: 'laptop',
      userId: ada.me.id,
      allowSourceCidr: ['127.0.0.0/8', '::1', '10.0.0.0/8'],
      scopedRoles: [APP_ADMIN],
    });
    expect(c.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(c.clientId).toMatch(/@.*\/pcc$/);
    const expires = Date.parse(c.expiresTime as string);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    expect(c.lastUsedAt).toBeUndefined();
    expect(made.clientSecret).toMatch(/^secret-token:conductorone\.com:v1:/);

    // The secret is never answered again.
    const got = await ada.get(`${BASE}/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ client: c });
    expect(JSON.stringify(got.body)).not.toContain('secret');

    // A token for it (from 127.0.0.1, in its ranges) acts as Ada, narrowed to Application Administrator.
    const tok = await s.fetch('/auth/v1/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: made.clientSecret }),
    });
    expect(tok.status, JSON.stringify(tok.body)).toBe(200);
    const appCreate = await s.fetch('/api/v1/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${tok.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'made by a personal client' }),
    });
    expect(appCreate.status, JSON.stringify(appCreate.body)).toBe(200);

    const second = (await create(ada, { displayName: 'ci runner' })).client;
    expect(second).toMatchObject({ allowSourceCidr: [], scopedRoles: [] });
    expect(second.expiresTime).toBeUndefined();

    const list = await ada.get(BASE);
    expect(list.status).toBe(200);
    // Ada's own test client (made by callerAs), then these two, oldest first.
    expect(ids(list.body.list).slice(-2)).toEqual([c.id, second.id]);
    expect(list.body.list).toHaveLength(3);
    expect(list.body.nextPageToken).toBe('');

    const search = async (caller: Caller, body: object) => {
      const res = await caller.post(SEARCH, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return ids(res.body.list);
    };
    expect(await search(ada, { query: 'LAP' })).toEqual([c.id]);
    expect(await search(ada, { query: 'runner', users: [{ id: ada.me.id }] })).toEqual([second.id]);
    expect(await search(ada, { query: 'nothing like it' })).toEqual([]);
  });

  it('pages the list and the search', async () => {
    const bo = await s.callerAs();
    const made: string[] = [];
    for (let i = 0; i < 11; i++) made.push((await create(bo, { displayName: `page ${i}` })).client.id);
    const first = await bo.get(`${BASE}?page_size=10`);
    expect(first.body.list).toHaveLength(10);
    const rest = await bo.get(`${BASE}?page_size=10&page_token=${first.body.nextPageToken}`);
    expect(rest.body.nextPageToken).toBe('');
    const all = [...ids(first.body.list), ...ids(rest.body.list)];
    expect(all.slice(1)).toEqual(made);
    const p1 = await bo.post(SEARCH, { query: 'page', pageSize: 10 });
    const p2 = await bo.post(SEARCH, { query: 'page', pageSize: 10, pageToken: p1.body.nextPageToken });
    expect([...ids(p1.body.list), ...ids(p2.body.list)]).toEqual(made);
    expect((await bo.get(`${BASE}?page_token=garbage`)).status).toBe(400);
    expect((await bo.post(SEARCH, { pageToken: 'garbage' })).body.message).toContain('pageToken');
  });

  it('updates the masked fields, and clears a masked field left out', async () => {
    const cy = await s.callerAs(['app_admin']);
    const c = (await create(cy, { displayName: 'before', allowSourceCidr: ['10.0.0.0/8'], scopedRoles: [APP_ADMIN] })).client;
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const res = await cy.post(`${BASE}/${c.id}`, {
      client: { ...c, displayName: 'after', allowSourceCidr: ['192.168.0.0/16'], expiresTime: until, scopedRoles: [] },
      updateMask: 'display_name,allowSourceCidr,expiresTime',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.client).toMatchObject({
      id: c.id,
      clientId: c.clientId,
      displayName: 'after',
      allowSourceCidr: ['192.168.0.0/16'],
      expiresTime: until,
      scopedRoles: [APP_ADMIN],
    });
    expect(Date.parse(res.body.client.updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt as string));
    expect((await cy.get(`${BASE}/${c.id}`)).body).toEqual(res.body);

    const cleared = await cy.post(`${BASE}/${c.id}`, { client: {}, updateMask: 'allowSourceCidr,scopedRoles,expiresTime' });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.client).toMatchObject({ displayName: 'after', allowSourceCidr: [], scopedRoles: [] });
    expect(cleared.body.client.expiresTime).toBeUndefined();

    // No mask: the writable fields given change. Nothing given: nothing changes.
    const noMask = await cy.post(`${BASE}/${c.id}`, { client: { displayName: 'no mask', scopedRoles: [BASIC_USER_ROLE_ID] } });
    expect(noMask.body.client).toMatchObject({ displayName: 'no mask', scopedRoles: [BASIC_USER_ROLE_ID] });
    const none = await cy.post(`${BASE}/${c.id}`, {});
    expect(none.body.client).toEqual(noMask.body.client);
  });

  it('deletes: the client is gone from get, list and search, and a second delete is a 404', async () => {
    const di = await s.callerAs();
    const c = (await create(di, { displayName: 'short-lived' })).client;
    const del = await di.del(`${BASE}/${c.id}`);
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(del.body).toEqual({});
    expect((await di.get(`${BASE}/${c.id}`)).status).toBe(404);
    expect(ids((await di.get(BASE)).body.list)).not.toContain(c.id);
    expect(ids((await di.post(SEARCH, {})).body.list)).not.toContain(c.id);
    expect((await di.del(`${BASE}/${c.id}`)).status).toBe(404);
    const revoked = (await snapshot()).find((x) => x.clientId === c.clientId);
    expect(revoked?.revokedAt).toBeDefined();
  });

  it("keeps each person to their own clients: another's answers 404 and lists and searches show only their own", async () => {
    const ann = await s.callerAs();
    const ben = await s.callerAs(['app_admin']);
    const mine = (await create(ann, { displayName: 'ann' })).client;
    const his = (await create(ben, { displayName: 'ben' })).client;

    for (const [caller, own, other] of [
      [ann, mine, his],
      [ben, his, mine],
    ] as const) {
      const list = ids((await caller.get(BASE)).body.list);
      expect(list).toContain(own.id);
      expect(list).not.toContain(other.id);
      const found = (await caller.post(SEARCH, {})).body.list as { userId: string }[];
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((c) => c.userId === own.userId)).toBe(true);
      // Naming the other person in the search finds nothing of theirs.
      expect((await caller.post(SEARCH, { users: [{ id: other.userId }] })).body.list).toEqual([]);
      const before = await snapshot();
      for (const res of [
        await caller.get(`${BASE}/${other.id}`),
        await caller.post(`${BASE}/${other.id}`, { client: { displayName: 'taken' }, updateMask: 'displayName' }),
        await caller.del(`${BASE}/${other.id}`),
      ]) {
        expect(res.status, JSON.stringify(res.body)).toBe(404);
        expect(res.body.code).toBe(5);
      }
      expect(await snapshot()).toEqual(before);
    }
  });

  it('lets Super Administrators (a person, and the admin service client) see and change everyone’s', async () => {
    const owner = await s.callerAs();
    const theirs = (await create(owner, { displayName: 'owned' })).client;
    const boss = await s.callerAs(['super_admin']);
    for (const admin of [boss, s.admin]) {
      expect((await admin.get(`${BASE}/${theirs.id}`)).body.client).toMatchObject({ id: theirs.id, userId: owner.me.id });
      expect(ids((await admin.get(`${BASE}?page_size=100`)).body.list)).toContain(theirs.id);
      expect(ids((await admin.post(SEARCH, { users: [{ id: owner.me.id }] })).body.list)).toEqual([
        ids((await owner.get(BASE)).body.list)[0],
        theirs.id,
      ]);
    }
    const renamed = await boss.post(`${BASE}/${theirs.id}`, {
      client: { displayName: 'renamed by boss' },
      updateMask: 'displayName',
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.client.displayName).toBe('renamed by boss');
    // A scope for another person's client is checked against that person's roles, not the caller's.
    const foreign = await boss.post(`${BASE}/${theirs.id}`, { client: { scopedRoles: [SUPER] }, updateMask: 'scopedRoles' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toContain('scopedRoles');
    expect((await s.admin.del(`${BASE}/${theirs.id}`)).status).toBe(200);
    expect((await owner.get(`${BASE}/${theirs.id}`)).status).toBe(404);
  });

  it('lets a Read-Only Super Administrator see everyone’s but change only their own', async () => {
    const owner = await s.callerAs();
    const theirs = (await create(owner, { displayName: 'watched' })).client;
    const viewer = await s.callerAs(['read_only_admin']);
    expect((await viewer.get(`${BASE}/${theirs.id}`)).status).toBe(200);
    expect(ids((await viewer.post(SEARCH, { users: [{ id: owner.me.id }] })).body.list)).toContain(theirs.id);
    const before = await snapshot();
    const update = await viewer.post(`${BASE}/${theirs.id}`, { client: { displayName: 'x' }, updateMask: 'displayName' });
    const del = await viewer.del(`${BASE}/${theirs.id}`);
    // Refused with 403 (the viewer may see the client, so it is no secret that it exists), and nothing changes.
    for (const res of [update, del]) {
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.body).toMatchObject({ code: 7, message: expect.stringContaining('personal_clients:write_all') });
    }
    expect(await snapshot()).toEqual(before);
    const own = (await create(viewer, { displayName: 'viewer own' })).client;
    expect((await viewer.post(`${BASE}/${own.id}`, { client: { displayName: 'y' }, updateMask: 'displayName' })).status).toBe(
      200,
    );
    // The read-only service client may look but not write.
    expect(
      (await (await s.caller({ domain: s.admin.tenant.domain, role: 'read-only' })).get(`${BASE}/${theirs.id}`)).status,
    ).toBe(200);
  });

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const eve = await s.callerAs(['app_admin']);
    const c = (await create(eve, { displayName: 'eve' })).client;
    const createCases: [object, string][] = [
      [{}, 'displayName'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(257) }, 'displayName'],
      [{ displayName: 5 }, 'displayName'],
      [{ displayName: 'ok', allowSourceCidr: ['10.0.0.0/8', '10.0.0.0/33'] }, 'allowSourceCidr[1]'],
      [{ displayName: 'ok', allowSourceCidr: ['not an address'] }, 'allowSourceCidr[0]'],
      [{ displayName: 'ok', allowSourceCidr: ['::1/129'] }, 'allowSourceCidr[0]'],
      [{ displayName: 'ok', allowSourceCidr: ['10.0.0.1/8/8'] }, 'allowSourceCidr[0]'],
      [{ displayName: 'ok', allowSourceCidr: 'x' }, 'allowSourceCidr'],
      [{ displayName: 'ok', expires: '3600' }, 'expires'],
      [{ displayName: 'ok', expires: '-5s' }, 'expires'],
      [{ displayName: 'ok', expires: '0s' }, 'expires'],
      [{ displayName: 'ok', expires: '1h' }, 'expires'],
      [{ displayName: 'ok', expires: '9999999999999s' }, 'expires'],
      [{ displayName: 'ok', scopedRoles: [SUPER] }, 'scopedRoles'],
      [{ displayName: 'ok', scopedRoles: ['no-such-role'] }, 'scopedRoles'],
    ];
    const updateCases: [object, string][] = [
      [{ client: { displayName: 'x' }, updateMask: 'clientId' }, 'updateMask'],
      [{ client: { displayName: 'x' }, updateMask: 'bogus' }, 'updateMask'],
      [{ client: {}, updateMask: 'displayName' }, 'displayName'],
      [{ client: { allowSourceCidr: ['10.0.0.300'] }, updateMask: 'allowSourceCidr' }, 'allowSourceCidr[0]'],
      [{ client: { scopedRoles: [SUPER] }, updateMask: 'scopedRoles' }, 'scopedRoles'],
      [{ client: { expiresTime: '2001-01-01T00:00:00Z' }, updateMask: 'expiresTime' }, 'expiresTime'],
      [{ client: { expiresTime: 'soon' }, updateMask: 'expiresTime' }, 'expiresTime'],
    ];
    const before = await snapshot();
    for (const [body, field] of createCases) {
      const res = await eve.post(BASE, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe(3);
      expect(res.body.message, JSON.stringify(body)).toContain(field);
    }
    for (const [body, field] of updateCases) {
      const res = await eve.post(`${BASE}/${c.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message, JSON.stringify(body)).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
    for (const path of [`${BASE}/3MV7rbPadu5c0uz5o5J9hkjTlUF`, `${BASE}/${c.clientId.split('@')[0]}`]) {
      expect((await eve.get(path)).status).toBe(404);
    }
  });

  it('refuses a service client (no user) with FAILED_PRECONDITION, and service clients are never listed', async () => {
    const before = await snapshot();
    const res = await s.admin.post(BASE, { displayName: 'mine' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(9);
    expect(res.body.message).toContain('service client');
    expect(await snapshot()).toEqual(before);
    const listed = (await s.admin.get(`${BASE}?page_size=100`)).body.list as { userId: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((c) => c.userId)).toBe(true);
    const serviceIds = before.filter((c) => c.role !== 'personal').map((c) => c.clientId);
    expect(listed.some((c) => serviceIds.includes((c as unknown as { clientId: string }).clientId))).toBe(false);
  });

  it('keeps a scoped client from making or widening clients beyond its own scope', async () => {
    const narrowed = await s.callerAs(['super_admin', 'app_admin'], { scopedRoles: [BASIC_USER_ROLE_ID, APP_ADMIN] });
    const wider = await narrowed.post(BASE, { displayName: 'wider', scopedRoles: [SUPER] });
    expect(wider.status).toBe(400);
    expect(wider.body.message).toContain('scopedRoles');
    // Without a scope, the new client gets the caller's.
    const dflt = (await create(narrowed, { displayName: 'default scope' })).client;
    expect([...(dflt.scopedRoles as string[])].sort()).toEqual([BASIC_USER_ROLE_ID, APP_ADMIN].sort());
    const widen = await narrowed.post(`${BASE}/${dflt.id}`, { client: { scopedRoles: [SUPER] }, updateMask: 'scopedRoles' });
    expect(widen.status).toBe(400);
  });
});
