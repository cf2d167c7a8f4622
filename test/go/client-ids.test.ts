// Client ids C1's Go tools can use, and the audiences the token endpoint accepts so
// that the TypeScript and Python SDKs (pointed at any of the server's names) keep working.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, ConfigError, loadConfig } from '../../src/config.ts';
import { clients } from '../../src/db/schema.ts';
import { clientIdHost, goToolsWarning, publicUrl } from '../../src/modules/clients/public-address.ts';
import { newClientSecret } from '../../src/modules/clients/secret.ts';
import { assertionForm, bearer, type Creds, decodeLikeGoSdk, postToken, signAssertion } from '../auth/sdk.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { goSdkView } from './go-sdk.ts';

const config = (env: Record<string, string>): Config => loadConfig({ GATEHOUSE_TENANT_DOMAIN: 'localhost', ...env });

describe('the client id host, the public URL and the Go tools warning, per configuration', () => {
  // [environment, tenant domain, client id host, URL]
  const cases: Array<[Record<string, string>, string, string, string]> = [
    [{}, 'localhost', '127.0.0.1:8080', 'http://127.0.0.1:8080'],
    [{ PORT: '21443', GATEHOUSE_TLS: 'auto' }, 'localhost', '127.0.0.1:21443', 'https://127.0.0.1:21443'],
    [{}, 'acme.example.com', 'acme.example.com:8080', 'http://acme.example.com:8080'],
    [{}, '10.20.30.40', '10.20.30.40:8080', 'http://10.20.30.40:8080'],
    [{ GATEHOUSE_PUBLIC_HOST: 'gh.example.org' }, 'localhost', 'gh.example.org:8080', 'http://gh.example.org:8080'],
    [{ GATEHOUSE_PUBLIC_HOST: 'gh.example.org' }, 'acme.example.com', 'gh.example.org:8080', 'http://gh.example.org:8080'],
    [
      { GATEHOUSE_PUBLIC_HOST: 'gh.example.org', GATEHOUSE_PUBLIC_PORT: '443' },
      'localhost',
      'gh.example.org',
      'https://gh.example.org',
    ],
    [
      { GATEHOUSE_PUBLIC_HOST: '192.168.1.9', PORT: '8443', GATEHOUSE_TLS: 'auto' },
      'x',
      '192.168.1.9:8443',
      'https://192.168.1.9:8443',
    ],
    // A tenant stored with a port before ports were refused keeps it.
    [{}, 'old.example.com:9000', 'old.example.com:9000', 'http://old.example.com:9000'],
  ];
  it.each(cases)('%j, tenant %s → %s', (env, domain, host, url) => {
    const c = config(env);
    expect(clientIdHost(c, domain)).toBe(host);
    expect(publicUrl(c, domain)).toBe(url);
    const go = goSdkView(`amber-badger-1@${clientIdHost(c, domain)}/pcc`);
    expect(go.serverUrl).toBe(url.replace(/^http:/, 'https:'));
  });

  it('warns about a dotless tenant domain, saying what to set, unless GATEHOUSE_PUBLIC_HOST is set', () => {
    const w = goToolsWarning(config({}), 'localhost');
    expect(w).toContain('tenant "localhost" has no dot');
    expect(w).toContain('(localhost.conductor.one)');
    expect(w).toContain('client ids use 127.0.0.1:8080');
    expect(w).toContain('set GATEHOUSE_PUBLIC_HOST');
    expect(goToolsWarning(config({}), 'acme.example.com')).toBeUndefined();
    expect(goToolsWarning(config({}), '10.0.0.1')).toBeUndefined();
    expect(goToolsWarning(config({ GATEHOUSE_PUBLIC_HOST: 'gh.example.org' }), 'localhost')).toBeUndefined();
    const dotless = goToolsWarning(config({ GATEHOUSE_PUBLIC_HOST: 'gatehouse' }), 'acme.example.com');
    expect(dotless).toContain('GATEHOUSE_PUBLIC_HOST "gatehouse" has no dot');
    // The Go SDK refuses exactly those hosts.
    expect(() => goSdkView('amber-badger-1@gatehouse:8080/pcc')).toThrow(/gatehouse:8080.conductor.one/);
    expect(() => goSdkView('amber-badger-1@localhost:8080/pcc')).toThrow(/read as a C1 tenant/);
  });

  it('refuses a public host with a port or a scheme, an unknown GATEHOUSE_TLS, and auto with certificate files', () => {
    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ GATEHOUSE_PUBLIC_HOST: 'gh.example.org:8443' }, /GATEHOUSE_PUBLIC_HOST must not contain a port.*GATEHOUSE_PUBLIC_PORT/],
      [{ GATEHOUSE_PUBLIC_HOST: 'https://gh.example.org' }, /GATEHOUSE_PUBLIC_HOST must be a host name or IP address/],
      [{ GATEHOUSE_TLS: 'yes' }, /GATEHOUSE_TLS must be auto or off, got "yes"/],
      [{ GATEHOUSE_TLS: 'auto', GATEHOUSE_TLS_CERT: 'c.pem', GATEHOUSE_TLS_KEY: 'k.pem' }, /exclude each other/],
    ];
    for (const [env, message] of refused) {
      expect(() => config(env)).toThrow(ConfigError);
      expect(() => config(env)).toThrow(message);
    }
    expect(config({ GATEHOUSE_PUBLIC_HOST: ' GH.Example.ORG ' }).publicHost).toBe('gh.example.org');
    expect(config({ GATEHOUSE_TLS: 'off' }).tlsAuto).toBe(false);
  });
});

