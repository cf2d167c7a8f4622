// `gatehouse serve` as a process on the embedded database: start-up log, the data
// dir lock, request logs without secrets, graceful SIGTERM, restart keeps data.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type Env,
  expectCode,
  freePort,
  gatehouse,
  type ServeProc,
  signAssertion,
  startServe,
  tempDir,
  tokenFor,
} from '../cli/proc.ts';

describe('gatehouse serve on PGlite', { timeout: 240_000 }, () => {
  let dir: string;
  let dataDir: string;
  let env: Env;
  let server: ServeProc;
  let client: { clientId: string; clientSecret: string };
  let token: string;
  let appId: string;

  beforeAll(async () => {
    dir = tempDir('gh-serve-');
    dataDir = path.join(dir, 'data');
    env = { GATEHOUSE_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(await freePort()) };
    server = await startServe(env);
    client = expectCode(await gatehouse(['clients', 'create', '--name', 'lifecycle'], env), 0).json();
    token = (await tokenFor(server.url, client.clientId, client.clientSecret)).token as string;
  }, 240_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs where it listens and which database, as JSON', async () => {
    const started = await server.waitForLog((e) => String(e.msg).startsWith('Gatehouse listening on'));
    // A new data dir: every migration is applied at this start, and the line says how many.
    const migrations = started.migrationsApplied as number;
    expect(migrations).toBeGreaterThan(0);
    expect(started.msg).toBe(
      `Gatehouse listening on http://127.0.0.1:${server.port} using pglite ${dataDir}/pgdata ` +
        `(applied ${migrations} migrations, ${migrations} in all)`,
    );
    expect(started).toMatchObject({ url: `http://127.0.0.1:${server.port}`, database: `pglite ${dataDir}/pgdata`, level: 30 });
    expect(started.adminSocket).toBe(path.join(dataDir, 'admin.sock'));
  });

  it('holds the data dir: lock file with its pid, admin socket only for its user', () => {
    const lock = JSON.parse(readFileSync(path.join(dataDir, 'gatehouse.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: server.proc.pid, kind: 'serve', socket: path.join(dataDir, 'admin.sock') });
    const st = statSync(path.join(dataDir, 'admin.sock'));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('a second server on the same data dir refuses to start, and the first keeps running', async () => {
    const second = await gatehouse(['serve'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`the data directory ${dataDir} is in use by a Gatehouse server (pid ${server.proc.pid})`);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('logs one JSON line per request, without tokens, secrets or assertions', async () => {
    const assertion = await signAssertion(client.clientId, client.clientSecret, '127.0.0.1');
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': '' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, ...fields }),
    });
    const sent: Array<{ id: string; method: string; route: string; status: number; res: Promise<Response> }> = [];
    const send = (id: string, p: string, init: RequestInit, route: string, status: number) => {
      const headers = { ...(init.headers as Record<string, string>), 'x-request-id': id };
      sent.push({ id, method: init.method ?? 'GET', route, status, res: fetch(server.url + p, { ...init, headers }) });
    };
    send('log-1', '/auth/v1/token', form({ client_secret: client.clientSecret }), '/auth/v1/token', 200);
    send(
      'log-2',
      '/auth/v1/token',
      form({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
      '/auth/v1/token',
      200,
    );
    // Another client's secret (a forwarded CLI command printed it): wrong key for this client id.
    const other = expectCode(await gatehouse(['clients', 'create', '--name', 'secret-holder'], env), 0).json();
    send('log-3', '/auth/v1/token', form({ client_secret: other.clientSecret }), '/auth/v1/token', 401);
    send('log-4', '/api/v1/apps', { headers: { authorization: `Bearer ${token}` } }, '/api/v1/apps', 200);
    send('log-5', '/api/v1/apps/nope', { headers: { authorization: `Bearer ${token}` } }, '/api/v1/apps/:id', 404);
    send('log-6', '/api/v1/apps', { headers: { authorization: `Bearer ${token}x` } }, '/api/v1/apps', 401);
    send('log-7', '/no/such/route', { headers: { authorization: `Bearer ${token}` } }, 'unmatched', 404);
    for (const s of sent) expect((await s.res).status, s.id).toBe(s.status);

    const ids = sent.map((s) => s.id);
    // A request's line is written after its response is sent: it may still be on its way.
    for (const id of ids) await server.waitForLog((e) => e.reqId === id && e.msg === 'request');
    const lines = server.stdout.filter((l) => l.trim());
    const entries = lines.map((l) => JSON.parse(l)); // every line is JSON
    for (const s of sent) {
      const mine = entries.filter((e) => e.reqId === s.id && e.msg === 'request');
      expect(mine, s.id).toHaveLength(1);
      const route = s.route === '/api/v1/apps/:id' ? expect.stringMatching(/^\/api\/v1\/apps\/:/) : s.route;
      expect(mine[0]).toMatchObject({ method: s.method, route, status: s.status, latencyMs: expect.any(Number) });
    }
    expect(ids).toHaveLength(7);
    const everything = server.stdout.join('\n') + server.stderr();
    const tail = (secret: string) => secret.split(':')[3];
    for (const secret of [
      token,
      assertion,
      assertion.split('.')[2],
      client.clientSecret,
      tail(client.clientSecret),
      tail(other.clientSecret),
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/authorization/i);
    expect(everything).not.toContain('Bearer');
  });

  it('migrate while the server runs: nothing to do; other commands are forwarded', async () => {
    const m = expectCode(await gatehouse(['migrate'], env), 0);
    expect(m.stderr).toContain(`the server using ${dataDir} (pid ${server.proc.pid}) applied the migrations`);
    await server.waitForLog((e) => e.msg === 'admin command' && e.command === 'clients create' && e.exitCode === 0);
  });

  it('SIGTERM: the in-flight request completes, the database is closed, exit 0', async () => {
    const body = JSON.stringify({ displayName: 'Created during shutdown' });
    const url = new URL(`${server.url}/api/v1/apps`);
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        // The server answers "100 Continue" once it has the request: then it is in flight.
        expect: '100-continue',
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve) => req.once('continue', () => resolve()));
    server.proc.kill('SIGTERM');
    await server.waitForLog((e) => e.msg === 'shutting down: finishing in-flight requests');
    // New connections are refused once shutdown began.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    req.end(body);
    const res = await response;
    expect(res.status).toBe(200);
    appId = JSON.parse(res.body).app.id;
    expect(await server.exited).toBe(0);
    const closed = await server.waitForLog((e) => String(e.msg).startsWith('database closed'));
    expect(closed.database).toBe(`pglite ${dataDir}/pgdata`);
    expect(existsSync(path.join(dataDir, 'gatehouse.lock'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'admin.sock'))).toBe(false);
  });

  it('restart keeps every piece of data, taking over a stale lock and socket', async () => {
    // What a killed server leaves behind: its lock (pid now dead) and its socket file.
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    const stale = {
      pid: dead.pid,
      host: os.hostname(),
      kind: 'serve',
      command: 'serve',
      socket: path.join(dataDir, 'admin.sock'),
      since: '',
    };
    writeFileSync(path.join(dataDir, 'gatehouse.lock'), JSON.stringify(stale));
    writeFileSync(path.join(dataDir, 'admin.sock'), '');

    server = await startServe(env);
    const again = await tokenFor(server.url, client.clientId, client.clientSecret);
    expect(again.status).toBe(200);
    const app = await api(server.url, again.token as string, 'GET', `/api/v1/apps/${appId}`);
    expect(app.status).toBe(200);
    expect(app.body.app.displayName).toBe('Created during shutdown');
    const clients = expectCode(await gatehouse(['clients', 'list'], env), 0).json();
    expect(clients.map((c: { name: string }) => c.name)).toEqual(['lifecycle', 'secret-holder']);
    expect(await server.stop()).toBe(0);
  });
});
