// POST /auth/v1/token as C1's SDKs use it: a secret made by `clients create`
// decoded both SDK ways, an EdDSA assertion signed as the README describes, and the
// curl path with client_secret. Every refusal is the same 401.
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Res, startServer, type TestServer } from '../helpers/server.ts';
import {
  assertionForm,
  bearer,
  type Creds,
  claimsFor,
  decodeLikeGoSdk,
  decodeLikeTypeScriptSdk,
  type Jwk,
  nonce,
  postToken,
  signAssertion,
  unsigned,
} from './sdk.ts';

const PUBLIC_HOST = 'gatehouse.example.org';
const REFUSED = { code: 16, message: 'invalid client credentials', details: [] };

const otherKey = (): Jwk => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;

describe.each(backends)('token endpoint on %s', (backend) => {
  let s: TestServer;
  let host: string;
  let creds: Creds;
  const newClient = async (role = 'admin'): Promise<Creds> => {
    const tenant = s.admin.tenant;
    return s.core.services.clients.create(tenant, 'sdk test', role);
  };
  const expectRefused = (res: Res, what: string) => {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(401);
    expect(res.body, what).toEqual(REFUSED);
  };
  const sdkToken = async (c: Creds) => {
    const res = await postToken(s, assertionForm(c.clientId, await signAssertion(c, host)));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.access_token as string;
  };

  beforeAll(async () => {
    s = await startServer(backend, { GATEHOUSE_PUBLIC_HOSTS: PUBLIC_HOST });
    host = new URL(s.url).hostname;
    creds = await newClient();
  });
  afterAll(async () => s?.close());

  it('issues a secret both SDK decoders read, and a client id of C1 form', () => {
    expect(creds.clientId).toMatch(/^[a-z]+-[a-z]+-[0-9]+@[^/@]+\/pcc$/);
    const tail = creds.clientSecret.split(':')[3];
    expect(creds.clientSecret.startsWith('secret-token:conductorone.com:v1:')).toBe(true);
    expect(tail).not.toMatch(/[+/=_-]/);
    const ts = decodeLikeTypeScriptSdk(creds.clientSecret);
    const go = decodeLikeGoSdk(creds.clientSecret);
    expect(go).toEqual(ts);
    expect(Object.keys(ts)).toEqual(['kty', 'crv', 'x', 'd']);
    expect(ts).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('accepts the exact SDK flow and the token opens the API', async () => {
    const assertion = await signAssertion(creds, host);
    const [header] = assertion.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const res = await postToken(s, assertionForm(creds.clientId, assertion));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const apps = await s.fetch('/api/v1/apps', { headers: bearer(res.body.access_token) });
    expect(apps.status).toBe(200);
    expect(apps.body).toEqual({ list: expect.any(Array), nextPageToken: expect.any(String) });
  });

  it('accepts an audience listed in GATEHOUSE_PUBLIC_HOSTS', async () => {
    const res = await postToken(s, assertionForm(creds.clientId, await signAssertion(creds, host, { aud: [PUBLIC_HOST] })));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('accepts client_secret (curl) in standard, padded and URL-safe base64', async () => {
    const jwk = decodeLikeTypeScriptSdk(creds.clientSecret);
    // A `kid` of tildes and a space puts + or / into standard base64 and padding at its end.
    let json = '';
    let std = '';
    for (let pad = 0; pad < 6 && !(/[+/]/.test(std) && std.endsWith('=')); pad++) {
      json = `{"kty":"OKP","crv":"Ed25519","x":"${jwk.x}","d":"${jwk.d}","kid":"~~~?>"${' '.repeat(pad)}}`;
      std = Buffer.from(json).toString('base64');
    }
    expect(std).toMatch(/[+/]/);
    expect(std).toMatch(/=$/);
    const url = Buffer.from(json).toString('base64url');
    expect(url).toMatch(/[-_]/);
    const prefix = 'secret-token:conductorone.com:v1:';
    const variants = {
      'as issued': creds.clientSecret,
      'standard, padded': prefix + std,
      'standard, unpadded': prefix + std.replace(/=+$/, ''),
      'URL-safe': prefix + url,
      'URL-safe, padded': prefix + url + '='.repeat((4 - (url.length % 4)) % 4),
    };
    for (const [what, secret] of Object.entries(variants)) {
      const res = await postToken(s, { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: secret });
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.token_type).toBe('Bearer');
      expect(typeof res.body.expires_in).toBe('number');
      expect((await s.fetch('/api/v1/users', { headers: bearer(res.body.access_token) })).status).toBe(200);
    }
  });

  it('refuses every bent assertion with the same 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await newClient();
    const cases: [string, () => Promise<string>, string?][] = [
      ['wrong aud', () => signAssertion(creds, host, { aud: ['evil.example.com'] })],
      ['expired', () => signAssertion(creds, host, { iat: now - 600, nbf: now - 600, exp: now - 300 })],
      ['nbf 5 minutes ahead', () => signAssertion(creds, host, { iat: now, nbf: now + 300, exp: now + 400 })],
      ['iat 5 minutes ahead', () => signAssertion(creds, host, { iat: now + 300, nbf: now - 120, exp: now + 400 })],
      ['claims to live for a day', () => signAssertion(creds, host, { exp: now + 86_400 })],
      ['signed with another key', () => signAssertion(creds, host, { jwk: otherKey() })],
      ['iss of another client', () => signAssertion(creds, host, { iss: other.clientId })],
      ['sub of another client', () => signAssertion(creds, host, { sub: other.clientId })],
      ['another client signing as itself', () => signAssertion(other, host)],
      ['alg none', async () => unsigned({ alg: 'none', nonce: nonce() }, claimsFor(creds, host))],
      [
        'HS256 keyed with the public key',
        async () => {
          const x = Buffer.from(decodeLikeTypeScriptSdk(creds.clientSecret).x, 'base64url');
          return new SignJWT(claimsFor(creds, host)).setProtectedHeader({ alg: 'HS256', nonce: nonce() }).sign(x);
        },
      ],
      ['garbage', async () => 'not-a-jwt'],
      ['three garbage parts', async () => 'a.b.c'],
      ['empty', async () => ''],
    ];
    for (const [what, make] of cases) {
      expectRefused(await postToken(s, assertionForm(creds.clientId, await make())), what);
    }
    // None of these used up anything: the good assertion still works.
    await sdkToken(creds);
  });

  it('accepts an assertion once: a replay, or a new one with the same nonce, is refused', async () => {
    const n = nonce();
    const assertion = await signAssertion(creds, host, { nonce: n });
    expect((await postToken(s, assertionForm(creds.clientId, assertion))).status).toBe(200);
    expectRefused(await postToken(s, assertionForm(creds.clientId, assertion)), 'replayed assertion');
    const sameNonce = await signAssertion(creds, host, { nonce: n, iat: Math.floor(Date.now() / 1000) - 1 });
    expect(sameNonce).not.toBe(assertion);
    expectRefused(await postToken(s, assertionForm(creds.clientId, sameNonce)), 'same nonce');
  });

  it('refuses bad forms, unknown clients, wrong grant types and bad secrets with the same 401', async () => {
    const good = () => signAssertion(creds, host);
    const other = await newClient();
    const cases: [string, Record<string, string> | (() => Promise<Record<string, string>>)][] = [
      ['unknown client', async () => assertionForm('nobody-1234@localhost/pcc', await good())],
      ['client_id of another client', async () => assertionForm(other.clientId, await good())],
      ['grant_type password', async () => ({ ...assertionForm(creds.clientId, await good()), grant_type: 'password' })],
      ['no grant_type', async () => ({ ...assertionForm(creds.clientId, await good()), grant_type: '' })],
      [
        'wrong assertion type',
        async () => ({ ...assertionForm(creds.clientId, await good()), client_assertion_type: 'urn:x:saml2' }),
      ],
      ['no client_id', async () => ({ ...assertionForm(creds.clientId, await good()), client_id: '' })],
      ['nothing', {}],
      ['no assertion and no secret', { grant_type: 'client_credentials', client_id: creds.clientId }],
      [
        'secret of another client',
        { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: other.clientSecret },
      ],
      [
        'secret with another prefix',
        {
          grant_type: 'client_credentials',
          client_id: creds.clientId,
          client_secret: creds.clientSecret.replace('conductorone.com', 'example.com'),
        },
      ],
      [
        'secret with bad characters',
        { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: `${creds.clientSecret}!` },
      ],
      [
        'secret with base64 characters appended',
        { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: `${creds.clientSecret}A` },
      ],
      [
        'secret whose d is not x',
        {
          grant_type: 'client_credentials',
          client_id: creds.clientId,
          client_secret: `secret-token:conductorone.com:v1:${Buffer.from(
            JSON.stringify({ ...decodeLikeTypeScriptSdk(creds.clientSecret), d: otherKey().d }),
          ).toString('base64')}`,
        },
      ],
      [
        'over-long client_id',
        { grant_type: 'client_credentials', client_id: 'x'.repeat(5000), client_secret: creds.clientSecret },
      ],
      [
        'NUL in client_id',
        { grant_type: 'client_credentials', client_id: `${creds.clientId}\u0000`, client_secret: creds.clientSecret },
      ],
    ];
    for (const [what, form] of cases) {
      expectRefused(await postToken(s, typeof form === 'function' ? await form() : form), what);
    }
    // Malformed bodies: repeated fields, text, JSON with wrong types, nothing at all.
    const raw = async (body: string, contentType: string) =>
      s.fetch('/auth/v1/token', { method: 'POST', headers: { 'content-type': contentType }, body });
    const assertion = await good();
    const form = new URLSearchParams(assertionForm(creds.clientId, assertion));
    expectRefused(
      await raw(`${form}&client_id=${encodeURIComponent(other.clientId)}`, 'application/x-www-form-urlencoded'),
      'client_id twice',
    );
    expectRefused(await raw('grant_type=client_credentials&client_id', 'application/x-www-form-urlencoded'), 'truncated form');
    expectRefused(await raw('%%%=%%%', 'application/x-www-form-urlencoded'), 'bad percent-encoding');
    expectRefused(await raw('', 'application/x-www-form-urlencoded'), 'empty form');
    expectRefused(await raw('client_id=x', 'text/plain'), 'text body');
    expectRefused(
      await raw(JSON.stringify({ grant_type: 'client_credentials', client_id: [creds.clientId] }), 'application/json'),
      'JSON with a list',
    );
    expectRefused(await s.fetch('/auth/v1/token', { method: 'POST' }), 'no body at all');
  });

  it('stops a revoked client: its assertions, its secret and the tokens it already has', async () => {
    const c = await newClient();
    const token = await sdkToken(c);
    expect((await s.fetch('/api/v1/apps', { headers: bearer(token) })).status).toBe(200);
    const tenant = s.admin.tenant;
    await s.core.services.clients.revoke(tenant.id, c.clientId);
    const after = await s.fetch('/api/v1/apps', { headers: bearer(token) });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 16, details: [] });
    expectRefused(await postToken(s, assertionForm(c.clientId, await signAssertion(c, host))), 'revoked, assertion');
    expectRefused(
      await postToken(s, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
      'revoked, secret',
    );
    // Other clients are untouched.
    await sdkToken(creds);
  });
});
