// The read commands (apps, resource types, resources, entitlements, grants) and
// the user commands, run in-process on an in-memory database seeded through the services.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core.ts';
import { backends } from '../helpers/server.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

describe.each(backends)('gatehouse read and user commands (in-process) on %s', (backend) => {
  let cli: InProcessCli;
  let core: Core;
  const ids = { tenant: '', app: '', other: '', roles: '', groups: '', admins: '', staff: '', admin: '', viewer: '' };
  const people = { ann: '', bob: '', cat: '' };

  beforeAll(async () => {
    cli = await inProcessCli(backend);
    core = cli.core;
    const s = core.services;
    ids.tenant = (await s.tenants.getByDomain('localhost')).id;
    const t = ids.tenant;
    people.ann = (await s.users.create(t, { email: 'ann@example.com', displayName: 'Ann Archer' })).id;
    people.bob = (await s.users.create(t, { email: 'bob@example.com', displayName: 'Bob Baker' })).id;
    people.cat = (await s.users.create(t, { email: 'cat@example.com', displayName: 'Cat Cole' })).id;
    ids.app = (await s.apps.create(t, { displayName: 'Payroll' })).id;
    ids.other = (await s.apps.create(t, { displayName: 'Wiki' })).id;
    ids.roles = (await s.resourceTypes.create(t, ids.app, { displayName: 'Roles', resourceType: 'ROLE' })).id;
    ids.groups = (await s.resourceTypes.create(t, ids.app, { displayName: 'Groups', resourceType: 'GROUP' })).id;
    ids.admins = (await s.resources.create(t, ids.app, ids.roles, { displayName: 'Admins', matchBatonId: 'role-admins' })).id;
    ids.staff = (await s.resources.create(t, ids.app, ids.groups, { displayName: 'Staff' })).id;
    const ent = async (displayName: string, slug: string, typeId: string, resourceId: string) =>
      (await s.entitlements.create(t, ids.app, { displayName, slug, appResourceTypeId: typeId, appResourceId: resourceId }))
        .appEntitlement.id;
    ids.admin = await ent('Admins admin', 'admin', ids.roles, ids.admins);
    ids.viewer = await ent('Staff member', 'member', ids.groups, ids.staff);
    await s.grants.addManualUsers(t, ids.app, ids.admin, [people.ann]);
    await s.grants.addManualUsers(t, ids.app, ids.viewer, [people.ann, people.bob]);
  });
  afterAll(async () => cli?.close());

  const run = (argv: string[], tty = false) => cli.run(argv, { tty });
  const fails = async (argv: string[], code: number, message: string) => {
    const r = expectExit(await run(argv), code);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  };

  it('--version prints the package version; an unknown option is named; --help marks required options', async () => {
    expect(expectExit(await run(['--version']), 0).stdout).toBe(`${VERSION}\n`);
    await fails(['apps', 'list', '--bogus'], 1, "error: unknown option '--bogus'");
    await fails(['grants', 'list', '--app', ids.app, '--usr', 'x'], 1, "error: unknown option '--usr'");
    const help = expectExit(await run(['grants', 'list', '--help']), 0).stdout;
    expect(help).toMatch(/--app <id>\s+app id \(required\)/);
    expect(help).not.toMatch(/--entitlement <id>.*\(required\)/);
    // --name is required for a service client only, so commander does not mark it; the help says so.
    const clients = expectExit(await run(['clients', 'create', '--help']), 0).stdout;
    expect(clients).toMatch(/--name <name>\s+client name \(required with --role;/);
    expect(clients).toMatch(/--user <email>\s+make a personal client of this user/);
  });

  it('apps list: JSON when piped or with --json, a table on a terminal; apps get', async () => {
    const list = expectExit(await run(['apps', 'list']), 0).json();
    expect(list.map((a: { displayName: string }) => a.displayName)).toEqual(['Payroll', 'Wiki']);
    expect(list[0]).toMatchObject({ id: ids.app, isManuallyManaged: true, userCount: '2' });
    expect(expectExit(await run(['apps', 'list', '--json'], true), 0).json()).toEqual(list);

    const table = expectExit(await run(['apps', 'list'], true), 0).stdout.split('\n');
    expect(table[0]).toMatch(/^ID {27}NAME {5}MANUAL {2}USERS$/);
    expect(table[1]).toBe(`${ids.app}  Payroll  yes     2`);
    expect(table[2]).toBe(`${ids.other}  Wiki     yes     0`);

    expect(expectExit(await run(['apps', 'get', ids.app]), 0).json()).toEqual(list[0]);
    await fails(['apps', 'get', '2NoSuchAppxxxxxxxxxxxxxxxxx'], 2, 'error: app 2NoSuchAppxxxxxxxxxxxxxxxxx not found');
  });

  it('resource-types list and resources list (all, or of one type)', async () => {
    const types = expectExit(await run(['resource-types', 'list', '--app', ids.app]), 0).json();
    expect(types.map((r: { id: string; displayName: string }) => [r.id, r.displayName])).toEqual([
      [ids.roles, 'Roles'],
      [ids.groups, 'Groups'],
    ]);
    expect(expectExit(await run(['resource-types', 'list', '--app', ids.other]), 0).json()).toEqual([]);
    expect(expectExit(await run(['resource-types', 'list', '--app', ids.other], true), 0).stdout).toBe('(none)\n');
    await fails(['resource-types', 'list'], 1, "error: required option '--app <id>' not specified");
    await fails(['resource-types', 'list', '--app', 'nope'], 2, 'error: app nope not found');

    const all = expectExit(await run(['resources', 'list', '--app', ids.app]), 0).json();
    expect(all.map((r: { displayName: string }) => r.displayName)).toEqual(['Admins', 'Staff']);
    expect(all[0]).toMatchObject({ id: ids.admins, appResourceTypeId: ids.roles, matchBatonId: 'role-admins', grantCount: '1' });
    const groups = expectExit(await run(['resources', 'list', '--app', ids.app, '--type', ids.groups]), 0).json();
    expect(groups.map((r: { id: string }) => r.id)).toEqual([ids.staff]);
    const table = expectExit(await run(['resources', 'list', '--app', ids.app], true), 0).stdout;
    expect(table.split('\n')[0]).toMatch(/^ID +NAME +TYPE +GRANTS +BATON ID$/);
    expect(table).toContain('role-admins');
    await fails(['resources', 'list', '--app', 'nope'], 2, 'error: app nope not found');
    await fails(['resources', 'list', '--app', ids.app, '--type', 'nope'], 2, 'error: app resource type nope not found');
    // A type of another app is not found under this one.
    await fails(['resources', 'list', '--app', ids.other, '--type', ids.roles], 2, `app resource type ${ids.roles} not found`);
  });

  it('entitlements list', async () => {
    const list = expectExit(await run(['entitlements', 'list', '--app', ids.app]), 0).json();
    expect(list.map((e: { id: string; slug: string; grantCount: string }) => [e.id, e.slug, e.grantCount])).toEqual([
      [ids.admin, 'admin', '1'],
      [ids.viewer, 'member', '2'],
    ]);
    const table = expectExit(await run(['entitlements', 'list', '--app', ids.app], true), 0).stdout.split('\n');
    expect(table[0]).toMatch(/^ID +NAME +SLUG +RESOURCE +GRANTS$/);
    expect(table[1]).toContain(`Admins admin  admin   ${ids.admins}  1`);
    await fails(['entitlements', 'list', '--app', 'nope'], 2, 'error: app nope not found');
  });

  it('grants list: who has what, filtered by entitlement or user; a table on a terminal', async () => {
    const all = expectExit(await run(['grants', 'list', '--app', ids.app]), 0).json();
    const who = (list: { userEmail: string; entitlementSlug: string }[]) =>
      list.map((g) => `${g.userEmail} ${g.entitlementSlug}`).sort();
    expect(who(all)).toEqual(['ann@example.com admin', 'ann@example.com member', 'bob@example.com member']);
    const annAdmin = all.find((g: { entitlementId: string }) => g.entitlementId === ids.admin);
    expect(annAdmin).toMatchObject({
      userId: people.ann,
      userDisplayName: 'Ann Archer',
      entitlementDisplayName: 'Admins admin',
      appResourceId: ids.admins,
    });
    expect(annAdmin.appUserId).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(Date.parse(annAdmin.grantedAt)).not.toBeNaN();
    expect(annAdmin.expiresAt).toBeUndefined();

    const members = expectExit(await run(['grants', 'list', '--app', ids.app, '--entitlement', ids.viewer]), 0).json();
    expect(who(members)).toEqual(['ann@example.com member', 'bob@example.com member']);
    const anns = expectExit(await run(['grants', 'list', '--app', ids.app, '--user', 'ANN@example.com']), 0).json();
    expect(who(anns)).toEqual(['ann@example.com admin', 'ann@example.com member']);
    const both = ['grants', 'list', '--app', ids.app, '--user', 'bob@example.com', '--entitlement', ids.admin];
    expect(expectExit(await run(both), 0).json()).toEqual([]);
    expect(expectExit(await run(['grants', 'list', '--app', ids.app, '--user', 'cat@example.com']), 0).json()).toEqual([]);

    const table = expectExit(await run(['grants', 'list', '--app', ids.app, '--user', 'bob@example.com'], true), 0);
    const [header, row, end] = table.stdout.split('\n');
    expect(header).toMatch(/^USER +ENTITLEMENT +GRANTED +EXPIRES +APP USER +ENTITLEMENT ID$/);
    expect(row).toMatch(new RegExp(`^bob@example.com +Staff member +\\d{4}-\\d\\d-\\d\\dT\\S+ +never +\\w{27} +${ids.viewer}$`));
    expect(end).toBe('');

    await fails(['grants', 'list'], 1, "error: required option '--app <id>' not specified");
    await fails(['grants', 'list', '--app', 'nope'], 2, 'error: app nope not found');
    await fails(['grants', 'list', '--app', ids.app, '--entitlement', 'nope'], 2, 'error: app entitlement nope not found');
    await fails(
      ['grants', 'list', '--app', ids.app, '--user', 'nobody@example.com'],
      2,
      'error: user nobody@example.com not found',
    );
  });

  it('users list, get (by id or email), update, disable, enable', async () => {
    const list = expectExit(await run(['users', 'list']), 0).json();
    expect(list.map((u: { email: string }) => u.email)).toEqual(['ann@example.com', 'bob@example.com', 'cat@example.com']);
    const table = expectExit(await run(['users', 'list', '--query', 'bak'], true), 0).stdout.split('\n');
    expect(table[0]).toMatch(/^ID +EMAIL +NAME +STATUS +ROLES$/);
    expect(table[1]).toBe(`${people.bob}  bob@example.com  Bob Baker  ENABLED  basic_user`);
    expect(table.length).toBe(3);

    expect(expectExit(await run(['users', 'get', people.cat]), 0).json()).toMatchObject({
      id: people.cat,
      email: 'cat@example.com',
    });
    expect(expectExit(await run(['users', 'get', 'CAT@example.com']), 0).json().id).toBe(people.cat);
    await fails(['users', 'get', 'nobody@example.com'], 2, 'error: user nobody@example.com not found');
    await fails(['users', 'get', 'nope'], 2, 'error: user nope not found');

    const updated = expectExit(
      await run([
        'users',
        'update',
        'cat@example.com',
        '--display-name',
        'Cat Cohen',
        '--job-title',
        'Chef',
        '--username',
        'cat',
      ]),
      0,
    ).json();
    expect(updated).toMatchObject({ id: people.cat, displayName: 'Cat Cohen', jobTitle: 'Chef', username: 'cat' });
    // An empty value clears an optional field; the others stay.
    const cleared = expectExit(await run(['users', 'update', people.cat, '--job-title', '']), 0).json();
    expect(cleared.jobTitle).toBeUndefined();
    expect(cleared).toMatchObject({ displayName: 'Cat Cohen', username: 'cat' });
    expect(expectExit(await run(['users', 'update', people.cat, '--email', 'cat@new.example.com']), 0).json().email).toBe(
      'cat@new.example.com',
    );
    await fails(
      ['users', 'update', people.cat, '--email', 'ann@example.com'],
      2,
      'a user with email ann@example.com already exists',
    );
    await fails(['users', 'update', people.cat, '--email', 'not-an-email'], 2, 'email: "not-an-email" is not an email address');
    await fails(['users', 'update', people.cat, '--display-name', ' '], 2, 'displayName');
    await fails(['users', 'update', people.cat], 2, `users update ${people.cat}: give at least one field to change`);
    await fails(['users', 'update', 'nope', '--display-name', 'X'], 2, 'error: user nope not found');
    // The refused updates changed nothing.
    expect(await core.services.users.get(ids.tenant, people.cat)).toMatchObject({
      email: 'cat@new.example.com',
      displayName: 'Cat Cohen',
      username: 'cat',
    });

    expect(expectExit(await run(['users', 'disable', 'bob@example.com']), 0).json()).toMatchObject({
      id: people.bob,
      status: 'DISABLED',
    });
    const disabled = expectExit(await run(['users', 'list', '--status', 'DISABLED']), 0).json();
    expect(disabled.map((u: { id: string }) => u.id)).toEqual([people.bob]);
    // A disabled user's grants stay.
    expect(expectExit(await run(['grants', 'list', '--app', ids.app, '--user', 'bob@example.com']), 0).json().length).toBe(1);
    expect(expectExit(await run(['users', 'enable', people.bob]), 0).json().status).toBe('ENABLED');
    await fails(['users', 'disable', 'nope'], 2, 'error: user nope not found');
    await fails(['users', 'list', '--status', 'GONE'], 1, 'Allowed choices are ENABLED, DISABLED');
  });

  it('--tenant: another tenant sees none of this one', async () => {
    await core.services.tenants.create('acme.test');
    expect(expectExit(await run(['apps', 'list', '--tenant', 'acme.test']), 0).json()).toEqual([]);
    await fails(['apps', 'get', ids.app, '--tenant', 'acme.test'], 2, `error: app ${ids.app} not found`);
    await fails(['users', 'get', 'ann@example.com', '--tenant', 'acme.test'], 2, 'user ann@example.com not found');
    await fails(['apps', 'list', '--tenant', 'nope.test'], 2, 'error: tenant nope.test not found');
  });
});
