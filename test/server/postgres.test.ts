// `gatehouse serve` and the CLI on PostgreSQL (TEST_DATABASE_URL): two servers
// starting at once apply the migrations once; the CLI connects directly while
// they run; no data dir lock is involved.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type Env,
  expectCode,
  freePort,
  gatehouse,
  ROOT,
  type ServeProc,
  startServe,
  tempDir,
  tokenFor,
} from '../cli/proc.ts';
import { freshPostgres } from '../helpers/server.ts';

const enabled = Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(enabled)('gatehouse serve + CLI on PostgreSQL', { timeout: 240_000 }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let servers: ServeProc[] = [];
  let urlWithPassword: string;
  const envFor = (port: number): Env => ({
    DATABASE_URL: urlWithPassword,
    GATEHOUSE_DATA_DIR: path.join(dir, 'data'),
    HOST: '127.0.0.1',
    PORT: String(port),
  });

  beforeAll(async () => {
    db = await freshPostgres();
    dir = tempDir('gh-pg-');
    // The test server trusts local connections; the password only checks that logs never show it.
    const u = new URL(db.url);
    u.password = 'hunter2-not-logged';
    urlWithPassword = u.toString();
    const ports = [await freePort(), await freePort()];
    servers = await Promise.all(ports.map((p) => startServe(envFor(p))));
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two servers started at once applied each migration exactly once', async () => {
    const journal = JSON.parse(readFileSync(path.join(ROOT, 'drizzle/meta/_journal.json'), 'utf8'));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query('select hash, created_at from drizzle.__drizzle_migrations order by created_at');
      expect(rows).toHaveLength(journal.entries.length);
      expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
      const tenants = await c.query('select domain from tenants');
      expect(tenants.rows).toEqual([{ domain: 'localhost' }]);
    } finally {
      await c.end();
    }
  });

  it('logs which database without its password; takes no data dir lock', async () => {
    const u = new URL(db.url);
    for (const s of servers) {
      const started = await s.waitForLog((e) => String(e.msg).startsWith('Gatehouse listening on'));
      expect(started.database).toBe(`postgres://${u.host}${u.pathname}`);
      expect(started.adminSocket).toBeUndefined();
      expect(s.stdout.join('\n') + s.stderr()).not.toContain('hunter2');
    }
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('the CLI works directly on the database while both servers run', async () => {
    const [a, b] = servers;
    const env = envFor(a.port);
    const run = expectCode(await gatehouse(['clients', 'create', '--name', 'pg-ci'], env), 0);
    const client = run.json();
    // No server is asked on PostgreSQL: the port is PORT's, and the CLI says it guessed.
    expect(client.clientId).toMatch(new RegExp(`@127\\.0\\.0\\.1:${a.port}/pcc$`));
    expect(run.stderr).toContain(`note: no running server was asked, so the client id names 127.0.0.1:${a.port}`);
    expectCode(await gatehouse(['tenants', 'create', 'other.example.com'], env), 0);
    const tenants = expectCode(await gatehouse(['tenants', 'list'], env), 0).json();
    expect(tenants.map((t: { domain: string }) => t.domain)).toEqual(['localhost', 'other.example.com']);
    const user = expectCode(
      await gatehouse(['users', 'create', '--email', 'pg@example.com', '--display-name', 'Pat G'], env),
      0,
    ).json();
    writeFileSync(path.join(dir, 'u.csv'), 'email,displayName\npg@example.com,Pat Gee\nnew@example.com,New Person\nbad,Bad\n');
    const imported = expectCode(await gatehouse(['users', 'import', 'u.csv'], env, { cwd: dir }), 1).json();
    expect(imported).toMatchObject({ created: 1, updated: 1, rejected: 1, errors: [{ line: 4 }] });
    // The server applied every migration at start: a later `migrate` applies none.
    expect(expectCode(await gatehouse(['migrate'], env), 0).json()).toEqual({
      migrated: `postgres://${new URL(db.url).host}${new URL(db.url).pathname}`,
      applied: 0,
    });

    // The token comes from one server, the data shows on the other.
    const { status, token } = await tokenFor(a.url, client.clientId, client.clientSecret);
    expect(status).toBe(200);
    const created = await api(a.url, token as string, 'POST', '/api/v1/apps', { displayName: 'PG app' });
    expect(created.status).toBe(200);
    const got = await api(b.url, token as string, 'GET', `/api/v1/apps/${created.body.app.id}`);
    expect(got.body.app.displayName).toBe('PG app');
    const users = await api(b.url, token as string, 'GET', '/api/v1/users');
    const names = users.body.list.map(({ user: u }: { user: { id: string; displayName: string } }) => [u.id, u.displayName]);
    expect(names).toContainEqual([user.id, 'Pat Gee']);
    expect(names.map((n: string[]) => n[1]).sort()).toEqual(['New Person', 'Pat Gee']);

    expectCode(await gatehouse(['clients', 'revoke', client.clientId], env), 0);
    expect((await tokenFor(b.url, client.clientId, client.clientSecret)).status).toBe(401);
  });

  it('SIGTERM: both exit 0', async () => {
    for (const s of servers) expect(await s.stop()).toBe(0);
    servers = [];
  });
});
