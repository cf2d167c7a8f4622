// Runs `gatehouse serve` as a child process, as production does, for tests and
// scripts that need a real process: kill -9, TLS, several servers on one database.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { createCore } from '../../src/core.ts';
import { freePort, TEST_PGLITE_ENV } from '../helpers/infra.ts';

export { createDatabase, freePort } from '../helpers/infra.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.js');

export type Spawned = {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Output lines (stdout and stderr), most recent last, capped. */
  lines: string[];
  /** Log lines at error level or above (pino level >= 50). */
  errors(): string[];
  /** Resolves with the exit code / signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export type SpawnOptions = {
  env: Record<string, string>;
  /** CA certificate when the server speaks HTTPS. */
  ca?: string;
  readyTimeoutMs?: number;
};

/** Base environment of a spawned server: no inherited database or port settings. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'DATABASE_URL' || k === 'PORT' || k.startsWith('GATEHOUSE_') || k.startsWith('VITEST')) continue;
    env[k] = v;
  }
  return { HOST: '127.0.0.1', LOG_LEVEL: 'warn', GATEHOUSE_TENANT_DOMAIN: 'localhost', ...TEST_PGLITE_ENV, ...env, ...extra };
}

export async function spawnServer(opts: SpawnOptions): Promise<Spawned> {
  const port = opts.env.PORT ? Number(opts.env.PORT) : await freePort();
  const env = serverEnv({ ...opts.env, PORT: String(port) });
  const scheme = env.GATEHOUSE_TLS_CERT ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const s: Spawned = {
    proc,
    port,
    url,
    lines,
    errors: () =>
      lines.filter((l) => {
        try {
          return ((JSON.parse(l) as { level?: number }).level ?? 0) >= 50;
        } catch {
          return /error/i.test(l);
        }
      }),
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (;;) {
    if (done) throw new Error(`server exited before it was ready:\n${lines.slice(-20).join('\n')}`);
    try {
      const r = await request(`${url}/readyz`, { ca: opts.ca, timeoutMs: 2000 });
      if (r.status === 200) return s;
    } catch {}
    if (Date.now() > deadline) {
      await s.kill('SIGKILL');
      throw new Error(`server not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: bodies are checked by the callers
export type Reply = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

/** One HTTP(S) request with a JSON or form body; `ca` trusts a self-signed certificate. */
export async function request(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    json?: unknown;
    form?: Record<string, string>;
    ca?: string;
    timeoutMs?: number;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | undefined;
  if (opts.json !== undefined) {
    payload = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (!url.startsWith('https:')) {
    const r = await fetch(url, {
      method: opts.method ?? (payload ? 'POST' : 'GET'),
      headers,
      body: payload,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await r.text();
    return { status: r.status, body: parse(text), headers: Object.fromEntries(r.headers) };
  }
  // Node sends a DELETE body without a length or chunking unless told its length.
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? (payload ? 'POST' : 'GET'), headers, ca: opts.ca, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: parse(Buffer.concat(chunks).toString('utf8')), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** Bearer-authenticated JSON calls to one server. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string,
    readonly ca?: string,
  ) {}
  call(method: string, p: string, json?: unknown): Promise<Reply> {
    return request(this.url + p, { method, json, ca: this.ca, headers: { authorization: `Bearer ${this.token}` } });
  }
  /** Every item of a paged list: GET with page_token, or a search POST with pageToken. */
  async all(method: 'GET' | 'POST', p: string, body: Record<string, unknown> = {}): Promise<unknown[]> {
    const out: unknown[] = [];
    let token = '';
    do {
      const r =
        method === 'GET'
          ? await this.call('GET', `${p}${p.includes('?') ? '&' : '?'}page_size=100&page_token=${encodeURIComponent(token)}`)
          : await this.call('POST', p, { ...body, pageSize: 100, pageToken: token });
      if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      out.push(...(r.body.list ?? []));
      token = r.body.nextPageToken ?? '';
    } while (token);
    return out;
  }
}

/** An access token through the client-secret form of the token endpoint. */
export async function tokenFor(url: string, clientId: string, clientSecret: string, ca?: string): Promise<string> {
  const r = await request(`${url}/auth/v1/token`, {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    ca,
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

export type Seed = { clientId: string; clientSecret: string; userIds: string[] };

/**
 * Creates an admin client and `users` identity users directly through the core,
 * before any server runs (PGlite allows one process at a time).
 */
export async function seed(env: Record<string, string>, users: number): Promise<Seed> {
  const core = await createCore(loadConfig(serverEnv(env)));
  try {
    const tenant = await core.services.tenants.getByDomain(core.config.tenantDomain);
    const { clientId, clientSecret } = await core.services.clients.create(tenant, 'ops-test', 'admin');
    const userIds: string[] = [];
    const tag = randomBytes(3).toString('hex');
    for (let i = 0; i < users; i++) {
      const u = await core.services.users.create(tenant.id, {
        email: `ops${i}-${tag}@example.com`,
        displayName: `Ops ${i} ${tag}`,
      });
      userIds.push(u.id);
    }
    return { clientId, clientSecret, userIds };
  } finally {
    await core.close();
  }
}
