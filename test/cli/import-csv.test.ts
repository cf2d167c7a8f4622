// CSV edge cases of `gatehouse import users|resources|grants`, in-process: files
// without rows or header, rows with too many cells, malformed files (nothing written),
// and resources matched by display name when they have no matchBatonId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/server.ts';
import { csvFiles } from './import-fixtures.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

const { csv } = csvFiles('gh-import-csv-');

describe.each(backends)('CSV imports: edge cases (in-process) on %s', (backend) => {
  let cli: InProcessCli;
  let tenantId = '';
  let appId = '';
  let typeId = '';
  let entitlementId = '';

  beforeAll(async () => {
    cli = await inProcessCli(backend);
    const s = cli.core.services;
    tenantId = (await s.tenants.getByDomain('localhost')).id;
    await s.users.create(tenantId, { email: 'dana@example.com', displayName: 'Dana' });
    appId = (await s.apps.create(tenantId, { displayName: 'Spreadsheet app' })).id;
    typeId = (await s.resourceTypes.create(tenantId, appId, { displayName: 'Groups', resourceType: 'GROUP' })).id;
    const res = await s.resources.create(tenantId, appId, typeId, { displayName: 'Ops' });
    entitlementId = (
      await s.entitlements.create(tenantId, appId, {
        displayName: 'Ops member',
        slug: 'member',
        appResourceTypeId: typeId,
        appResourceId: res.id,
      })
    ).appEntitlement.id;
  });
  afterAll(async () => cli?.close());

  const emails = async () => (await cli.core.services.users.search(tenantId, {}, { size: 100 })).list.map((u) => u.email).sort();
  const resources = async () =>
    (await cli.core.services.resources.search(tenantId, { appId }, { size: 100 })).list.map((r) => r.displayName);
  const grantCount = async () =>
    (await cli.core.services.grants.reads.search(tenantId, { appIds: [appId] }, { size: 100 })).list.length;
  const importResources = (file: string) => cli.run(['import', 'resources', '--app', appId, '--resource-type', typeId, file]);
  const importGrants = (file: string) => cli.run(['import', 'grants', '--app', appId, file]);

  it('an unknown app or resource type is named in the error', async () => {
    const file = csv(['displayName', 'x']);
    const run = (app: string, type: string) => cli.run(['import', 'resources', '--app', app, '--resource-type', type, file]);
    expect(expectExit(await run('nope', typeId), 2).stderr).toBe('error: app nope not found\n');
    expect(expectExit(await run(appId, 'nope'), 2).stderr).toBe('error: app resource type nope not found\n');
    expect(expectExit(await cli.run(['import', 'grants', '--app', 'nope', file]), 2).stderr).toBe('error: app nope not found\n');
  });

  it('a file with only a header, an empty file, or no header row is an error, not "0 rows"', async () => {
    const before = await emails();
    const headerOnly = csv(['email,displayName']);
    let r = expectExit(await cli.run(['import', 'users', headerOnly]), 2);
    expect(r.stderr).toBe(`error: ${headerOnly}: only a header row, no rows to import\n`);
    expect(r.stdout).toBe('');
    // Blank lines after the header are no rows either.
    expect(expectExit(await cli.run(['users', 'import', csv(['email,displayName', '', '  '])]), 2).stderr).toContain(
      'only a header row, no rows to import',
    );
    const empty = csv([]);
    expect(expectExit(await cli.run(['import', 'users', empty]), 2).stderr).toContain(
      `${empty}: the file is empty: it needs a header row (email,displayName) and rows`,
    );
    const noHeader = csv(['erin@example.com,Erin', 'fred@example.com,Fred']);
    r = expectExit(await cli.run(['import', 'users', noHeader]), 2);
    expect(r.stderr).toContain(`${noHeader}: no header row: the first line must name the columns`);
    expect(r.stderr).toContain('it reads "erin@example.com,Erin"');
    // The same rules for every importer.
    expect(expectExit(await importResources(csv(['displayName,matchBatonId'])), 2).stderr).toContain('only a header row');
    expect(expectExit(await importGrants(csv(['dana@example.com,Ops/member'])), 2).stderr).toContain('no header row');
    const twice = csv(['email,displayName,email', 'x@example.com,X,y@example.com']);
    expect(expectExit(await cli.run(['import', 'users', twice]), 2).stderr).toContain('column(s) named twice: email');
    expect(await emails()).toEqual(before);
  });

  it('a row with more cells than the header is rejected with its line number; the others land', async () => {
    const file = csv([
      'email,displayName,username',
      'gail@example.com,Gail,gail', // line 2
      'hank@example.com,Hank,hank,extra', // line 3: one cell too many
      '',
      'ivy@example.com,Ivy', // line 5: a short row is fine (no username)
      '"jo@example.com","Jo, Jr",jo,,', // line 6: two empty cells too many are still too many
    ]);
    const r = expectExit(await cli.run(['import', 'users', file]), 1);
    expect(r.json()).toEqual({
      file,
      rows: 4,
      created: 2,
      updated: 0,
      unchanged: 0,
      rejected: 2,
      errors: [
        { line: 3, reason: '4 cells, but the header names 3 columns' },
        { line: 6, reason: '5 cells, but the header names 3 columns' },
      ],
    });
    expect(r.stderr).toContain('line 3: rejected: 4 cells, but the header names 3 columns');
    expect(await emails()).toEqual(expect.arrayContaining(['gail@example.com', 'ivy@example.com']));
    expect(await emails()).not.toContain('hank@example.com');

    // Resources (applied in batches) report the same.
    const res = csv(['displayName,matchBatonId', 'Alpha,a', 'Beta,b,oops', 'Gamma,g']);
    const rr = expectExit(await importResources(res), 1).json();
    expect(rr).toMatchObject({
      rows: 3,
      created: 2,
      rejected: 1,
      errors: [{ line: 3, reason: '3 cells, but the header names 2 columns' }],
    });
    expect(await resources()).toEqual(expect.arrayContaining(['Alpha', 'Gamma']));
    expect(await resources()).not.toContain('Beta');
  });

  it('a malformed file (an unclosed quote) writes nothing at all and still prints the JSON summary', async () => {
    const users = await emails();
    const file = csv(['email,displayName', 'kim@example.com,Kim', 'lee@example.com,"Lee', 'max@example.com,Max']);
    const r = expectExit(await cli.run(['import', 'users', file]), 2);
    expect(r.json()).toEqual({
      file,
      rows: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      errors: [{ line: 3, reason: 'malformed CSV: a quoted field starting on this line is never closed' }],
    });
    expect(r.stderr).toContain('nothing was imported');
    expect(await emails()).toEqual(users);

    // Far into a large file: the rows before it are not written either (resources go in batches of 500).
    const many = ['displayName,matchBatonId'];
    for (let i = 0; i < 1200; i++) many.push(`Bulk ${i},bulk-${i}`);
    many.push('"Broken,x');
    const before = await resources();
    const rr = expectExit(await importResources(csv(many)), 2).json();
    expect(rr).toMatchObject({ rows: 0, created: 0, rejected: 0, errors: [{ line: 1202 }] });
    expect(await resources()).toEqual(before);

    const grants = expectExit(
      await importGrants(csv(['userEmail,entitlement', 'dana@example.com,Ops/member', 'x"y,z'])),
      2,
    ).json();
    expect(grants).toMatchObject({ rows: 0, created: 0, errors: [{ line: 3 }] });
    expect(grants.errors[0].reason).toContain('malformed CSV');
    expect(await grantCount()).toBe(0);
    // The same file without the bad line imports.
    expect(
      expectExit(await importGrants(csv(['userEmail,entitlement', `dana@example.com,${entitlementId}`])), 0).json(),
    ).toMatchObject({ rows: 1, created: 1 });
    expect(await grantCount()).toBe(1);
  });

  it('resources without matchBatonId are matched by display name within the type: a second run creates nothing', async () => {
    const otherType = (
      await cli.core.services.resourceTypes.create(tenantId, appId, { displayName: 'Roles', resourceType: 'ROLE' })
    ).id;
    const file = csv(['displayName,description,ownerEmails', 'Finance,Money,dana@example.com', 'Legal,,', 'Legal,Lawyers,']);
    const first = expectExit(await importResources(file), 0).json();
    // The second "Legal" row matches the first one's resource.
    expect(first).toMatchObject({ rows: 3, created: 2, updated: 1, unchanged: 0, rejected: 0 });
    const second = expectExit(await importResources(file), 0).json();
    expect(second).toMatchObject({ rows: 3, created: 0, rejected: 0 });
    const named = async (name: string) =>
      (await cli.core.services.resources.search(tenantId, { appId, resourceTypeIds: [typeId] }, { size: 100 })).list.filter(
        (r) => r.displayName === name,
      );
    expect((await named('Legal')).length).toBe(1);
    expect((await named('Finance'))[0].description).toBe('Money');

    // A changed description updates the matched resource; another type is another scope.
    const changed = csv(['displayName,description', 'Finance,More money']);
    expect(expectExit(await importResources(changed), 0).json()).toMatchObject({ created: 0, updated: 1 });
    expect((await named('Finance'))[0].description).toBe('More money');
    const elsewhere = expectExit(
      await cli.run(['import', 'resources', '--app', appId, '--resource-type', otherType, changed]),
      0,
    ).json();
    expect(elsewhere).toMatchObject({ created: 1, updated: 0 });

    // Two resources of the type with the same name: the row cannot tell which, so it is rejected.
    await cli.core.services.resources.create(tenantId, appId, typeId, { displayName: 'Finance' });
    const ambiguous = expectExit(await importResources(changed), 1).json();
    expect(ambiguous).toMatchObject({ rows: 1, created: 0, updated: 0, rejected: 1 });
    expect(ambiguous.errors[0]).toEqual({
      line: 2,
      reason: 'displayName: 2 resources of this type are named "Finance"; give the row a matchBatonId',
    });
  });
});
