// What C1's SDKs do with a client secret, redone here so the tests hold Gatehouse
// to it: decode the secret (TypeScript SDK: atob; Go SDK: unpadded base64url),
// sign the client assertion, and post it to /auth/v1/token.
import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Res, TestServer } from '../helpers/server.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const PREFIX_PARTS = ['secret-token', 'conductorone.com', 'v1'];

export type Jwk = { kty: string; crv: string; x: string; d: string };
export type Creds = { clientId: string; clientSecret: string };

function parts(secret: string): string {
  const p = secret.split(':');
  if (p.length !== 4 || p.slice(0, 3).join(':') !== PREFIX_PARTS.join(':')) throw new Error(`not a C1 secret: ${secret}`);
  return p[3];
}

/** The TypeScript SDK: `atob` on the tail (standard alphabet, padding optional). */
export function decodeLikeTypeScriptSdk(secret: string): Jwk {
  return JSON.parse(atob(parts(secret))) as Jwk;
}

/** The Go SDK (and cone, Terraform): base64.RawURLEncoding, which refuses + / and =. */
export function decodeLikeGoSdk(secret: string): Jwk {
  const tail = parts(secret);
  if (!/^[A-Za-z0-9_-]*$/.test(tail) || tail.length % 4 === 1) throw new Error('illegal base64url data');
  return JSON.parse(Buffer.from(tail, 'base64url').toString('utf8')) as Jwk;
}

export const nonce = (): string => randomBytes(16).toString('hex');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export type AssertionOptions = {
  aud?: string[] | string;
  iss?: string;
  sub?: string;
  iat?: number;
  nbf?: number;
  exp?: number;
  nonce?: string;
  /** A different private key than the client's. */
  jwk?: Jwk;
};

/** The client assertion exactly as the SDKs build it; options bend one part at a time. */
export async function signAssertion(creds: Creds, host: string, o: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwk = o.jwk ?? decodeLikeTypeScriptSdk(creds.clientSecret);
  const key = await importJWK({ ...jwk }, 'EdDSA');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', nonce: o.nonce ?? nonce() })
    .setIssuer(o.iss ?? creds.clientId)
    .setSubject(o.sub ?? creds.clientId)
    .setAudience(o.aud ?? [host])
    .setIssuedAt(o.iat ?? now)
    .setNotBefore(o.nbf ?? now - 120)
    .setExpirationTime(o.exp ?? now + 120)
    .sign(key);
}

/** An unsigned JWT (`alg: none`) with the given header and claims. */
export const unsigned = (header: object, claims: object): string => `${b64url(header)}.${b64url(claims)}.`;

/** The standard claims of an assertion for this client, for hand-made tokens. */
export function claimsFor(creds: Creds, host: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: creds.clientId, sub: creds.clientId, aud: [host], iat: now, nbf: now - 120, exp: now + 120 };
}

export function postToken(s: TestServer, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> {
  return s.fetch('/auth/v1/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The SDK's token request for an assertion. */
export const assertionForm = (clientId: string, assertion: string): Record<string, string> => ({
  client_id: clientId,
  grant_type: 'client_credentials',
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: assertion,
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
