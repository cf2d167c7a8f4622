// The real `gatehouse` command (node bin/gatehouse.js) in child processes: CLI
// runs and `serve`, with their own data dir and port.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT } from 'jose';
import { freePort, TEST_PGLITE_ENV } from '../helpers/infra.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/gatehouse.js');

export type Env = Record<string, string | undefined>;

/** The test's environment without anything that would pick a database, port or tenant. */
export function cleanEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'LOG_FORMAT'].includes(k) || k.startsWith('GATEHOUSE_')) continue;
    if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  Object.assign(env, TEST_PGLITE_ENV);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export const tempDir = (tag = 'gh-cli-'): string => mkdtempSync(path.join(os.tmpdir(), tag));

export { freePort };

export type CliResult = {
  code: number | null;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed command output, checked by the tests
  json(): any;
};

/** Runs `gatehouse <args>` to completion. */
export function gatehouse(args: string[], env: Env, opts: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    proc.once('error', reject);
    proc.once('close', (code) => resolve(cliResult(args, code, stdout, stderr)));
  });
}

/** A finished command's exit code and output. */
export function cliResult(args: string[], code: number | null, stdout: string, stderr: string): CliResult {
  return {
    code,
    stdout,
    stderr,
    json: () => {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(`gatehouse ${args.join(' ')}: stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** Checks a CLI result's exit code, showing its output when it is not the expected one. */
export function expectCode(r: CliResult, code: number): CliResult {
  if (r.code !== code) throw new Error(`exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

export type ServeProc = {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Every stdout line so far. */
  stdout: string[];
  stderr(): string;
  /** Resolves with the first stdout line (parsed JSON) that `match` accepts. */
  waitForLog(match: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Starts `gatehouse serve`; resolves once it listens, rejects if it exits first. */
export async function startServe(env: Env): Promise<ServeProc> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: cleanEnv({ LOG_LEVEL: 'info', ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: Array<{ match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  const check = (line: string) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    for (const w of [...waiters]) {
      if (w.match(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    }
  };
  proc.stdout.on('data', (c: Buffer) => {
    partial += c.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      stdout.push(l);
      check(l);
    }
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const waitForLog = (match: (e: Record<string, unknown>) => boolean) => {
    for (const l of stdout) {
      try {
        const e = JSON.parse(l);
        if (match(e)) return Promise.resolve(e);
      } catch {}
    }
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ match, resolve });
      void exited.then((code) =>
        reject(new Error(`gatehouse serve exited (${code}) before the expected log line\n${stdout.join('\n')}\n${stderr}`)),
      );
    });
  };
  await waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('Gatehouse listening on'));
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout,
    stderr: () => stderr,
    waitForLog,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** An access token through the client_secret form of POST /auth/v1/token. */
export async function tokenFor(url: string, clientId: string, clientSecret: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${url}/auth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token };
}

/** A client assertion signed the way C1's SDKs sign it. */
export async function signAssertion(clientId: string, clientSecret: string, audience: string): Promise<string> {
  const jwk = JSON.parse(Buffer.from(clientSecret.split(':')[3], 'base64').toString('utf8'));
  const key = await importJWK(jwk, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', nonce: randomBytes(16).toString('hex') })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience([audience])
    .setIssuedAt(now)
    .setNotBefore(now - 120)
    .setExpirationTime(now + 120)
    .sign(key);
}

/** GET/POST on the API with a bearer token; the body parsed. */
export async function api(
  url: string,
  token: string,
  method: string,
  p: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the tests
): Promise<{ status: number; body: any }> {
  const res = await fetch(url + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
