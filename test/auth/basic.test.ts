// POST /auth/v1/token with the client id and secret in an HTTP Basic header
// (client_secret_basic, RFC 6749 §2.3.1): URL-encoded as the RFC says, and raw as
// Swagger UI's Authorize dialog sends them. One method per request; an unreadable
// header is the same 401 as any bad credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicCredentials } from '../../src/http/basic-auth.ts';
import { backends, type Res, startServer, type TestServer } from '../helpers/server.ts';
import { assertionForm, bearer, type Creds, postToken, signAssertion } from './sdk.ts';

const REFUSED = { code: 16, message: 'invalid client credentials', details: [] };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** As RFC 6749 §2.3.1 says: each part form-urlencoded. */
const rfcBasic = (c: Creds) => `Basic ${b64(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`)}`;
/** As Swagger UI does it: btoa(id + ":" + secret), nothing encoded. */
const rawBasic = (c: Creds) => `Basic ${b64(`${c.clientId}:${c.clientSecret}`)}`;
const GRANT = { grant_type: 'client_credentials' };

describe('basicCredentials', () => {
  it('reads encoded and raw credentials, ignores other schemes, and refuses what it cannot read', () => {
    const id = 'wry-otter-1@acme.test:8443/pcc';
    const secret = 'secret-token:conductorone.com:v1:eyJrdHkiOiJPS1Ai+/=';
    const want = { clientId: id, clientSecret: secret };
    expect(basicCredentials(`Basic ${b64(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`)).toEqual(want);
    expect(basicCredentials(`Basic ${b64(`${id}:${secret}`)}`)).toEqual(want);
    expect(basicCredentials(`basic   ${b64(`${id}:${secret}`)}  `)).toEqual(want);
    expect(basicCredentials(`Basic ${b64('plain:pass:word')}`)).toEqual({ clientId: 'plain', clientSecret: 'pass:word' });
    expect(basicCredentials(undefined)).toBeUndefined();
    expect(basicCredentials('Bearer abc')).toBeUndefined();
    for (const bad of ['Basic', 'Basic ', 'Basic !!!', `Basic ${b64('no-colon')}`, `Basic ${b64(':secret')}`]) {
      expect(basicCredentials(bad), bad).toBeNull();
    }
    expect(basicCredentials(`Basic ${b64('id:')}`)).toBeNull();
    expect(basicCredentials(`Basic ${b64('id%ZZ:secret')}`)).toBeNull();
    expect(basicCredentials(`Basic ${Buffer.from([0x69, 0x3a, 0xff, 0xfe]).toString('base64')}`)).toBeNull();
  });
});

describe.each(backends)('token endpoint with HTTP Basic client credentials on %s', (backend) => {
  let s: TestServer;
  let creds: Creds;
  const newClient = async (): Promise<Creds> => {
    const tenant = await s.core.services.tenants.getByDomain('localhost');
    return s.core.services.clients.create(tenant, 'basic test', 'admin');
  };
  const expectToken = async (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(200);
    expect(res.body, what).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(res.headers.get('cache-control'), what).toBe('no-store');
    const apps = await s.fetch('/api/v1/apps', { headers: bearer(res.body.access_token) });
    expect(apps.status, `${what}: the token opens the API`).toBe(200);
  };
  const expectRefused = (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(401);
    expect(res.body, what).toEqual(REFUSED);
  };
  const expectInvalidRequest = (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body, what).toEqual({ code: 3, message: expect.stringMatching(/^invalid_request: /), details: [] });
  };

  beforeAll(async () => {
    s = await startServer(backend);
    creds = await newClient();
    // The port makes the id hold a ":", the case raw Basic must get right.
    expect(creds.clientId).toMatch(/@[^/]+:\d+\/pcc$/);
  });
  afterAll(async () => s?.close());

  it('issues a token for URL-encoded credentials, raw ones (Swagger UI) and with an empty scope', async () => {
    await expectToken(await postToken(s, GRANT, { authorization: rfcBasic(creds) }), 'RFC encoding');
    await expectToken(await postToken(s, GRANT, { authorization: rawBasic(creds) }), 'raw');
    await expectToken(await postToken(s, { ...GRANT, scope: '' }, { authorization: rawBasic(creds) }), 'scope=');
  });

  it('accepts a client_id in the body that repeats the header', async () => {
    await expectToken(
      await postToken(s, { ...GRANT, client_id: creds.clientId }, { authorization: rfcBasic(creds) }),
      'same client_id',
    );
  });

  it('refuses unreadable headers and bad credentials with the same 401', async () => {
    const other = await newClient();
    const cases: [string, string, Record<string, string>?][] = [
      ['Basic and nothing', 'Basic'],
      ['not base64', 'Basic ***'],
      ['no colon', `Basic ${b64(creds.clientId.replace(/:/g, ''))}`],
      ['empty client id', `Basic ${b64(`:${creds.clientSecret}`)}`],
      ['empty secret', `Basic ${b64(`${encodeURIComponent(creds.clientId)}:`)}`],
      ['bad percent-encoding', `Basic ${b64(`${creds.clientId}%G1:${creds.clientSecret}`)}`],
      ['unknown client', rawBasic({ clientId: 'nobody-1@localhost/pcc', clientSecret: creds.clientSecret })],
      ['secret of another client', rawBasic({ clientId: creds.clientId, clientSecret: other.clientSecret })],
      ['secret cut short', rawBasic({ clientId: creds.clientId, clientSecret: creds.clientSecret.slice(0, -4) })],
      ['grant type password', rawBasic(creds), { grant_type: 'password' }],
      ['no grant type', rawBasic(creds), {}],
    ];
    for (const [what, authorization, form] of cases) {
      expectRefused(await postToken(s, form ?? GRANT, { authorization }), what);
    }
  });

  it('refuses credentials in the header and the body together (RFC 6749 §2.3: one method), before checking them', async () => {
    const other = await newClient();
    const header = { authorization: rawBasic(creds) };
    expectInvalidRequest(
      await postToken(s, { ...GRANT, client_id: creds.clientId, client_secret: creds.clientSecret }, header),
      'secret in both',
    );
    expectInvalidRequest(
      await postToken(s, { ...assertionForm(creds.clientId, await signAssertion(creds, 'localhost')) }, header),
      'assertion in the body',
    );
    expectInvalidRequest(await postToken(s, { ...GRANT, client_id: other.clientId }, header), 'another client_id');
  });

  it('ignores an Authorization header of another scheme, as before', async () => {
    await expectToken(
      await postToken(
        s,
        { ...GRANT, client_id: creds.clientId, client_secret: creds.clientSecret },
        { authorization: 'Bearer something' },
      ),
      'Bearer header with body credentials',
    );
  });

  it('stops a revoked client using Basic', async () => {
    const c = await newClient();
    await expectToken(await postToken(s, GRANT, { authorization: rfcBasic(c) }), 'before revoke');
    const tenant = await s.core.services.tenants.getByDomain('localhost');
    await s.core.services.clients.revoke(tenant.id, c.clientId);
    expectRefused(await postToken(s, GRANT, { authorization: rfcBasic(c) }), 'after revoke');
  });
});

describe.each(backends)('token rate limit with HTTP Basic on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { GATEHOUSE_TOKEN_RATE_PER_MINUTE: '3', GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '0' });
  });
  afterAll(async () => s?.close());

  it('counts a client named in the Basic header like one named in the form', async () => {
    const tenant = await s.core.services.tenants.getByDomain('localhost');
    const c = await s.core.services.clients.create(tenant, 'limited', 'admin');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postToken(s, GRANT, { authorization: rawBasic(c) })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const viaForm = await postToken(s, { ...GRANT, client_id: c.clientId, client_secret: c.clientSecret });
    expect(viaForm.status, 'the same client through the form shares the count').toBe(429);
  });
});
