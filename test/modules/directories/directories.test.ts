// Directories (C1's DirectoryService) and directory syncs, through the real app: an app's accounts
// create, update and disable identity users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';
import { C1zBuilder } from '../connectors/c1z/build.ts';
import { makeApp } from '../grants/fixtures.ts';

type Person = { id: string; email: string; name?: string; status?: number; manager?: string; dept?: string };

/** A directory's sync: one account per person (profile with department and manager's email). */
function directorySync(people: Person[]): Promise<Uint8Array> {
  const b = new C1zBuilder().sync('s', '2026-01-01', '2026-01-02').resourceType('s', 'user', [1], 'User');
  for (const p of people) {
    b.resource('s', {
      type: 'user',
      id: p.id,
      displayName: p.name ?? p.id,
      user: {
        emails: [{ address: p.email, primary: true }],
        login: p.id,
        status: p.status ?? 1,
        profile: { department: p.dept ?? 'eng', ...(p.manager ? { manager_email: p.manager } : {}) },
      },
    });
  }
  return b.c1z();
}

describe.each(backends)('directories on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  beforeAll(async () => {
    s = await startServer(backend);
    a = s.admin;
  });
  afterAll(async () => s?.close());

  const connectorOf = async (appId: string) =>
    (await a.post(`/api/v1/apps/${appId}/connectors/create`, {})).body.connectorView.connector.id as string;
  const upload = async (appId: string, connectorId: string, file: Uint8Array) => {
    const res = await s.fetch(`/api/v1/apps/${appId}/connectors/${connectorId}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(file),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const userByEmail = async (email: string) => {
    const res = await a.post('/api/v1/search/users', { email });
    return res.body.list.map((v: { user: Record<string, unknown> }) => v.user).find((u: { email: string }) => u.email === email);
  };

  it('creates, gets, lists and deletes directories; bad input is a 400 naming the field', async () => {
    const app = await makeApp(a);
    const app2 = await makeApp(a);
    const made = await a.post('/api/v1/directories', { appId: app.id });
    expect(made.status).toBe(200);
    expect(made.body.directoryView.directory).toMatchObject({ appId: app.id, all: {} });
    const cel = await a.post('/api/v1/directories', {
      appId: app2.id,
      celExpression: { expression: 'appUser.profile.department == "eng"' },
      directoryMergeConfig: { matchCases: [] },
    });
    expect(cel.status).toBe(200);
    expect(cel.body.directoryView.directory.celExpression).toEqual({ expression: 'appUser.profile.department == "eng"' });

    expect((await a.get(`/api/v1/directories/${app.id}`)).body.directoryView.directory.appId).toBe(app.id);
    const list = await a.get('/api/v1/directories?page_size=10');
    expect(list.body.list.map((v: { directory: { appId: string } }) => v.directory.appId).sort()).toEqual(
      [app.id, app2.id].sort(),
    );

    const again = await a.post('/api/v1/directories', { appId: app.id });
    expect(again.status).toBe(409);
    const other = await makeApp(a);
    const bad = [
      [await a.post('/api/v1/directories', { appId: 'nope' }), 'appId'],
      [await a.post('/api/v1/directories', { appId: other.id, all: {}, celExpression: { expression: 'true' } }), 'celExpression'],
      [
        await a.post('/api/v1/directories', { appId: other.id, celExpression: { expression: 'subject.email == ""' } }),
        'celExpression.expression',
      ],
      [
        await a.post('/api/v1/directories', { appId: other.id, celExpression: { expression: 'appUser.nope' } }),
        'celExpression.expression',
      ],
      [await a.post('/api/v1/directories', {}), 'appId'],
    ] as const;
    for (const [res, field] of bad) {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.message).toContain(field);
    }
    expect((await a.get(`/api/v1/directories/${other.id}`)).status).toBe(404);

    expect((await a.del(`/api/v1/directories/${app2.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/directories/${app2.id}`)).status).toBe(404);
    expect((await a.del(`/api/v1/directories/${app2.id}`)).status).toBe(404);

    // Only Super Administrators make and delete directories; staff read them.
    const helpdesk = await s.callerAs(['helpdesk']);
    expect((await helpdesk.get('/api/v1/directories')).status).toBe(200);
    expect((await helpdesk.post('/api/v1/directories', { appId: other.id })).status).toBe(403);
  });

  it('a directory sync creates users with managers, updates them, and disables those that leave every directory', async () => {
    const app = await makeApp(a);
    const hr = await makeApp(a);
    const c = await connectorOf(app.id);
    const c2 = await connectorOf(hr.id);
    expect((await a.post('/api/v1/directories', { appId: app.id })).status).toBe(200);
    expect((await a.post('/api/v1/directories', { appId: hr.id, all: {} })).status).toBe(200);
    const local = await a.user('local@dir.test', 'Local Person');

    const boss = { id: 'boss', email: 'boss@dir.test', name: 'The Boss' };
    const ada = { id: 'ada', email: 'Ada@Dir.test', name: 'Ada', manager: 'boss@dir.test' };
    const bob = { id: 'bob', email: 'bob@dir.test', name: 'Bob', status: 2 };
    const loc = { id: 'loc', email: 'LOCAL@dir.test', name: 'Renamed by directory' };
    const first = await upload(app.id, c, await directorySync([boss, ada, bob, loc, { id: 'noemail', email: '' }]));
    expect(first.directory).toEqual({ created: 3, updated: 1, disabled: 0, managersSet: 1 });

    const bossUser = await userByEmail('boss@dir.test');
    expect(bossUser).toMatchObject({
      origin: 'USER_ORIGIN_DIRECTORY',
      directoryIds: [app.id],
      status: 'ENABLED',
      displayName: 'The Boss',
    });
    expect(await userByEmail('Ada@Dir.test')).toMatchObject({ managerIds: [bossUser.id], username: 'ada' });
    expect(await userByEmail('bob@dir.test')).toMatchObject({ status: 'DISABLED' });
    // A local user the directory also has gains it, and keeps its own values.
    expect(await userByEmail('local@dir.test')).toMatchObject({
      id: local.id,
      origin: 'USER_ORIGIN_LOCAL',
      displayName: 'Local Person',
      directoryIds: [app.id],
    });

    // The same file again changes nothing.
    const same = await upload(app.id, c, await directorySync([boss, ada, bob, loc]));
    expect(same.directory).toEqual({ created: 0, updated: 0, disabled: 0, managersSet: 0 });

    // Ada is in the HR directory too; then the first directory drops Ada and Bob and renames the boss.
    await upload(hr.id, c2, await directorySync([ada]));
    expect((await userByEmail('Ada@Dir.test')).directoryIds.sort()).toEqual([app.id, hr.id].sort());
    const later = await upload(app.id, c, await directorySync([{ ...boss, name: 'New Boss' }]));
    expect(later.directory).toMatchObject({ created: 0, updated: 1, disabled: 1 });
    expect(await userByEmail('boss@dir.test')).toMatchObject({ displayName: 'New Boss', status: 'ENABLED' });
    expect(await userByEmail('Ada@Dir.test')).toMatchObject({ status: 'ENABLED', directoryIds: [hr.id] });
    expect(await userByEmail('bob@dir.test')).toMatchObject({ status: 'DISABLED', directoryIds: [] });
    // The local user lost the directory but is not the directory's to disable.
    expect(await userByEmail('local@dir.test')).toMatchObject({ status: 'ENABLED', directoryIds: [] });
    // Nobody is deleted.
    expect(await userByEmail('bob@dir.test')).toBeDefined();

    // Bob comes back enabled.
    await upload(app.id, c, await directorySync([boss, { ...bob, status: 1 }]));
    expect(await userByEmail('bob@dir.test')).toMatchObject({ status: 'ENABLED', directoryIds: [app.id] });

    // Deleting the HR directory disables Ada, whom no directory has any more.
    expect((await a.del(`/api/v1/directories/${hr.id}`)).status).toBe(200);
    expect(await userByEmail('Ada@Dir.test')).toMatchObject({ status: 'DISABLED', directoryIds: [] });
  });

  it("deleting a directory app takes it out of its users' directoryIds and disables those it alone had", async () => {
    const app = await makeApp(a);
    const other = await makeApp(a);
    const [c, c2] = [await connectorOf(app.id), await connectorOf(other.id)];
    expect((await a.post('/api/v1/directories', { appId: app.id })).status).toBe(200);
    expect((await a.post('/api/v1/directories', { appId: other.id })).status).toBe(200);
    const solo = { id: 'solo', email: 'solo@gone.test' };
    const both = { id: 'both', email: 'both@gone.test' };
    await upload(app.id, c, await directorySync([solo, both]));
    await upload(other.id, c2, await directorySync([both]));
    expect((await userByEmail('both@gone.test')).directoryIds.sort()).toEqual([app.id, other.id].sort());

    expect((await a.del(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await a.get(`/api/v1/directories/${app.id}`)).status).toBe(404);
    expect(await userByEmail('solo@gone.test')).toMatchObject({ status: 'DISABLED', directoryIds: [] });
    expect(await userByEmail('both@gone.test')).toMatchObject({ status: 'ENABLED', directoryIds: [other.id] });
  });

  it('a CEL filter picks the accounts that become users; an app that is no directory makes none', async () => {
    const app = await makeApp(a);
    const plain = await makeApp(a);
    const c = await connectorOf(app.id);
    const cp = await connectorOf(plain.id);
    const made = await a.post('/api/v1/directories', {
      appId: app.id,
      celExpression: { expression: 'appUser.profile.department == "eng" && appUser.email.endsWith("@cel.test")' },
    });
    expect(made.status).toBe(200);
    const res = await upload(
      app.id,
      c,
      await directorySync([
        { id: 'e1', email: 'e1@cel.test', dept: 'eng' },
        { id: 's1', email: 's1@cel.test', dept: 'sales' },
        { id: 'e2', email: 'e2@other.test', dept: 'eng' },
      ]),
    );
    expect(res.directory).toMatchObject({ created: 1 });
    expect(await userByEmail('e1@cel.test')).toBeDefined();
    expect(await userByEmail('s1@cel.test')).toBeUndefined();
    expect(await userByEmail('e2@other.test')).toBeUndefined();

    const none = await upload(plain.id, cp, await directorySync([{ id: 'p1', email: 'p1@plain.test' }]));
    expect(none.directory).toBeUndefined();
    expect(await userByEmail('p1@plain.test')).toBeUndefined();
  });

  it('a manager cycle from the directory refuses the sync and changes nothing', async () => {
    const app = await makeApp(a);
    const c = await connectorOf(app.id);
    await a.post('/api/v1/directories', { appId: app.id });
    const res = await s.fetch(`/api/v1/apps/${app.id}/connectors/${c}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(
        await directorySync([
          { id: 'x', email: 'x@cycle.test', manager: 'y@cycle.test' },
          { id: 'y', email: 'y@cycle.test', manager: 'x@cycle.test' },
        ]),
      ),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(9);
    expect(res.body.message).toContain('cycle');
    expect(await userByEmail('x@cycle.test')).toBeUndefined();
  });
});
