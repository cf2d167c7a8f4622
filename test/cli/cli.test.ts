// The `gatehouse` CLI's commands, both ways they run: 'direct' as a CLI process that
// opened the database runs them (the commander program against the core), and
// 'forwarded' over a real admin socket to a server that holds the data dir. Both run
// in this process against an in-memory database (a process per command would prove
// nothing more, at seconds each); the binary itself runs end to end at the bottom.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type AdminServer, adminSocketPath, forwardToServer, listenAdmin } from '../../src/cli/admin.ts';
import { type LockHolder, lockPath } from '../../src/cli/lock.ts';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';
import { runForwarded } from '../../src/server.ts';
import { migratedDataDir, ownDatabase, TEST_PGLITE_ENV } from '../helpers/infra.ts';
import { captureIo, cliOn, mainIn } from './inproc.ts';
import {
  api,
  type CliResult,
  type Env,
  expectCode,
  freePort,
  gatehouse,
  ROOT,
  type ServeProc,
  startServe,
  tempDir,
  tokenFor,
} from './proc.ts';

const SECRET_PREFIX = 'secret-token:conductorone.com:v1:';

describe.each(['direct', 'forwarded'] as const)('gatehouse CLI (%s)', { timeout: 240_000 }, (mode) => {
  let dir: string;
  let env: Env;
  let port: number;
  let core: Core;
  let httpApp: Api;
  let url: string;
  // Forwarded: this process plays the server that holds the data dir (its admin socket).
  let admin: AdminServer | undefined;
  let holder: ChildProcess | undefined;
  const cli = async (args: string[], opts: { cwd?: string } = {}): Promise<CliResult> => {
    if (mode === 'direct') return cliOn(core, args, opts);
    // As `gatehouse` runs: its entry point finds the server in the lock and forwards. It sends its
    // own cwd, so a command meant to run elsewhere goes to the socket with that cwd directly.
    if (opts.cwd === undefined) return mainIn(args, env);
    const c = captureIo(args);
    return c.done(await forwardToServer(admin?.path as string, { argv: args, cwd: opts.cwd ?? ROOT }, c.io));
  };
  const created: { admin?: { clientId: string; clientSecret: string }; revoked?: string; readOnly?: string } = {};
  let readOnlySecret = '';
  let appId = '';
  let resourceTypeId = '';
  let acmeClient: { clientId: string; clientSecret: string } | undefined;
  // Both modes run the same commander program; the error cases beyond one of each kind run forwarded only.
  const thorough = mode === 'forwarded';

  beforeAll(async () => {
    dir = tempDir();
    port = await freePort();
    env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1' };
    core = await createCore(
      loadConfig({ ...env, ...TEST_PGLITE_ENV, GATEHOUSE_TENANT_DOMAIN: 'localhost' }),
      await ownDatabase(true),
    );
    httpApp = await buildApp(core);
    url = await httpApp.listen({ port, host: '127.0.0.1' });
    // Direct, `migrate` opens the data dir itself: there, a database as a first start left it.
    if (mode === 'direct') await migratedDataDir(env.GATEHOUSE_DATA_DIR as string);
    if (mode === 'forwarded') {
      const dataDir = env.GATEHOUSE_DATA_DIR as string;
      admin = await listenAdmin(adminSocketPath(dataDir), (req, io) => runForwarded({ core, app: httpApp }, req, io));
      // The lock names a live server process (a process never defers to itself), with this admin socket.
      holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
      await new Promise((resolve) => holder?.once('spawn', resolve));
      const record: LockHolder = {
        pid: holder.pid as number,
        host: os.hostname(),
        kind: 'serve',
        command: 'serve',
        socket: admin.path,
        since: new Date().toISOString(),
      };
      writeFileSync(lockPath(dataDir), JSON.stringify(record));
    }
  }, 240_000);

  afterAll(async () => {
    await admin?.close();
    holder?.kill('SIGKILL');
    await httpApp?.close();
    await core?.close();
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
    // The HTTP API of the same database (as the server holding it, or one started after the CLI ran).
    const admin = created.admin as { clientId: string; clientSecret: string };
    const { status, token } = await tokenFor(url, admin.clientId, admin.clientSecret);
    expect(status).toBe(200);
    const users = await api(url, token as string, 'GET', '/api/v1/users?page_size=100');
    expect(users.status).toBe(200);
    const byEmail = new Map(users.body.list.map(({ user }: { user: { email: string } }) => [user.email, user]));
    // kept-out@ was rejected by the import (so absent); the thorough run created it afterwards.
    const expected = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
    if (thorough) expected.push('kept-out@example.com');
    expect([...byEmail.keys()].sort()).toEqual(expected.sort());
    expect(byEmail.get('ada@example.com')).toMatchObject({ displayName: 'Ada King', username: 'ada', department: 'Maths' });
    expect(byEmail.get('linus@example.com')).toMatchObject({ displayName: 'Torvalds, Linus' });
    const app = await api(url, token as string, 'POST', '/api/v1/apps', { displayName: 'From the CLI client' });
    expect(app.status).toBe(200);
    appId = app.body.app.id;
    const rt = await api(url, token as string, 'POST', `/api/v1/apps/${appId}/resource_types`, {
      displayName: 'Database',
      resourceType: 'CUSTOM',
    });
    expect(rt.status).toBe(200);
    resourceTypeId = rt.body.appResourceType.id;

    // Revoked client: no token. Read-only client: no writes.
    expect((await tokenFor(url, created.revoked as string, admin.clientSecret)).status).toBe(401);
    const ro = await tokenFor(url, created.readOnly as string, readOnlySecret);
    expect(ro.status).toBe(200);
    expect((await api(url, ro.token as string, 'POST', '/api/v1/apps', { displayName: 'x' })).status).toBe(403);
    // The other tenant's client sees only its own users.
    const acme = acmeClient as { clientId: string; clientSecret: string };
    const acmeToken = (await tokenFor(url, acme.clientId, acme.clientSecret)).token as string;
    const acmeUsers = await api(url, acmeToken, 'GET', '/api/v1/users');
    expect(acmeUsers.body.list.map(({ user }: { user: { displayName: string } }) => user.displayName)).toEqual(['Acme Ada']);
  });

  it('clients create --user makes a personal client acting as that user; clients list says whose it is', async () => {
    const run = expectCode(await cli(['clients', 'create', '--user', 'ada@example.com']), 0);
    const made = run.json();
    expect(Object.keys(made).sort()).toEqual(['clientId', 'clientSecret', 'id', 'user']);
    expect(made.user).toBe('ada@example.com');
    expect(made.clientSecret.startsWith(SECRET_PREFIX)).toBe(true);
    const named = expectCode(await cli(['clients', 'create', '--user', 'ada@example.com', '--name', 'laptop']), 0).json();

    const { status, token } = await tokenFor(url, made.clientId, made.clientSecret);
    expect(status).toBe(200);
    // Ada is a Basic User: she sees her own clients, and may not create apps.
    const mine = await api(url, token as string, 'GET', '/api/v1/iam/personal_clients');
    expect(mine.status).toBe(200);
    expect(mine.body.list.map((c: { id: string }) => c.id)).toEqual([made.id, named.id]);
    expect(mine.body.list[0]).toMatchObject({ clientId: made.clientId, displayName: 'gatehouse CLI' });
    expect(mine.body.list[1]).toMatchObject({ displayName: 'laptop', userId: mine.body.list[0].userId });
    expect((await api(url, token as string, 'POST', '/api/v1/apps', { displayName: 'x' })).status).toBe(403);

    const list = expectCode(await cli(['clients', 'list']), 0).json();
    const personal = list.filter((c: { role: string }) => c.role === 'personal');
    expect(personal.map((c: { name: string; user: string }) => [c.name, c.user])).toEqual([
      ['gatehouse CLI', 'ada@example.com'],
      ['laptop', 'ada@example.com'],
    ]);
    expect(list.find((c: { name: string }) => c.name === 'ci').user).toBeUndefined();
    if (!thorough) return;
    const both = expectCode(await cli(['clients', 'create', '--user', 'ada@example.com', '--role', 'admin']), 1);
    expect(both.stderr).toContain("option '--role <role>' cannot be used with option '--user <email>'");
    expect(expectCode(await cli(['clients', 'create', '--role', 'read-only']), 1).stderr).toContain(
      "required option '--name <name>' not specified",
    );
    expect(expectCode(await cli(['clients', 'create', '--user', 'nobody@example.com']), 2).stderr).toContain(
      'user nobody@example.com not found',
    );
    expectCode(await cli(['users', 'create', '--email', 'gone@example.com', '--display-name', 'Gone']), 0);
    expectCode(await cli(['users', 'disable', 'gone@example.com']), 0);
    expect(expectCode(await cli(['clients', 'create', '--user', 'gone@example.com']), 2).stderr).toContain('DISABLED');
    // None of the refused commands made a client.
    expect(expectCode(await cli(['clients', 'list']), 0).json()).toEqual(list);
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
    // The binary's entry point: forwarded, it finds this process holding the data dir;
    // direct, it locks the dir, opens the database there and migrates it.
    const r = expectCode(await mainIn(['migrate'], env), 0);
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

describe('gatehouse CLI end to end', { timeout: 240_000 }, () => {
  it('the real binary: direct on the data dir, then forwarded to the server holding it, files relative to its cwd', async () => {
    const dir = tempDir();
    const env: Env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data'), PORT: String(await freePort()), HOST: '127.0.0.1' };
    const work = path.join(dir, 'work');
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'people.csv'), 'email,displayName\nada@example.com,Ada Lovelace\nnope,Nobody\n');
    let server: ServeProc | undefined;
    // The database as a first start leaves it (test/server/lifecycle starts from nothing).
    await migratedDataDir(env.GATEHOUSE_DATA_DIR as string);
    try {
      // Direct: the process opens the data dir itself, and lets go of it when done.
      const direct = expectCode(await gatehouse(['users', 'import', 'people.csv'], env, { cwd: work }), 1);
      expect(direct.json()).toMatchObject({ file: 'people.csv', rows: 2, created: 1, rejected: 1, errors: [{ line: 3 }] });
      expect(direct.stderr).toContain('line 3: rejected');
      expect(existsSync(path.join(dir, 'data', 'gatehouse.lock'))).toBe(false);
      // Forwarded: the server runs the command, reading the file from the CLI's cwd, not its own.
      server = await startServe(env);
      const forwarded = expectCode(await gatehouse(['users', 'import', 'people.csv'], env, { cwd: work }), 1);
      expect(forwarded.json()).toMatchObject({ file: 'people.csv', rows: 2, created: 0, unchanged: 1, rejected: 1 });
      await server.waitForLog((e) => e.msg === 'admin command' && e.command === 'users import' && e.exitCode === 1);
      expect(await server.stop()).toBe(0);
      expect(existsSync(path.join(dir, 'data', 'gatehouse.lock'))).toBe(false);
    } finally {
      await server?.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