describe.each(backends)('client ids and token audiences on %s', (backend) => {
  describe('a default install', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServer(backend);
    });
    afterAll(async () => s?.close());

    const create = async (domain = 'localhost'): Promise<Creds> =>
      s.core.services.clients.create(await s.core.services.tenants.ensure(domain), 'go', 'admin');
    const tokenWith = async (c: Creds, aud: string) =>
      postToken(s, assertionForm(c.clientId, await signAssertion(c, aud, { jwk: decodeLikeGoSdk(c.clientSecret) })));

    it('issues client ids the Go SDK reads as this server', async () => {
      const c = await create();
      const go = goSdkView(c.clientId);
      expect(go.host).toBe('127.0.0.1:8080');
      expect(go.serverUrl).toBe('https://127.0.0.1:8080');
      expect(go.aud).toBe('127.0.0.1');
      expect(goSdkView((await create('acme.example.com')).clientId).host).toBe('acme.example.com:8080');
    });

    it('accepts the Go SDK audience and the names the TypeScript SDK may have used; refuses others', async () => {
      const c = await create();
      // Requests reach this server at 127.0.0.1; localhost names the same machine.
      for (const aud of [goSdkView(c.clientId).aud, 'localhost', '127.0.0.1']) {
        const res = await tokenWith(c, aud);
        expect(res.status, `${aud}: ${JSON.stringify(res.body)}`).toBe(200);
        const apps = await s.fetch('/api/v1/apps', { headers: bearer(res.body.access_token) });
        expect(apps.status).toBe(200);
      }
      for (const aud of ['gh.example.org', 'acme.example.com', 'localhost.conductor.one']) {
        expect((await tokenWith(c, aud)).status, aud).toBe(401);
      }
    });

    it('keeps clients whose ids were made before (tenant domain and port in the id) working', async () => {
      const tenant = await s.core.services.tenants.getByDomain('localhost');
      const { secret, publicKey } = newClientSecret();
      const old = { clientId: `hardy-dingo-${randomBytes(4).toString('hex')}@localhost:8080/pcc`, clientSecret: secret };
      await s.core.database.db
        .insert(clients)
        .values({ tenantId: tenant.id, id: old.clientId, name: 'old', role: 'admin', publicKey });
      // The TypeScript SDK signs for its serverURL's host (here localhost, as before).
      const res = await tokenWith(old, 'localhost');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await s.fetch('/api/v1/apps', { headers: bearer(res.body.access_token) })).status).toBe(200);
    });
  });

  describe('with GATEHOUSE_PUBLIC_HOST', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServer(backend, { GATEHOUSE_PUBLIC_HOST: 'gh.example.org', GATEHOUSE_PUBLIC_PORT: '443' });
    });
    afterAll(async () => s?.close());

    it('names the public host in every tenant’s client ids and accepts it, the tenant domain and loopback names as aud', async () => {
      const acme = await s.core.services.tenants.ensure('acme.example.com');
      const local = await s.core.services.tenants.getByDomain('localhost');
      for (const tenant of [acme, local]) {
        const c = await s.core.services.clients.create(tenant, 'go', 'admin');
        const go = goSdkView(c.clientId);
        expect(go.host).toBe('gh.example.org');
        expect(go.aud).toBe('gh.example.org');
        const auds = ['gh.example.org', tenant.domain, 'localhost', '127.0.0.1'];
        for (const aud of auds) {
          const res = await postToken(s, assertionForm(c.clientId, await signAssertion(c, aud)));
          expect(res.status, `${tenant.domain} ${aud}: ${JSON.stringify(res.body)}`).toBe(200);
        }
        // Another tenant's domain is no name of this client.
        const other = tenant === acme ? 'beta.example.com' : 'acme.example.com';
        expect((await postToken(s, assertionForm(c.clientId, await signAssertion(c, other)))).status).toBe(401);
      }
    });
  });
});
