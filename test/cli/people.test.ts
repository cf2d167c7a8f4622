// `gatehouse users create|update|get|list` with the whole User (in-process): managers and
// delegate by email, roles by any name findRole accepts, employment fields, employee ids;
// '' clears; --role replaces the roles and Basic User stays; what the API then answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_USER_ROLE_ID, roleByKey } from '../../src/modules/roles/builtin.ts';
import { backends } from '../helpers/server.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

const APP_ADMIN = roleByKey.app_admin.id;
const VIEWER = roleByKey.read_only_admin.id;
const HELPDESK = roleByKey.helpdesk.id;

describe.each(backends)('gatehouse users: the whole User (in-process) on %s', (backend) => {
  let cli: InProcessCli;
  let tenantId = '';
  const ok = async (args: string[]) => expectExit(await cli.run(args), 0).json();
  const fails = async (args: string[], message: string) => {
    const r = expectExit(await cli.run(args), 2);
    expect(r.stderr).toBe(`error: ${message}\n`);
    expect(r.stdout).toBe('');
  };
  const create = (email: string, ...more: string[]) =>
    ok(['users', 'create', '--email', email, '--display-name', email.split('@')[0], ...more]);

  beforeAll(async () => {
    cli = await inProcessCli(backend);
    tenantId = (await cli.core.services.tenants.getByDomain('localhost')).id;
  });
  afterAll(async () => cli?.close());

  it('users create takes every field; users get prints the whole User, as the API answers it', async () => {
    const boss = await create('boss@example.com');
    const vice = await create('vice@example.com');
    const deputy = await create('deputy@example.com');
    const ada = await create(
      'ada@example.com',
      ...['--username', 'ada', '--department', 'Maths', '--job-title', 'Analyst'],
      ...['--employment-type', 'full-time', '--employment-status', 'active'],
      ...['--employee-id', 'E-1', '--employee-id', 'E-2'],
      ...['--manager', 'vice@example.com', '--manager', 'BOSS@example.com'],
      ...['--delegate', 'deputy@example.com'],
      ...['--role', 'Application Administrator', '--role', 'system:viewer'],
    );
    expect(ada).toMatchObject({
      email: 'ada@example.com',
      username: 'ada',
      department: 'Maths',
      jobTitle: 'Analyst',
      employmentType: 'full-time',
      employmentStatus: 'active',
      employeeIds: ['E-1', 'E-2'],
      managerIds: [vice.id, boss.id],
      delegatedUserId: deputy.id,
      roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN, VIEWER],
      origin: 'USER_ORIGIN_LOCAL',
    });
    // get prints exactly what the service (and GET /api/v1/users/{id}) answers.
    expect(await ok(['users', 'get', 'ada@example.com'])).toEqual(await cli.core.services.users.get(tenantId, ada.id));
    // Roles by id, key (any case, '-' for '_'), or display name.
    const u = await create(
      'roles@example.com',
      '--role',
      HELPDESK,
      '--role',
      'APP-ADMIN',
      '--role',
      'read-only super administrator',
    );
    expect(u.roleIds).toEqual([BASIC_USER_ROLE_ID, HELPDESK, APP_ADMIN, VIEWER]);
    // A manager or delegate may be given by id as well.
    expect((await create('byid@example.com', '--manager', boss.id, '--delegate', vice.id)).managerIds).toEqual([boss.id]);
  });

  it('users update changes each field; an empty value clears; --role replaces the roles, Basic User stays', async () => {
    const m1 = await create('m1@example.com');
    const m2 = await create('m2@example.com');
    const cy = await create('cy@example.com', '--role', 'app_admin', '--employee-id', 'C-1');
    const up = await ok(
      ['users', 'update', 'cy@example.com']
        .concat(['--manager', 'm2@example.com', '--manager', 'm1@example.com', '--delegate', 'm1@example.com'])
        .concat(['--department', 'Ops', '--job-title', 'SRE', '--employment-type', 'contractor'])
        .concat(['--employment-status', 'on leave', '--employee-id', 'C-2', '--employee-id', 'C-3', '--role', 'helpdesk']),
    );
    expect(up).toMatchObject({
      id: cy.id,
      managerIds: [m2.id, m1.id],
      delegatedUserId: m1.id,
      department: 'Ops',
      jobTitle: 'SRE',
      employmentType: 'contractor',
      employmentStatus: 'on leave',
      employeeIds: ['C-2', 'C-3'],
      roleIds: [BASIC_USER_ROLE_ID, HELPDESK],
    });
    // One flag changes only its field.
    expect(await ok(['users', 'update', cy.id, '--manager', 'm1@example.com'])).toEqual({
      ...up,
      managerIds: [m1.id],
      updatedAt: expect.any(String),
    });
    const cleared = await ok(
      ['users', 'update', cy.id, '--manager', '', '--delegate', '', '--employment-type', ''].concat([
        '--employee-id',
        '',
        '--role',
        '',
        '--department',
        '',
      ]),
    );
    expect(cleared.managerIds).toBeUndefined();
    expect(cleared.delegatedUserId).toBeUndefined();
    expect(cleared.employmentType).toBeUndefined();
    expect(cleared.department).toBeUndefined();
    expect(cleared.employeeIds).toEqual([]);
    expect(cleared.roleIds).toEqual([BASIC_USER_ROLE_ID]);
    expect(cleared).toMatchObject({ jobTitle: 'SRE', employmentStatus: 'on leave' });
    // Naming Basic User changes nothing more.
    expect((await ok(['users', 'update', cy.id, '--role', 'Basic User'])).roleIds).toEqual([BASIC_USER_ROLE_ID]);
  });

  it('refuses an unknown role (listing the roles), an unknown manager or delegate, and manager cycles', async () => {
    const a = await create('chain-a@example.com');
    const b = await create('chain-b@example.com', '--manager', 'chain-a@example.com');
    const c = await create('chain-c@example.com', '--manager', 'chain-b@example.com');
    const before = await cli.core.services.users.get(tenantId, a.id);
    const r = expectExit(await cli.run(['users', 'update', a.id, '--role', 'wizard']), 2);
    expect(r.stderr).toContain('error: --role: "wizard" is not a role; the roles are: Super Administrator (super_admin), ');
    expect(r.stderr).toContain('Application Administrator (app_admin)');
    expect(r.stderr).toContain('Basic User (basic_user)');
    expect(
      expectExit(await cli.run(['users', 'create', '--email', 'w@example.com', '--display-name', 'W', '--role', 'x']), 2).stderr,
    ).toContain('--role: "x" is not a role');
    await fails(
      ['users', 'update', a.id, '--manager', 'ghost@example.com'],
      '--manager: no user ghost@example.com in the tenant',
    );
    await fails(['users', 'update', a.id, '--delegate', 'nope'], '--delegate: no user nope in the tenant');
    await fails(
      ['users', 'create', '--email', 'w@example.com', '--display-name', 'W', '--manager', 'ghost@example.com'],
      '--manager: no user ghost@example.com in the tenant',
    );
    await fails(['users', 'update', a.id, '--manager', a.email], `managerIds: a user cannot be their own manager ("${a.id}")`);
    await fails(
      ['users', 'update', a.id, '--delegate', a.email],
      `delegatedUserId: a user cannot be their own delegate ("${a.id}")`,
    );
    await fails(
      ['users', 'update', a.id, '--manager', 'chain-b@example.com'],
      `managerIds: would make a cycle in the manager chain: ${a.email} (${a.id}) → ${b.email} (${b.id}) → ${a.email} (${a.id}) (each managed by the next)`,
    );
    await fails(
      ['users', 'update', a.id, '--manager', 'chain-c@example.com'],
      `managerIds: would make a cycle in the manager chain: ${[a, c, b, a].map((u) => `${u.email} (${u.id})`).join(' → ')} (each managed by the next)`,
    );
    // Nothing of it landed.
    expect(await cli.core.services.users.get(tenantId, a.id)).toEqual(before);
    expect(await cli.core.services.users.findByEmail(tenantId, 'w@example.com')).toBeUndefined();
  });

  it('users list shows the roles (table) and the whole users (JSON)', async () => {
    await create('listed@example.com', '--role', 'app_admin');
    const table = expectExit(await cli.run(['users', 'list', '--query', 'listed@'], { tty: true }), 0).stdout.split('\n');
    expect(table[0]).toMatch(/^ID +EMAIL +NAME +STATUS +ROLES$/);
    expect(table[1]).toMatch(/ listed@example\.com +listed +ENABLED +basic_user,app_admin$/);
    const json = await ok(['users', 'list', '--query', 'listed@']);
    expect(json).toEqual([expect.objectContaining({ email: 'listed@example.com', roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN] })]);
  });
});
