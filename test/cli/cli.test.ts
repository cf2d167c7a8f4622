// The real `gatehouse` CLI on the embedded database, both ways it runs: opening
// the data dir itself, and forwarded to a server that holds the data dir.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Env, expectCode, freePort, gatehouse, type ServeProc, startServe, tempDir, tokenFor } from './proc.ts';

const SECRET_PREFIX = 'secret-token:conductorone.com:v1:';

describe.each(['direct', 'forwarded'] as const)('gatehouse CLI (%s)', { timeout: 240_000 }, (mode) => {
  let dir: string;
  let env: Env;
  let port: number;
  let server: ServeProc | undefined;
  const cli = (args: string[], opts?: { cwd?: string }) => gatehouse(args, env, opts);
  const created: { admin?: { clientId: string; clientSecret: string }; revoked?: string; readOnly?: string } = {};
  let readOnlySecret = '';
  let appId = '';
  let resourceTypeId = '';
  let acmeClient: { clientId: string; clientSecret: string } | undefined;
  // Both modes run the same commander program; a direct run costs a database open
  // (seconds), so the error cases beyond one of each kind run forwarded only.
  const thorough = mode === 'forwarded';

  beforeAll(async () => {
    dir = tempDir();
    port = await freePort();
    env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1' };
    if (mode === 'forwarded') server = await startServe(env);
  }, 240_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('tenants create and list', async () => {
    const t = expectCode(await cli(['tenants', 'create', 'Acme.Example.com']), 0).json();
    expect(t).toMatchObject({ domain: 'acme.example.com' });
    expect(t.id).toMatch(/^[0-9A-Za-z]{27}$/);
    const dup = expectCode(await cli(['tenants', 'create', 'acme.example.com']), 2);
    expect(dup.stderr).toContain('error: tenant acme.example.com already exists');
    expect(dup.stdout).toBe('');
    if (thorough) expect(expectCode(await cli(['tenants', 'create', 'not a domain']), 2).stderr).toContain('is not a host name');
    const list = expectCode(await cli(['tenants', 'list']), 0).json();
    expect(list.map((x: { domain: string }) => x.domain)).toEqual(['localhost', 'acme.example.com']);
  });

  it('clients create prints a C1-style id and the secret', async () => {
    const run = expectCode(await cli(['clients', 'create', '--name', 'ci']), 0);
    const c = run.json();
    expect(Object.keys(c).sort()).toEqual(['clientId', 'clientSecret']);
    // Only a run that asked no server guesses the port, and says so.
    const guessed = `note: no running server was asked, so the client id names 127.0.0.1:${port}`;
    if (mode === 'direct') expect(run.stderr).toContain(guessed);
    else expect(run.stderr).not.toContain('note:');
    // The default tenant `localhost` has no dot: ids name 127.0.0.1, which C1's Go tools can reach.
    expect(c.clientId).toMatch(new RegExp(`^[a-z]+-[a-z]+-[0-9]+@127\\.0\\.0\\.1:${port}/pcc$`));
    expect(c.clientSecret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(c.clientSecret.slice(SECRET_PREFIX.length)).toMatch(/^[A-Za-z0-9]+$/);
    created.admin = c;
    created.revoked = expectCode(await cli(['clients', 'create', '--name', 'old']), 0).json().clientId;
    const ro = expectCode(await cli(['clients', 'create', '--name', 'viewer', '--role', 'read-only']), 0).json();
    created.readOnly = ro.clientId;
    readOnlySecret = ro.clientSecret;
    acmeClient = expectCode(await cli(['clients', 'create', '--name', 'acme', '--tenant', 'acme.example.com']), 0).json();
    expect(acmeClient?.clientId).toMatch(new RegExp(`@acme\\.example\\.com:${port}/pcc$`));
  });

  it.runIf(mode === 'forwarded')('clients create refuses bad input', async () => {
    expect(expectCode(await cli(['clients', 'create']), 1).stderr).toContain("required option '--name <name>' not specified");
    expect(expectCode(await cli(['clients', 'create', '--name', 'x', '--role', 'owner']), 1).stderr).toContain(
      'Allowed choices are admin, read-only',
    );
    expect(expectCode(await cli(['clients', 'create', '--name', 'x', '--tenant', 'nope.example.com']), 2).stderr).toContain(
      'error: tenant nope.example.com not found',
    );
  });

  it('clients list and revoke, per tenant', async () => {
    const list = expectCode(await cli(['clients', 'list']), 0).json();
    expect(list.map((c: { name: string }) => c.name)).toEqual(['ci', 'old', 'viewer']);
    expect(list.find((c: { name: string }) => c.name === 'viewer').role).toBe('read-only');
    expect(JSON.stringify(list)).not.toContain(SECRET_PREFIX);
    const acme = expectCode(await cli(['clients', 'list', '--tenant', 'acme.example.com']), 0).json();
    expect(acme.map((c: { name: string }) => c.name)).toEqual(['acme']);

    const revoked = expectCode(await cli(['clients', 'revoke', created.revoked as string]), 0).json();
    expect(revoked).toMatchObject({ clientId: created.revoked, name: 'old' });
    expect(Date.parse(revoked.revokedAt)).not.toBeNaN();
    if (!thorough) return;
    expect(expectCode(await cli(['clients', 'revoke', created.revoked as string]), 2).stderr).toContain('not found');
    // Another tenant's client is not found from this one.
    expect(expectCode(await cli(['clients', 'revoke', acmeClient?.clientId as string]), 2).stderr).toContain('not found');
    const after = expectCode(await cli(['clients', 'list']), 0).json();
    expect(after.find((c: { name: string }) => c.name === 'old').revokedAt).toBe(revoked.revokedAt);
    expect(after.find((c: { name: string }) => c.name === 'ci').revokedAt).toBeUndefined();
  });

  it('users create', async () => {
    const u = expectCode(
      await cli(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Ada Lovelace', '--username', 'ada']),
      0,
    ).json();
    expect(u).toMatchObject({
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      username: 'ada',
      type: 'USER_TYPE_HUMAN',
      emails: ['ada@example.com'],
    });
    expect(u.id).toMatch(/^[0-9A-Za-z]{27}$/);
    if (thorough) await usersCreateErrors();
    const other = expectCode(
      await cli(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Acme Ada', '--tenant', 'acme.example.com']),
      0,
    ).json();
    expect(other.id).not.toBe(u.id);
  });

  async function usersCreateErrors() {
    const dup = expectCode(await cli(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Again']), 2);
    expect(dup.stderr).toContain('already exists');
    expect(expectCode(await cli(['users', 'create', '--email', 'nope', '--display-name', 'X']), 2).stderr).toContain(
      'email: "nope" is not an email address',
    );
    expect(expectCode(await cli(['users', 'create', '--email', 'x@example.com']), 1).stderr).toContain(
      "required option '--display-name <name>' not specified",
    );
  }

  it('users import: created, updated, rejected rows with line numbers; idempotent; relative to the cwd', async () => {
    const work = path.join(dir, 'work');
    mkdirSync(work, { recursive: true });
    const long = 'x'.repeat(300);
    writeFileSync(
      path.join(work, 'people.csv'),
      [
        'email,displayName,username,department,jobTitle,employmentStatus',
        'grace@example.com,Grace Hopper,grace,Navy,Rear Admiral,active', // line 2: created
        'ada@example.com,Ada King,,Maths,,', // line 3: updates the user created above
        'not-an-email,Nobody,,,,', // line 4: rejected
        'kept-out@example.com,Kept Out,' + long + ',,,', // line 5: rejected (username too long): writes nothing
        '"linus@example.com","Torvalds, Linus",linus,,,', // line 6: quoted comma
        'no-name@example.com,,,,,', // line 7: rejected (empty displayName)
      ].join('\n'),
    );
    const first = await cli(['users', 'import', 'people.csv'], { cwd: work });
    expectCode(first, 1);
    const s1 = first.json();
    expect(s1).toMatchObject({ file: 'people.csv', rows: 6, created: 2, updated: 1, unchanged: 0, rejected: 3 });
    expect(s1.errors.map((e: { line: number }) => e.line)).toEqual([4, 5, 7]);
    expect(s1.errors[0].reason).toContain('email');
    expect(s1.errors[1].reason).toContain('username');
    expect(s1.errors[2].reason).toContain('displayName');
    expect(first.stderr).toContain('line 4: rejected');

    const second = expectCode(await cli(['users', 'import', path.join(work, 'people.csv')]), 1).json();
    expect(second).toMatchObject({ rows: 6, created: 0, updated: 0, unchanged: 3, rejected: 3 });

    if (!thorough) return;
    // The rejected row wrote nothing: its email is still free.
    expectCode(await cli(['users', 'create', '--email', 'kept-out@example.com', '--display-name', 'Kept Out']), 0);
    // A bad header stops the import before any row; a missing file is an error.
    writeFileSync(path.join(work, 'bad.csv'), 'mail,displayName\na@example.com,A\n');
    expect(expectCode(await cli(['users', 'import', 'bad.csv'], { cwd: work }), 2).stderr).toContain('missing column(s) email');
    expect(expectCode(await cli(['users', 'import', 'missing.csv'], { cwd: work }), 2).stderr).toContain(
      'missing.csv: no such file',
    );
  });

  it('the API sees what the CLI made', async () => {
    // Direct mode: a server started afterwards on the same data dir.
    const s = server ?? (await startServe(env));
    try {
      const admin = created.admin as { clientId: string; clientSecret: string };
      const { status, token } = await tokenFor(s.url, admin.clientId, admin.clientSecret);
      expect(status).toBe(200);
      const users = await api(s.url, token as string, 'GET', '/api/v1/users?page_size=100');
      expect(users.status).toBe(200);
      const byEmail = new Map(users.body.list.map(({ user }: { user: { email: string } }) => [user.email, user]));
      // kept-out@ was rejected by the import (so absent); the thorough run created it afterwards.
      const expected = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
      if (thorough) expected.push('kept-out@example.com');
      expect([...byEmail.keys()].sort()).toEqual(expected.sort());
      expect(byEmail.get('ada@example.com')).toMatchObject({ displayName: 'Ada King', username: 'ada', department: 'Maths' });
      expect(byEmail.get('linus@example.com')).toMatchObject({ displayName: 'Torvalds, Linus' });
      const app = await api(s.url, token as string, 'POST', '/api/v1/apps', { displayName: 'From the CLI client' });
      expect(app.status).toBe(200);
      appId = app.body.app.id;
      const rt = await api(s.url, token as string, 'POST', `/api/v1/apps/${appId}/resource_types`, {
        displayName: 'Database',
        resourceType: 'CUSTOM',
      });
      expect(rt.status).toBe(200);
      resourceTypeId = rt.body.appResourceType.id;

      // Revoked client: no token. Read-only client: no writes.
      expect((await tokenFor(s.url, created.revoked as string, admin.clientSecret)).status).toBe(401);
      const ro = await tokenFor(s.url, created.readOnly as string, readOnlySecret);
      expect(ro.status).toBe(200);
      expect((await api(s.url, ro.token as string, 'POST', '/api/v1/apps', { displayName: 'x' })).status).toBe(403);
      // The other tenant's client sees only its own users.
      const acme = acmeClient as { clientId: string; clientSecret: string };
      const acmeToken = (await tokenFor(s.url, acme.clientId, acme.clientSecret)).token as string;
      const acmeUsers = await api(s.url, acmeToken, 'GET', '/api/v1/users');
      expect(acmeUsers.body.list.map(({ user }: { user: { displayName: string } }) => user.displayName)).toEqual(['Acme Ada']);
    } finally {
      if (!server) expect(await s.stop()).toBe(0);
    }
  });

  it('import subcommands (from other modules) run the same way, files relative to the cwd', async () => {
    const work = path.join(dir, 'work');
    writeFileSync(
      path.join(work, 'resources.csv'),
      'displayName,description,matchBatonId\nOrders DB,orders,db-1\nUsers DB,,db-2\n',
    );
    const args = ['import', 'resources', '--app', appId, '--resource-type', resourceTypeId, 'resources.csv'];
    const first = expectCode(await cli(args, { cwd: work }), 0).json();
    expect(first).toMatchObject({ file: 'resources.csv', rows: 2, created: 2, rejected: 0 });
    const again = expectCode(await cli(args, { cwd: work }), 0).json();
    expect(again).toMatchObject({ rows: 2, created: 0, rejected: 0 });

    writeFileSync(path.join(work, 'grants.csv'), 'userEmail,entitlement\nada@example.com,No Such Resource/member\n');
    const grants = expectCode(await cli(['import', 'grants', '--app', appId, 'grants.csv'], { cwd: work }), 1).json();
    expect(grants).toMatchObject({ file: 'grants.csv', rows: 1, rejected: 1, errors: [{ line: 2 }] });
  });

  it('migrate', async () => {
    const r = expectCode(await cli(['migrate']), 0);
    if (mode === 'forwarded') {
      expect(r.stderr).toContain('applied the migrations when it started; nothing to do');
      expect(r.stdout).toBe('');
    } else {
      expect(r.json().migrated).toBe(`pglite ${path.join(dir, 'data', 'pgdata')}`);
    }
  });

  it('leaves no lock behind (direct) / the server keeps its lock (forwarded)', async () => {
    const lockFile = path.join(dir, 'data', 'gatehouse.lock');
    expect(existsSync(lockFile)).toBe(mode === 'forwarded');
  });
});
