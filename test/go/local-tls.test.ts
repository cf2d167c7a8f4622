// Local TLS in one step (`gatehouse tls init`, GATEHOUSE_TLS=auto), and the whole path a
// Go-based C1 tool takes on a default install: client id → https URL → token with a
// signed assertion → API calls, by a client that trusts only the generated CA.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls, localTlsFiles } from '../../src/tls/local-ca.ts';
import { assertionForm, decodeLikeGoSdk, signAssertion } from '../auth/sdk.ts';
import { expectCode, freePort, gatehouse, type ServeProc, startServe, tempDir } from '../cli/proc.ts';
import { migratedDataDir } from '../helpers/infra.ts';
import { ApiClient, request } from '../ops/spawn.ts';
import { goSdkView } from './go-sdk.ts';

const mode = (f: string) => fs.statSync(f).mode & 0o777;
const read = (f: string) => fs.readFileSync(f, 'utf8');
const sans = (pem: string) => new X509Certificate(pem).subjectAltName?.split(', ') ?? [];

describe('the local CA (src/tls/local-ca.ts)', () => {
  const dir = tempDir('gh-ca-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = localTlsFiles(dir);

  it('creates a CA and a server certificate it signed, keys mode 0600 in a 0700 directory', async () => {
    const r = await ensureLocalTls(dir, ['127.0.0.1']);
    expect(r.wrote).toBe('all');
    expect(mode(f.dir)).toBe(0o700);
    expect(mode(f.caKey)).toBe(0o600);
    expect(mode(f.key)).toBe(0o600);
    const ca = new X509Certificate(read(f.caCert));
    const server = new X509Certificate(read(f.cert));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(sans(read(f.cert))).toEqual(['IP Address:127.0.0.1', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1']);
    // The certificate file is the chain (server, CA) and holds no key.
    expect(read(f.cert)).toContain(read(f.caCert).trim());
    expect(read(f.cert)).not.toContain('PRIVATE KEY');
  });

  it('changes nothing on an existing setup; reports names the certificate lacks', async () => {
    const before = [f.caCert, f.caKey, f.cert, f.key].map(read);
    expect((await ensureLocalTls(dir, ['127.0.0.1'])).wrote).toBe('nothing');
    const r = await ensureLocalTls(dir, ['gh.example.org']);
    expect(r).toMatchObject({ wrote: 'nothing', missing: ['gh.example.org'] });
    expect([f.caCert, f.caKey, f.cert, f.key].map(read)).toEqual(before);
  });

  it('renew (serve) reissues the server certificate for a new host from the same CA, keeping the old names', async () => {
    const ca = read(f.caCert);
    const caKey = read(f.caKey);
    const r = await ensureLocalTls(dir, ['gh.example.org'], { renew: true });
    expect(r.wrote).toBe('server');
    expect(read(f.caCert)).toBe(ca);
    expect(read(f.caKey)).toBe(caKey);
    expect(sans(read(f.cert))).toEqual(expect.arrayContaining(['DNS:gh.example.org', 'IP Address:127.0.0.1', 'DNS:localhost']));
    expect(new X509Certificate(read(f.cert)).checkIssued(new X509Certificate(ca))).toBe(true);
    expect(mode(f.key)).toBe(0o600);
  });

  it('force makes a new CA; half a CA is refused', async () => {
    const ca = read(f.caCert);
    expect((await ensureLocalTls(dir, ['127.0.0.1'], { force: true })).wrote).toBe('all');
    expect(read(f.caCert)).not.toBe(ca);
    fs.rmSync(f.caKey);
    await expect(ensureLocalTls(dir, ['127.0.0.1'])).rejects.toThrow(/only half of the local CA.*tls init --force/);
    expect(fs.existsSync(f.caKey)).toBe(false);
  });
});

describe('gatehouse tls init --force', { timeout: 120_000 }, () => {
  const dir = tempDir('gh-force-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a new CA only when asked', async () => {
    const env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data'), GATEHOUSE_PUBLIC_HOST: 'gh.example.org' };
    const first = expectCode(await gatehouse(['tls', 'init'], env), 0).json();
    expect(first.hosts).toEqual(['gh.example.org', '127.0.0.1', 'localhost', '::1']);
    const ca = read(first.caCert);
    const forced = expectCode(await gatehouse(['tls', 'init', '--force'], env), 0);
    expect(forced.json()).toMatchObject({ created: true, caCert: first.caCert });
    expect(forced.stderr).toContain('serves the old certificate until restarted');
    expect(read(first.caCert)).not.toBe(ca);
    expect(new X509Certificate(read(first.cert)).checkIssued(new X509Certificate(read(first.caCert)))).toBe(true);
    // No database was opened for it.
    expect(fs.existsSync(path.join(dir, 'data', 'pgdata'))).toBe(false);
  });
});

describe('Go tools on a default install with `gatehouse tls init` and GATEHOUSE_TLS=auto', { timeout: 300_000 }, () => {
  const dir = tempDir('gh-go-');
  let port: number;
  let env: Record<string, string>;
  let server: ServeProc | undefined;
  let ca = '';
  let caFile = '';
  let offline: { clientId: string; clientSecret: string };
  const cli = (args: string[]) => gatehouse(args, env);

  beforeAll(async () => {
    port = await freePort();
    env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_TLS: 'auto' };
    // The database of a server that started once (tls init itself opens none).
    await migratedDataDir(env.GATEHOUSE_DATA_DIR);
  });
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('tls init creates the CA in the data dir and prints the exact SSL_CERT_FILE line; a second run changes nothing', async () => {
    const first = expectCode(await cli(['tls', 'init']), 0);
    caFile = path.join(dir, 'data', 'tls', 'ca.pem');
    expect(first.json()).toMatchObject({ created: true, caCert: caFile, env: { SSL_CERT_FILE: caFile } });
    expect(first.stderr.split('\n')).toContain(`SSL_CERT_FILE=${caFile}`);
    expect(mode(path.join(dir, 'data', 'tls', 'ca-key.pem'))).toBe(0o600);
    ca = read(caFile);
    const cert = read(path.join(dir, 'data', 'tls', 'server.pem'));
    const second = expectCode(await cli(['tls', 'init']), 0);
    expect(second.json()).toMatchObject({ created: false, caCert: caFile });
    expect(second.stderr).toContain('nothing changed');
    expect(second.stderr.split('\n')).toContain(`SSL_CERT_FILE=${caFile}`);
    expect(read(caFile)).toBe(ca);
    expect(read(path.join(dir, 'data', 'tls', 'server.pem'))).toBe(cert);
  });

  it('clients create with the server down: an id Go tools read as this server, the port serve will use, and notes', async () => {
    const run = expectCode(await cli(['clients', 'create', '--name', 'offline']), 0);
    offline = run.json();
    expect(goSdkView(offline.clientId).host).toBe(`127.0.0.1:${port}`);
    expect(run.stderr).toContain(`note: no running server was asked, so the client id names 127.0.0.1:${port}`);
    expect(run.stderr).toContain('warning: tenant "localhost" has no dot in its domain');
    expect(run.stderr).toContain('set GATEHOUSE_PUBLIC_HOST');
  });

  it('serve prints the URL client ids name, the CA to trust, and the dotless-tenant warning', async () => {
    server = await startServe(env);
    const started = await server.waitForLog((e) => String(e.msg).startsWith('Gatehouse listening on'));
    expect(started.url).toBe(goSdkView(offline.clientId).serverUrl);
    expect(started.msg).toContain(`Gatehouse listening on https://127.0.0.1:${port} `);
    expect(started.sslCertFile).toBe(caFile);
    const warned = await server.waitForLog((e) => e.level === 40 && e.tenant === 'localhost');
    expect(warned.msg).toContain('has no dot in its domain');
    // The certificate tls init made is the one served: only its CA is needed.
    expect((await request(`https://127.0.0.1:${port}/healthz`, { ca })).body).toEqual({ status: 'ok' });
    await expect(request(`https://127.0.0.1:${port}/healthz`)).rejects.toThrow(/self[- ]signed|unable to verify|issuer/i);
  });

  it('a client trusting only the CA follows the Go SDK from the client id: token, then the API (README steps)', async () => {
    const created = expectCode(await cli(['clients', 'create', '--name', 'forwarded']), 0);
    // Forwarded to the server, whose port is known: no guess, same kind of id.
    expect(created.stderr).not.toContain('note:');
    for (const creds of [offline, created.json()]) {
      const go = goSdkView(creds.clientId);
      const assertion = await signAssertion(creds, go.aud, { jwk: decodeLikeGoSdk(creds.clientSecret) });
      const tok = await request(go.tokenUrl, { ca, form: assertionForm(creds.clientId, assertion) });
      expect(tok.status, JSON.stringify(tok.body)).toBe(200);
      expect(Number.isInteger(tok.body.expires_in)).toBe(true);
      expect((await new ApiClient(go.serverUrl, tok.body.access_token, ca).call('GET', '/api/v1/apps')).status).toBe(200);
    }

    const go = goSdkView(offline.clientId);
    const assertion = await signAssertion(offline, go.aud, { jwk: decodeLikeGoSdk(offline.clientSecret) });
    const token = (await request(go.tokenUrl, { ca, form: assertionForm(offline.clientId, assertion) })).body.access_token;
    const api = new ApiClient(go.serverUrl, token, ca);
    const ok = async (method: string, p: string, body?: unknown) => {
      const res = await api.call(method, p, body);
      expect(res.status, `${method} ${p}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    };
    // Identity users come from the CLI (or a CSV import): their ids are what adding takes.
    const user = expectCode(await cli(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Ada']), 0).json();
    const app = (await ok('POST', '/api/v1/apps', { displayName: 'Payroll' })).app;
    const type = (await ok('POST', `/api/v1/apps/${app.id}/resource_types`, { displayName: 'Groups', resourceType: 'GROUP' }))
      .appResourceType;
    const res = (await ok('POST', `/api/v1/apps/${app.id}/resource_types/${type.id}/resources`, { displayName: 'Engineering' }))
      .appResource;
    const ent = (
      await ok('POST', `/api/v1/apps/${app.id}/entitlements`, {
        displayName: 'Member',
        appResourceTypeId: type.id,
        appResourceId: res.id,
      })
    ).appEntitlementView.appEntitlement;
    const base = `/api/v1/apps/${app.id}/entitlements/${ent.id}`;
    expect(await ok('POST', `${base}/add-manual-user`, { userIds: [user.id] })).toEqual({ failedUsersErrorMap: {} });
    // Removing takes the app user id: the account the grant made in the app, listed with the members.
    const members = (await ok('GET', `${base}/users`)).list;
    expect(members).toHaveLength(1);
    const appUser = members[0].appUser.appUser;
    expect(appUser.identityUserId).toBe(user.id);
    expect(appUser.id).not.toBe(user.id);
    const byIdentity = (await ok('GET', `/api/v1/apps/${app.id}/users/${user.id}/app_users`)).list;
    expect(byIdentity.map((v: { appUser: { id: string } }) => v.appUser.id)).toEqual([appUser.id]);
    // The identity user id is not an account of the app.
    const wrong = await api.call('DELETE', `${base}/remove-membership`, { appUserId: user.id });
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(404);
    expect(await ok('DELETE', `${base}/remove-membership`, { appUserId: appUser.id })).toEqual({});
    expect((await ok('GET', `${base}/users`)).list).toEqual([]);
  });
});
