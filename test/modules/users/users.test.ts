// Identity users through C1's User API: get, list and search (users themselves come from the CLI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';

const MISSING = '3MV7rbPadu5c0uz5o5J9hkjTlUF';

describe.each(backends)('users on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('gets, lists and searches the tenant’s users', async () => {
    const t = await s.caller();
    const ada = await t.user('ada@example.com', 'Ada Lovelace');
    const bob = await t.user('bob@example.com', 'Bob Builder');
    const cy = await t.user('cy@other.example', 'Cy Twombly');
    await s.admin.user('ada@elsewhere.example', 'Ada Elsewhere');

    const got = await t.get(`/api/v1/users/${ada.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ userView: { user: ada }, expanded: [] });
    expect(ada).toMatchObject({ email: 'ada@example.com', displayName: 'Ada Lovelace', status: 'ENABLED' });

    const listed = await t.get('/api/v1/users');
    expect(listed.body).toEqual({ list: [{ user: ada }, { user: bob }, { user: cy }], nextPageToken: '', expanded: [] });

    const ids = async (body: object) => {
      const res = await t.post('/api/v1/search/users', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.expanded).toEqual([]);
      return res.body.list.map((v: { user: { id: string } }) => v.user.id);
    };
    expect(await ids({})).toEqual([ada.id, bob.id, cy.id]);
    expect(await ids({ query: 'ADA' })).toEqual([ada.id]);
    expect(await ids({ query: 'example.com' })).toEqual([ada.id, bob.id]);
    expect(await ids({ email: 'BOB@example.com' })).toEqual([bob.id]);
    expect(await ids({ ids: [cy.id, ada.id] })).toEqual([ada.id, cy.id]);
    expect(await ids({ refs: [{ id: bob.id }] })).toEqual([bob.id]);
    expect(await ids({ excludeIds: [bob.id] })).toEqual([ada.id, cy.id]);
    expect(await ids({ userStatuses: ['ENABLED'] })).toEqual([ada.id, bob.id, cy.id]);
    expect(await ids({ userStatuses: ['DISABLED'] })).toEqual([]);
    // C1's SDKs may send an expand mask; it is accepted and nothing is expanded.
    expect(await ids({ query: 'bob', expandMask: { paths: ['*'] } })).toEqual([bob.id]);
  });

  it('answers 404 for a missing user or one of another tenant, and 400 naming a bad field', async () => {
    const t = await s.caller();
    const mine = await t.user();
    const theirs = await s.admin.user();
    for (const id of [MISSING, theirs.id]) {
      const res = await t.get(`/api/v1/users/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(5);
    }
    expect((await t.get(`/api/v1/users/${mine.id}`)).status).toBe(200);
    const bad: [object, string][] = [
      [{ email: 5, bogus: 1 }, 'email'],
      [{ userStatuses: ['ASLEEP'] }, 'userStatuses'],
      [{ pageToken: 'garbage' }, 'pageToken'],
      [{ expandMask: { paths: 'x' } }, 'expandMask'],
      [{ ids: 'x' }, 'ids'],
    ];
    for (const [body, field] of bad) {
      const res = await t.post('/api/v1/search/users', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(3);
      expect(res.body.message).toContain(field);
    }
    expect((await t.get('/api/v1/users?page_token=garbage')).status).toBe(400);
  });
});
