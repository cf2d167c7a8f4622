// HTTPS with GATEHOUSE_TLS_CERT/KEY on a real `gatehouse serve` process, with a
// self-signed certificate made here by openssl; plus the metrics port of that process.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClientSecret } from '../../src/modules/clients/secret.ts';
import { migratedDataDir } from '../helpers/infra.ts';
import { createDatabase, freePort, request, type Seed, type Spawned, seed, spawnServer } from './spawn.ts';

describe('HTTPS server process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  let ca: string;
  let server: Spawned;
  let creds: Seed;
  let metricsPort: number;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = fs.readFileSync(certFile, 'utf8');
    // PostgreSQL when available (quicker to start); PGlite on disk otherwise.
    let dbEnv: Record<string, string> = { GATEHOUSE_DATA_DIR: path.join(dir, 'data') };
    if (process.env.TEST_DATABASE_URL) {
      const db = await createDatabase(process.env.TEST_DATABASE_URL, 'gh_tls');
      drop = db.drop;
      dbEnv = { DATABASE_URL: db.url };
    } else await migratedDataDir(dbEnv.GATEHOUSE_DATA_DIR);
    creds = await seed(dbEnv, 1);
    metricsPort = await freePort();
    server = await spawnServer({
      env: { ...dbEnv, GATEHOUSE_TLS_CERT: certFile, GATEHOUSE_TLS_KEY: keyFile, GATEHOUSE_METRICS_PORT: String(metricsPort) },
      ca,
      readyTimeoutMs: 120_000,
    });
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('speaks HTTPS with the configured certificate and nothing else on that port', async () => {
    expect(server.url).toMatch(/^https:/);
    expect((await request(`${server.url}/healthz`, { ca })).body).toEqual({ status: 'ok' });
    // Without trusting the self-signed certificate, the client refuses it: it really is that certificate.
    await expect(request(`${server.url}/healthz`)).rejects.toThrow(/self[- ]signed/i);
    // Plain HTTP on the TLS port gets no answer.
    const plain = await request(`http://127.0.0.1:${server.port}/healthz`).catch((e: Error) => e);
    expect(plain instanceof Error ? 'error' : plain.status).not.toBe(200);
  });

  it('issues tokens over HTTPS (client secret and C1 SDK client assertion) and serves the API', async () => {
    const bySecret = await request(`${server.url}/auth/v1/token`, {
      ca,
      form: { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret },
    });
    expect(bySecret.status).toBe(200);

    const jwk = parseClientSecret(creds.clientSecret);
    if (!jwk) throw new Error('bad secret');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', nonce: randomBytes(16).toString('hex') })
      .setIssuer(creds.clientId)
      .setSubject(creds.clientId)
      .setAudience(['127.0.0.1'])
      .setIssuedAt(now)
      .setNotBefore(now - 120)
      .setExpirationTime(now + 120)
      .sign(await importJWK(jwk, 'EdDSA'));
    const byAssertion = await request(`${server.url}/auth/v1/token`, {
      ca,
      form: {
        grant_type: 'client_credentials',
        client_id: creds.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    });
    expect(byAssertion.status).toBe(200);
    expect(byAssertion.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });

    const headers = { authorization: `Bearer ${byAssertion.body.access_token}` };
    const created = await request(`${server.url}/api/v1/apps`, {
      ca,
      headers,
      json: { displayName: 'Over TLS', owners: creds.userIds },
    });
    expect(created.status).toBe(200);
    const got = await request(`${server.url}/api/v1/apps/${created.body.app.id}`, { ca, headers });
    expect(got.status).toBe(200);
    expect(got.body.app.displayName).toBe('Over TLS');
    expect(got.body.app.appOwners.map((u: { id: string }) => u.id)).toEqual(creds.userIds);
  });

  it('serves /metrics on GATEHOUSE_METRICS_PORT (plain HTTP, unauthenticated) and not on the API port', async () => {
    const res = await request(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/gatehouse_http_requests_total\{[^}]*route="\/auth\/v1\/token"[^}]*\} 2/);
    expect((await request(`${server.url}/metrics`, { ca })).status).toBe(404);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.errors()).toEqual([]);
  });
});
