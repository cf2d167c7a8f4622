// `gatehouse import users` with the whole User (in-process): managerEmail (several with ';', a
// manager may come later in the file), department, jobTitle, employmentStatus, employmentType,
// roles; a manager who is nobody, or a cycle in the manager chain, refuses the file with line
// numbers and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUsersCsv } from '../../src/cli/import-users.ts';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import { BASIC_USER_ROLE_ID, roleByKey } from '../../src/modules/roles/builtin.ts';
import type { User } from '../../src/modules/users/schemas.ts';
import { ownDatabase, TEST_PGLITE_ENV } from '../helpers/infra.ts';
import { backends, freshPostgres } from '../helpers/server.ts';
import { csvFiles } from './import-fixtures.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

const { csv } = csvFiles('gh-import-people-');
const APP_ADMIN = roleByKey.app_admin.id;
const HELPDESK = roleByKey.helpdesk.id;

describe.each(backends)('import users: managers, roles, employment (in-process) on %s', (backend) => {
  let cli: InProcessCli;
  let tenantId = '';

  beforeAll(async () => {
    cli = await inProcessCli(backend);
    tenantId = (await cli.core.services.tenants.getByDomain('localhost')).id;
  });
  afterAll(async () => cli?.close());

  const byEmail = async (email: string) => (await cli.core.services.users.findByEmail(tenantId, email)) as User;
  /** Every user of the tenant, to show that a refused file changed nothing. */
  const everyone = async () => (await cli.core.services.users.search(tenantId, {}, { size: 1000 })).list;
  const importFile = (file: string) => cli.run(['import', 'users', file]);

  it('imports every column; a manager may come later in the file; a second run changes nothing', async () => {
    const file = csv([
      'email,displayName,department,jobTitle,employmentStatus,employmentType,managerEmail,roles',
      'ann@corp.test,Ann,Eng,Engineer,active,full-time,bea@corp.test,', // line 2: her manager is on line 4
      'cal@corp.test,Cal,Eng,Engineer,active,contractor,bea@corp.test; DEE@corp.test,helpdesk', // line 3: two managers
      'bea@corp.test,Bea,Eng,Lead,active,full-time,dee@corp.test,Application Administrator;helpdesk', // line 4
      'dee@corp.test,Dee,Board,CEO,,,,system:super_admin', // line 5
    ]);
    const r = expectExit(await importFile(file), 0);
    expect(r.json()).toEqual({ file, rows: 4, created: 4, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    const [ann, bea, cal, dee] = await Promise.all(['ann', 'bea', 'cal', 'dee'].map((n) => byEmail(`${n}@corp.test`)));
    expect(ann).toMatchObject({
      department: 'Eng',
      jobTitle: 'Engineer',
      employmentStatus: 'active',
      employmentType: 'full-time',
      managerIds: [bea.id],
      roleIds: [BASIC_USER_ROLE_ID],
      origin: 'USER_ORIGIN_LOCAL',
    });
    expect(cal).toMatchObject({
      employmentType: 'contractor',
      managerIds: [bea.id, dee.id],
      roleIds: [BASIC_USER_ROLE_ID, HELPDESK],
    });
    expect(bea).toMatchObject({ jobTitle: 'Lead', managerIds: [dee.id], roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN, HELPDESK] });
    expect(dee.managerIds).toBeUndefined();
    expect(dee.roleIds).toEqual([BASIC_USER_ROLE_ID, roleByKey.super_admin.id]);
    expect(dee.employmentStatus).toBeUndefined();

    const before = await everyone();
    expect(expectExit(await importFile(file), 0).json()).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(await everyone()).toEqual(before);

    // Changed managers or roles make a row "updated"; empty cells keep what is stored.
    const change = csv([
      'email,displayName,managerEmail,roles',
      'ann@corp.test,Ann,dee@corp.test,', // a new manager (already in the tenant)
      'cal@corp.test,Cal,,app_admin', // new roles, managers kept
      'bea@corp.test,Bea,,', // nothing new
    ]);
    expect(expectExit(await importFile(change), 0).json()).toMatchObject({ created: 0, updated: 2, unchanged: 1 });
    expect(await byEmail('ann@corp.test')).toMatchObject({ managerIds: [dee.id], department: 'Eng' });
    expect(await byEmail('cal@corp.test')).toMatchObject({
      managerIds: [bea.id, dee.id],
      roleIds: [BASIC_USER_ROLE_ID, APP_ADMIN],
    });
    // The API answers the imported fields.
    const got = await cli.core.services.users.get(tenantId, ann.id);
    expect(got).toEqual(await byEmail('ann@corp.test'));
  });

  it('a manager who is neither in the file nor in the tenant refuses the file, naming the lines', async () => {
    const before = await everyone();
    const file = csv([
      'email,displayName,managerEmail',
      'new1@corp.test,New One,dee@corp.test', // line 2: fine (in the tenant)
      'new2@corp.test,New Two,ghost@corp.test', // line 3
      'new3@corp.test,New Three,new1@corp.test;nobody@corp.test', // line 4
    ]);
    const r = expectExit(await importFile(file), 2);
    expect(r.json()).toEqual({
      file,
      rows: 3,
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      errors: [
        { line: 3, reason: 'managerEmail: no user ghost@corp.test in the file or the tenant' },
        { line: 4, reason: 'managerEmail: no user nobody@corp.test in the file or the tenant' },
      ],
    });
    expect(r.stderr).toContain('line 3: managerEmail: no user ghost@corp.test in the file or the tenant');
    expect(r.stderr).toContain('the file was refused; nothing was imported');
    expect(await everyone()).toEqual(before);
  });

  it('a cycle in the manager chain refuses the file with the lines of the users in it', async () => {
    const before = await everyone();
    const refused = async (lines: string[]) => {
      const file = csv(lines);
      const r = expectExit(await importFile(file), 2);
      expect(r.json()).toMatchObject({ created: 0, updated: 0, unchanged: 0, rejected: 0 });
      expect(await everyone()).toEqual(before);
      return r.json().errors;
    };
    // Oneself.
    expect(
      await refused(['email,displayName,managerEmail', 'x@corp.test,X,dee@corp.test', 'self@corp.test,Self,SELF@corp.test']),
    ).toEqual([
      {
        line: 3,
        reason:
          'managerEmail: a cycle in the manager chain (line 3): self@corp.test (line 3) → self@corp.test (line 3) (each managed by the next)',
      },
    ]);
    // Two, within the file.
    expect(await refused(['email,displayName,managerEmail', 'p@corp.test,P,q@corp.test', 'q@corp.test,Q,p@corp.test'])).toEqual([
      {
        line: 2,
        reason:
          'managerEmail: a cycle in the manager chain (lines 2, 3): p@corp.test (line 2) → q@corp.test (line 3) → p@corp.test (line 2) (each managed by the next)',
      },
    ]);
    // Longer, within the file, with rows between.
    const errors = await refused([
      'email,displayName,managerEmail',
      'r1@corp.test,R1,r2@corp.test', // line 2
      'ok@corp.test,Ok,', // line 3
      'r2@corp.test,R2,r3@corp.test', // line 4
      'r3@corp.test,R3,r4@corp.test', // line 5
      'r4@corp.test,R4,r1@corp.test', // line 6
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(2);
    expect(errors[0].reason).toContain('a cycle in the manager chain (lines 2, 4, 5, 6): ');
    // Together with users already in the tenant: dee manages bea who manages ann; making ann dee's manager loops.
    const withTenant = await refused(['email,displayName,managerEmail', 'dee@corp.test,Dee,ann@corp.test']);
    expect(withTenant).toEqual([
      {
        line: 2,
        reason:
          'managerEmail: a cycle in the manager chain (line 2): dee@corp.test (line 2) → ann@corp.test (already in the tenant) → dee@corp.test (line 2) (each managed by the next)',
      },
    ]);
    // Two cycles at once: both are named.
    const two = await refused([
      'email,displayName,managerEmail',
      'c1@corp.test,C1,c2@corp.test',
      'c2@corp.test,C2,c1@corp.test',
      'c3@corp.test,C3,c4@corp.test',
      'c4@corp.test,C4,c3@corp.test',
    ]);
    expect(two.map((e: { line: number }) => e.line).sort()).toEqual([2, 4]);
  });

  it('an unknown role rejects its row (listing the roles); the other rows land', async () => {
    const file = csv([
      'email,displayName,roles',
      'r-ok@corp.test,Ok,app_admin', // line 2
      'r-bad@corp.test,Bad,app_admin;wizard', // line 3
      'r-ok2@corp.test,Ok2,', // line 4
    ]);
    const r = expectExit(await importFile(file), 1).json();
    expect(r).toMatchObject({ rows: 3, created: 2, rejected: 1 });
    expect(r.errors[0].line).toBe(3);
    expect(r.errors[0].reason).toContain('roles: "wizard" is not a role; the roles are: Super Administrator (super_admin)');
    expect(await cli.core.services.users.findByEmail(tenantId, 'r-bad@corp.test')).toBeUndefined();
    expect((await byEmail('r-ok@corp.test')).roleIds).toEqual([BASIC_USER_ROLE_ID, APP_ADMIN]);
  });

  it('the same email twice in one file: the later row updates what the earlier one made', async () => {
    const file = csv([
      'email,displayName,jobTitle,managerEmail',
      'twice@corp.test,Twice,First,',
      'twice@corp.test,Twice Again,,dee@corp.test',
    ]);
    expect(expectExit(await importFile(file), 0).json()).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
    const dee = await byEmail('dee@corp.test');
    expect(await byEmail('twice@corp.test')).toMatchObject({
      displayName: 'Twice Again',
      jobTitle: 'First',
      managerIds: [dee.id],
    });
  });

  it('batches: a file over several batches, managers named before and after their rows', async () => {
    // 1,200 rows (three batches of 500): row i's manager is row i+1 (later) for even i, row i-1 (earlier) for odd i.
    const rows = ['email,displayName,managerEmail'];
    for (let i = 0; i < 1200; i++) {
      const m = i % 2 === 0 ? i + 1 : i - 1 - (i > 1 ? 1 : 0);
      rows.push(`b${i}@bulk.test,B${i},${i === 1 ? '' : `b${m}@bulk.test`}`);
    }
    const r = expectExit(await importFile(csv(rows)), 0).json();
    expect(r).toMatchObject({ rows: 1200, created: 1200, rejected: 0 });
    const b = async (i: number) => byEmail(`b${i}@bulk.test`);
    expect((await b(998)).managerIds).toEqual([(await b(999)).id]);
    expect((await b(999)).managerIds).toEqual([(await b(997)).id]);
    expect((await b(1)).managerIds).toBeUndefined();
  });
});

describe.each(backends)('import users is set-based on %s', (backend) => {
  let core: Core;
  let n = 0;
  let pg: Awaited<ReturnType<typeof freshPostgres>> | undefined;
  beforeAll(async () => {
    pg = backend === 'postgres' ? await freshPostgres() : undefined;
    const config = loadConfig({
      ...TEST_PGLITE_ENV,
      GATEHOUSE_TENANT_DOMAIN: 'localhost',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    });
    core = await createCore(config, { ...(await ownDatabase(!pg)), logQuery: () => void n++ });
  });
  afterAll(async () => {
    await core?.close();
    await pg?.drop();
  });

  it('sends the same number of statements for 10, 100 and 450 rows (one batch), managers and roles included', async () => {
    const tenantId = (await core.services.tenants.getByDomain('localhost')).id;
    await core.services.users.create(tenantId, { email: 'top@set.test', displayName: 'Top' });
    const counts: number[] = [];
    for (const rows of [10, 100, 450]) {
      // Each row's manager is the next row (named before its own row comes); the last row's is a tenant user.
      const lines = ['email,displayName,managerEmail,roles'];
      for (let i = 0; i < rows; i++) {
        const manager = i === rows - 1 ? 'top@set.test' : `s${rows}-${i + 1}@set.test`;
        lines.push(`s${rows}-${i}@set.test,S ${i},${manager},${i % 2 ? 'app_admin' : ''}`);
      }
      const file = csv(lines);
      n = 0;
      const summary = await importUsersCsv(core, tenantId, file);
      counts.push(n);
      expect(summary).toMatchObject({ rows, created: rows, rejected: 0, errors: [] });
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    expect(counts[0]).toBeLessThanOrEqual(10);
  });
});
