// SyncService: baton's sample files and built files applied to apps through the real services,
// on every backend; counts are read back from the database and through the API.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C1zError } from '../../../src/modules/connectors/c1z/errors.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { makeApp } from '../grants/fixtures.ts';
import { C1zBuilder, SAMPLES } from './c1z/build.ts';

type Row = Record<string, unknown>;

describe.each(backends)('connector sync on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  const rows = async (q: ReturnType<typeof sql>) => ((await s.core.database.db.execute(q)) as unknown as { rows: Row[] }).rows;
  const apply = (appId: string, file: string | Uint8Array) => s.core.services.sync.apply(s.admin.tenant.id, appId, file);

  // expanded.c1z applied once per backend (an apply costs seconds): the first test checks that apply,
  // the second compares unexpanded.c1z's with its grants.
  let expanded: Promise<{ appId: string; r: Awaited<ReturnType<typeof apply>>; ms: number }> | undefined;
  const applyExpanded = () => {
    expanded ??= (async () => {
      const app = await makeApp(s.admin);
      const started = performance.now();
      const r = await apply(app.id, `${SAMPLES}expanded.c1z`);
      return { appId: app.id, r, ms: performance.now() - started };
    })();
    return expanded;
  };

  /** What the app holds, table by table. */
  async function stateOf(appId: string) {
    const t = s.admin.tenant.id;
    const [c] = await rows(sql`select
      (select count(*)::int from app_resource_types where tenant_id = ${t} and app_id = ${appId}) as types,
      (select count(*)::int from app_resources where tenant_id = ${t} and app_id = ${appId}) as resources,
      (select count(*)::int from app_entitlements where tenant_id = ${t} and app_id = ${appId}) as entitlements,
      (select count(*)::int from app_users where tenant_id = ${t} and app_id = ${appId}) as accounts,
      (select count(*)::int from grants where tenant_id = ${t} and app_id = ${appId}) as grants,
      (select count(*)::int from grant_history where tenant_id = ${t} and app_id = ${appId}) as history`);
    return c;
  }

  /** The app's grants as baton ids: `entitlement principal` → sorted baton source ids. */
  async function userGrants(appId: string): Promise<Map<string, string>> {
    const t = s.admin.tenant.id;
    const list = await rows(sql`
      select e.match_baton_id as ent, a.match_baton_id as acc,
        coalesce((select string_agg(x.match_baton_id, ',' order by x.match_baton_id) from app_entitlements x
          where x.tenant_id = g.tenant_id and x.id = any (g.grant_sources)), '') as src
      from grants g
      join app_entitlements e on e.tenant_id = g.tenant_id and e.id = g.app_entitlement_id
      join app_users a on a.tenant_id = g.tenant_id and a.id = g.app_user_id
      where g.tenant_id = ${t} and g.app_id = ${appId}`);
    return new Map(list.map((r) => [`${r.ent} ${r.acc}`, r.src as string]));
  }

  it('expanded.c1z: 4 types, 1,221 resources, 342 entitlements, 1,000 accounts, 12,441 grants (time logged)', async () => {
    const { appId, r, ms } = await applyExpanded();
    const app = { id: appId };
    console.log(`[${backend}] expanded.c1z applied in ${ms.toFixed(0)} ms`);
    expect(r.sync.finished).toBe(true);
    expect(r.resourceTypes).toEqual({ total: 4, added: 4, removed: 0 });
    expect(r.resources).toEqual({ total: 1221, added: 1221, removed: 0 });
    expect(r.entitlements).toEqual({ total: 342, added: 342, removed: 0 });
    expect(r.accounts).toMatchObject({ total: 1000, added: 1000, removed: 0 });
    expect(r.grants).toEqual({ total: 12441, added: 12441, removed: 0, unchanged: 0 });
    expect(await stateOf(app.id)).toEqual({
      types: 4,
      resources: 1221,
      entitlements: 342,
      accounts: 1000,
      grants: 12441,
      history: 12441,
    });
    // The target is 5 s on PGlite; the bound here only catches a regression by an order of magnitude
    // (the machine running the suite is shared, and the first apply in a worker pays the warm-up).
    expect(ms).toBeLessThan(30_000);

    // Through the API: the counts the services keep, and a derived grant's sources.
    const appView = await s.admin.get(`/api/v1/apps/${app.id}`);
    expect(appView.status).toBe(200);
    expect(appView.body.app.userCount).toBe(
      String(
        (
          await rows(sql`select count(distinct app_user_id)::int as n from grants
      where tenant_id = ${s.admin.tenant.id} and app_id = ${app.id}`)
        )[0].n,
      ),
    );
    const [derived] =
      await rows(sql`select g.app_entitlement_id as eid, g.app_user_id as aid, g.grant_sources as src from grants g
      where g.tenant_id = ${s.admin.tenant.id} and g.app_id = ${app.id} and cardinality(g.grant_sources) > 0 limit 1`);
    expect(derived).toBeDefined();
    const types = await s.admin.get(`/api/v1/apps/${app.id}/resource_types`);
    expect(types.status).toBe(200);
    expect(
      types.body.list.map((t: { appResourceType: { displayName: string } }) => t.appResourceType.displayName).sort(),
    ).toEqual(['Group', 'Project', 'Role', 'User']);
  });

  it('unexpanded.c1z gives the same user grants, with the same sources, as expanded.c1z', async () => {
    const a = await makeApp(s.admin);
    const b = { id: (await applyExpanded()).appId };
    const ra = await apply(a.id, `${SAMPLES}unexpanded.c1z`);
    expect(ra.sync.finished).toBe(false);
    expect(ra.grants.total).toBe(12441);
    const ga = await userGrants(a.id);
    const gb = await userGrants(b.id);
    expect(ga.size).toBe(12441);
    expect(ga).toEqual(gb);
    expect([...ga.values()].filter((src) => src !== '').length).toBeGreaterThan(0);
  });

  it('in-progress.c1z applies as the unfinished sync: 5 types, 79 resources, nothing else', async () => {
    const app = await makeApp(s.admin);
    const r = await apply(app.id, `${SAMPLES}in-progress.c1z`);
    expect(r.sync.finished).toBe(false);
    expect(r.resourceTypes.total).toBe(5);
    expect(r.resources.total).toBe(79);
    expect(r.entitlements.total).toBe(0);
    expect(r.grants.total).toBe(0);
    const st = await stateOf(app.id);
    expect(st).toMatchObject({ types: 5, resources: 79, entitlements: 0, grants: 0 });
    expect(st.accounts).toBe(r.accounts.total);
  });

  it('pebble-v3.c1z is refused (reason v3) and the app keeps its previous sync whole', async () => {
    const app = await makeApp(s.admin);
    await apply(app.id, `${SAMPLES}in-progress.c1z`);
    const before = await stateOf(app.id);
    const err = await apply(app.id, `${SAMPLES}pebble-v3.c1z`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(C1zError);
    expect((err as C1zError).reason).toBe('v3');
    expect(await stateOf(app.id)).toEqual(before);
  });

  it('an unknown app is a 404', async () => {
    await expect(apply('nosuchapp', `${SAMPLES}in-progress.c1z`)).rejects.toMatchObject({ code: 5 });
  });

  /** A small sync: two groups with members, one nested, a project and its parent. */
  function small(opts: { dropGroupB?: boolean; dropGrant?: boolean } = {}) {
    const b = new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1], 'User')
      .resourceType('s', 'group', [2], 'Group')
      .resourceType('s', 'project', [], 'Project')
      .resource('s', {
        type: 'user',
        id: 'u1',
        displayName: 'Ada Lovelace',
        user: { emails: [{ address: 'Ada@Example.com' }], login: 'ada' },
      })
      .resource('s', {
        type: 'user',
        id: 'u2',
        displayName: 'Bob Bot',
        user: { emails: [{ address: 'bot@example.com' }], login: 'bot', accountType: 2, status: 2 },
      })
      .resource('s', { type: 'group', id: 'a', displayName: 'Group A' })
      .resource('s', { type: 'project', id: 'p', displayName: 'Project P', parent: { type: 'group', id: 'a' } })
      .entitlement('s', 'group', 'a', 'member', { purpose: 1 });
    b.grant('s', {
      entitlement: 'group:a:member',
      entitlementResource: { type: 'group', id: 'a' },
      principal: { type: 'user', id: 'u1' },
    });
    if (!opts.dropGrant)
      b.grant('s', {
        entitlement: 'group:a:member',
        entitlementResource: { type: 'group', id: 'a' },
        principal: { type: 'user', id: 'u2' },
      });
    if (!opts.dropGroupB) {
      b.resource('s', { type: 'group', id: 'b', displayName: 'Group B' }).entitlement('s', 'group', 'b', 'member');
      // Members of b are members of a too (expanded here, as the file is not).
      b.grant('s', {
        entitlement: 'group:a:member',
        entitlementResource: { type: 'group', id: 'a' },
        principal: { type: 'group', id: 'b' },
        expandable: { entitlementIds: ['group:b:member'] },
      });
      b.grant('s', {
        entitlement: 'group:b:member',
        entitlementResource: { type: 'group', id: 'b' },
        principal: { type: 'user', id: 'u2' },
      });
    }
    return b.c1z();
  }

  it('maps accounts, parents and sources; a later sync that drops a resource and a grant removes them with history reason sync', async () => {
    const app = await makeApp(s.admin);
    const t = s.admin.tenant.id;
    const bot = await s.admin.user('bot@example.com', 'Bob Bot');
    const first = await apply(app.id, await small());
    expect(first.grants).toEqual({ total: 3, added: 3, removed: 0, unchanged: 0 });
    expect(first.accounts.linked).toBe(1);
    // The inherited grant's sources, as C1's binding shows them.
    const ents = Object.fromEntries(
      (await rows(sql`select match_baton_id, id from app_entitlements where tenant_id = ${t} and app_id = ${app.id}`)).map(
        (r) => [r.match_baton_id, r.id],
      ),
    );
    const binding = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${ents['group:a:member']}/users/${bot.id}/grants`);
    expect(binding.status).toBe(200);
    expect(binding.body.bindings).toHaveLength(1);
    const refs = (binding.body.bindings[0].grantSources as { appId: string; id: string }[])
      .map((r) => `${r.appId}/${r.id}`)
      .sort();
    expect(refs).toEqual([`${app.id}/${ents['group:a:member']}`, `${app.id}/${ents['group:b:member']}`].sort());
    // The entitlement's users (ListUsers) show the same sources; a plain direct grant has none.
    const users = await s.admin.get(`/api/v1/apps/${app.id}/entitlements/${ents['group:a:member']}/users`);
    expect(users.status).toBe(200);
    const byEmail = Object.fromEntries(
      users.body.list.map((v: { appUser: { appUser: { email: string } }; grantSources: { id: string }[] }) => [
        v.appUser.appUser.email,
        v.grantSources.map((r) => r.id).sort(),
      ]),
    );
    expect(byEmail).toEqual({
      'Ada@Example.com': [],
      'bot@example.com': [ents['group:a:member'], ents['group:b:member']].sort(),
    });
    expect(await userGrants(app.id)).toEqual(
      new Map([
        ['group:a:member user:u1', ''],
        ['group:a:member user:u2', 'group:a:member,group:b:member'],
        ['group:b:member user:u2', ''],
      ]),
    );
    const accounts = await rows(sql`select match_baton_id, email, username, app_user_type, status, display_name from app_users
      where tenant_id = ${t} and app_id = ${app.id} order by match_baton_id`);
    expect(accounts).toEqual([
      {
        match_baton_id: 'user:u1',
        email: 'Ada@Example.com',
        username: 'ada',
        app_user_type: 'APP_USER_TYPE_USER',
        status: 'STATUS_ENABLED',
        display_name: 'Ada Lovelace',
      },
      {
        match_baton_id: 'user:u2',
        email: 'bot@example.com',
        username: 'bot',
        app_user_type: 'APP_USER_TYPE_SERVICE_ACCOUNT',
        status: 'STATUS_DISABLED',
        display_name: 'Bob Bot',
      },
    ]);
    const [project] = await rows(sql`select p.display_name as parent from app_resources r
      join app_resources p on p.tenant_id = r.tenant_id and p.id = r.parent_app_resource_id
      where r.tenant_id = ${t} and r.app_id = ${app.id} and r.match_baton_id = 'p'`);
    expect(project).toEqual({ parent: 'Group A' });
    const [ent] = await rows(
      sql`select slug, purpose from app_entitlements where tenant_id = ${t} and app_id = ${app.id} and match_baton_id = 'group:a:member'`,
    );
    expect(ent).toEqual({ slug: 'member', purpose: 'APP_ENTITLEMENT_PURPOSE_VALUE_ASSIGNMENT' });

    const second = await apply(app.id, await small({ dropGroupB: true, dropGrant: true }));
    expect(second.resources).toEqual({ total: 4, added: 0, removed: 1 });
    expect(second.entitlements).toEqual({ total: 1, added: 0, removed: 1 });
    expect(second.grants).toEqual({ total: 1, added: 0, removed: 2, unchanged: 1 });
    expect(await userGrants(app.id)).toEqual(new Map([['group:a:member user:u1', '']]));
    const ended =
      await rows(sql`select e.match_baton_id as ent, a.match_baton_id as acc, h.revoke_reason, h.revoked_at is not null as ended
      from grant_history h
      left join app_entitlements e on e.tenant_id = h.tenant_id and e.id = h.app_entitlement_id
      join app_users a on a.tenant_id = h.tenant_id and a.id = h.app_user_id
      where h.tenant_id = ${t} and h.app_id = ${app.id} and h.revoked_at is not null order by 1, 2`);
    expect(ended).toEqual([
      { ent: 'group:a:member', acc: 'user:u2', revoke_reason: 'sync', ended: true },
      // Its entitlement is gone with group b; the history outlives it.
      { ent: null, acc: 'user:u2', revoke_reason: 'sync', ended: true },
    ]);
    expect(await stateOf(app.id)).toMatchObject({ types: 3, resources: 4, entitlements: 1, accounts: 2, grants: 1, history: 3 });
    const view = await s.admin.get(`/api/v1/apps/${app.id}`);
    expect(view.body.app.userCount).toBe('1');
  });

  it('a sync the database refuses halfway leaves the previous sync whole', async () => {
    const app = await makeApp(s.admin);
    const t = s.admin.tenant.id;
    await apply(app.id, await small({ dropGroupB: true }));
    // A hand-made entitlement of group a with the slug the next sync brings: its insert fails (slug unique per resource).
    const [a] = await rows(
      sql`select id, app_resource_type_id as type from app_resources where tenant_id = ${t} and app_id = ${app.id} and match_baton_id = 'a'`,
    );
    await s.core.database.db.execute(sql`insert into app_entitlements (tenant_id, id, app_id, app_resource_type_id, app_resource_id, display_name, slug)
      values (${t}, ${`manual${app.id}`}, ${app.id}, ${a.type}, ${a.id}, 'Admin', 'admin')`);
    const before = await stateOf(app.id);
    const grantsBefore = await userGrants(app.id);
    const next = new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1], 'User')
      .resourceType('s', 'group', [2], 'Group')
      .resource('s', { type: 'user', id: 'u3', user: { emails: [{ address: 'u3@example.com' }] } })
      .resource('s', { type: 'group', id: 'a', displayName: 'Group A renamed' })
      .entitlement('s', 'group', 'a', 'member')
      .entitlement('s', 'group', 'a', 'admin');
    next.grant('s', {
      entitlement: 'group:a:member',
      entitlementResource: { type: 'group', id: 'a' },
      principal: { type: 'user', id: 'u3' },
    });
    await expect(apply(app.id, await next.c1z())).rejects.toMatchObject({
      code: 9,
      message: expect.stringContaining('app_entitlements_slug_uq'),
    });
    expect(await stateOf(app.id)).toEqual(before);
    expect(await userGrants(app.id)).toEqual(grantsBefore);
    const [name] = await rows(sql`select display_name from app_resources where tenant_id = ${t} and id = ${a.id}`);
    expect(name).toEqual({ display_name: 'Group A' });
  });

  it('re-applying the same file changes nothing and writes no history', async () => {
    const app = await makeApp(s.admin);
    const file = await small();
    await apply(app.id, file);
    const before = await stateOf(app.id);
    const again = await apply(app.id, file);
    expect(again.grants).toEqual({ total: 3, added: 0, removed: 0, unchanged: 3 });
    expect(again.resources).toEqual({ total: 5, added: 0, removed: 0 });
    expect(await stateOf(app.id)).toEqual(before);
  });

  it('links accounts to identity users by email (case-insensitive), or by display name when the app says so', async () => {
    const ada = await s.admin.user(`ada-${Math.random().toString(36).slice(2, 8)}@example.com`, 'Ada Lovelace');
    const file = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1])
      .resource('s', {
        type: 'user',
        id: 'u1',
        displayName: 'Ada Lovelace',
        user: { emails: [{ address: String(ada.email).toUpperCase() }] },
      })
      .resource('s', { type: 'user', id: 'u2', displayName: 'Nobody', user: { emails: [{ address: 'nobody@nowhere.test' }] } })
      .c1z();
    const byEmail = await makeApp(s.admin);
    expect((await apply(byEmail.id, file)).accounts.linked).toBe(1);
    const linked = async (appId: string) =>
      rows(sql`select match_baton_id, identity_user_id from app_users where tenant_id = ${s.admin.tenant.id} and app_id = ${appId}
        order by match_baton_id`);
    expect(await linked(byEmail.id)).toEqual([
      { match_baton_id: 'user:u1', identity_user_id: ada.id },
      { match_baton_id: 'user:u2', identity_user_id: null },
    ]);
    const res = await s.admin.get(`/api/v1/apps/${byEmail.id}/users/${ada.id}/app_users`);
    expect(res.status).toBe(200);
    expect(res.body.list).toHaveLength(1);

    // The next sync has the same person under another baton id: the new account takes the link, the old one goes.
    const moved = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1])
      .resource('s', { type: 'user', id: 'u9', displayName: 'Ada Lovelace', user: { emails: [{ address: String(ada.email) }] } })
      .c1z();
    const r = await apply(byEmail.id, moved);
    expect(r.accounts).toEqual({ total: 1, added: 1, removed: 2, linked: 1 });
    expect(await linked(byEmail.id)).toEqual([{ match_baton_id: 'user:u9', identity_user_id: ada.id }]);

    const byName = await makeApp(s.admin, { identityMatching: 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME' });
    const renamed = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resourceType('s', 'user', [1])
      .resource('s', {
        type: 'user',
        id: 'u1',
        displayName: 'ada lovelace',
        user: { emails: [{ address: 'other@example.com' }] },
      })
      .c1z();
    await apply(byName.id, renamed);
    expect(await linked(byName.id)).toEqual([{ match_baton_id: 'user:u1', identity_user_id: ada.id }]);
  });
});
