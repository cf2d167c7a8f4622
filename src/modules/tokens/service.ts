// Token endpoint logic: C1's client-credentials flow with an EdDSA client
// assertion (or the raw client secret), and the access tokens it hands out.
import { randomBytes } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import { decodeProtectedHeader, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Db } from '../../db/index.ts';
import { serverSettings, usedAssertions } from '../../db/schema.ts';
import { invalidArgument, pgErrorCode, unauthenticated } from '../../lib/errors.ts';
import { parseClientSecret } from '../clients/secret.ts';
import type { ClientIdentity, ClientRow, ClientsService } from '../clients/service.ts';
import { sourceAllowed } from '../clients/source-cidr.ts';
import type { SystemLogService } from '../systemlog/service.ts';

export type TokenRequest = {
  grant_type?: string;
  client_id?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  client_secret?: string;
};

/** Client credentials from an HTTP Basic header (client_secret_basic). */
export type HeaderCredentials = { clientId: string; clientSecret: string };

/** Who is calling: the client, its user (none for a service client) and the role ids it acts with. */
export type Principal = ClientIdentity;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SKEW_SECONDS = 120;
/** Assertions may not claim to live longer than this (SDKs use 2 minutes). */
const MAX_ASSERTION_LIFETIME = 600;
const ISSUER = 'gatehouse';

/** Tokens whose signature was already checked; bounded, cleared when full. */
const VERIFIED_CACHE_MAX = 10_000;

const given = (v: string | undefined): boolean => v !== undefined && v !== '';

/**
 * The form with the header's credentials. RFC 6749 §2.3: one authentication method
 * per request, so a secret or an assertion in the form as well is refused; a
 * client_id in the form may repeat the header's (some libraries send it), not differ.
 */
function withHeaderCredentials(form: TokenRequest, basic: HeaderCredentials): TokenRequest {
  if (given(form.client_secret) || given(form.client_assertion)) {
    throw invalidArgument(
      'invalid_request: client credentials in both the Authorization header and the body; send them in one place',
    );
  }
  if (given(form.client_id) && form.client_id !== basic.clientId) {
    throw invalidArgument('invalid_request: client_id in the body is not the one in the Authorization header');
  }
  return { ...form, client_id: basic.clientId, client_secret: basic.clientSecret };
}

export class TokensService {
  private signingKey?: Uint8Array;
  /** token → its claims, once verified: HMAC checking through WebCrypto costs ~0.2 ms a request. */
  private readonly verified = new Map<string, { tid: string; sub: string; exp: number }>();

  constructor(
    private readonly db: Db,
    private readonly clients: ClientsService,
    private readonly ttlSeconds: number,
    /** Host names always accepted as `aud`, besides the request's own. */
    private readonly publicHosts: string[],
    private readonly systemLog: SystemLogService,
  ) {}

  /** Loads (or creates, once for all servers) the key that signs access tokens. */
  async init(): Promise<void> {
    await this.db
      .insert(serverSettings)
      .values({ key: 'access_token_hs256_key', value: randomBytes(32).toString('base64url') })
      .onConflictDoNothing();
    const rows = await this.db.select().from(serverSettings).where(sql`${serverSettings.key} = 'access_token_hs256_key'`);
    this.signingKey = Buffer.from(rows[0].value, 'base64url');
  }

  /**
   * Every failure is the same 401: the caller never learns which part was wrong (a request
   * from outside the client's allowSourceCidr included). Credentials come from the form, or
   * from an HTTP Basic header (`basic`), not both. `sourceIp` is the request's address as
   * Fastify reads it (`req.ip`, which honours GATEHOUSE_TRUST_PROXY).
   */
  async issue(
    form: TokenRequest,
    requestHost: string,
    basic?: HeaderCredentials,
    sourceIp = '',
    /** The request's id (Fastify's req.id), for the system log. */
    requestId = '',
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    const req = basic ? withHeaderCredentials(form, basic) : form;
    const client = await this.authenticate(req, requestHost, sourceIp).catch(() => undefined);
    if (!client) {
      // In the system log of the client's tenant when the client is known (the route logs every failure to pino).
      const known = req.client_id ? await this.clients.findActive(req.client_id) : undefined;
      if (known) await this.audit(known, false, sourceIp, requestId);
      throw unauthenticated('invalid client credentials');
    }
    await this.clients.recordUse(client.tenantId, client.id);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tid: client.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(client.id)
      .setJti(randomBytes(12).toString('hex'))
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.key());
    await this.audit(client, true, sourceIp, requestId);
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds };
  }

  private audit(client: ClientRow, ok: boolean, ip: string, requestId: string): Promise<void> {
    const outcome = { ok, clientId: client.id, userId: client.userId ?? undefined, ip, requestId };
    return this.systemLog.authentication(client.tenantId, ok ? outcome : { ...outcome, reason: 'invalid client credentials' });
  }

  private async authenticate(req: TokenRequest, requestHost: string, sourceIp: string): Promise<ClientRow | undefined> {
    if (req.grant_type !== 'client_credentials' || !req.client_id) return undefined;
    const client = await this.clients.findActive(req.client_id);
    // Checked before the assertion, so a request from elsewhere does not use up its nonce.
    if (!client || !sourceAllowed(client.allowSourceCidr, sourceIp)) return undefined;
    if (req.client_assertion !== undefined) {
      if (req.client_assertion_type !== ASSERTION_TYPE) return undefined;
      return (await this.checkAssertion(client, req.client_assertion, requestHost)) ? client : undefined;
    }
    if (req.client_secret !== undefined) {
      const jwk = parseClientSecret(req.client_secret);
      return jwk && jwk.x === client.publicKey ? client : undefined;
    }
    return undefined;
  }

  private async checkAssertion(client: ClientRow, assertion: string, requestHost: string): Promise<boolean> {
    const header = decodeProtectedHeader(assertion);
    if (header.alg !== 'EdDSA') return false;
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: client.publicKey }, 'EdDSA');
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: ['EdDSA'],
      issuer: client.id,
      subject: client.id,
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ['exp', 'iat', 'aud'],
    });
    if (!(await this.audienceOk(client, payload, requestHost))) return false;
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (iat > now + SKEW_SECONDS || exp - iat > MAX_ASSERTION_LIFETIME) return false;
    const nonce = typeof payload.jti === 'string' ? payload.jti : typeof header.nonce === 'string' ? header.nonce : undefined;
    // An assertion is single-use: its id is remembered until it can no longer be valid.
    const replayKey = `${client.id}|${nonce ?? assertion.slice(-86)}`;
    try {
      await this.db
        .insert(usedAssertions)
        .values({ key: replayKey, tenantId: client.tenantId, expiresAt: new Date((exp + SKEW_SECONDS) * 1000) });
    } catch (err) {
      if (pgErrorCode(err) === '23505') return false;
      throw err;
    }
    return true;
  }

  private async audienceOk(client: ClientRow, payload: JWTPayload, requestHost: string): Promise<boolean> {
    const auds = (Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : []).map((a) =>
      String(a).toLowerCase(),
    );
    if (auds.some((a) => a === requestHost.toLowerCase() || this.publicHosts.includes(a))) return true;
    // Slower path (one tenant lookup): the other names the client may have used.
    const accepted = await this.clients.audiencesOf(client, requestHost);
    return auds.some((a) => accepted.has(a));
  }

  /** The principal of a bearer token, or UNAUTHENTICATED. */
  async verify(token: string): Promise<Principal> {
    let claims = this.verified.get(token);
    // Expiry is checked on every use, as jwtVerify would (expired once exp <= now).
    if (claims && claims.exp <= Math.floor(Date.now() / 1000)) {
      this.verified.delete(token);
      claims = undefined;
    }
    if (!claims) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, this.key(), { algorithms: ['HS256'], issuer: ISSUER }));
      } catch {
        throw unauthenticated('invalid or expired access token');
      }
      const { tid, sub, exp } = payload as JWTPayload & { tid?: unknown };
      if (typeof tid !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
        throw unauthenticated('invalid or expired access token');
      }
      claims = { tid, sub, exp };
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
      this.verified.set(token, claims);
    }
    // Roles, revocation, expiry and the user's status are not cached here: identity() has its own short-lived cache.
    const identity = await this.clients.identity(claims.sub);
    if (!identity || identity.tenantId !== claims.tid) throw unauthenticated('client revoked, expired or its user disabled');
    await this.clients.recordUse(identity.tenantId, identity.clientId);
    return identity;
  }

  /** Forgets assertions that have expired; run by the background sweep. */
  async pruneUsedAssertions(): Promise<void> {
    await this.db.delete(usedAssertions).where(lt(usedAssertions.expiresAt, new Date()));
  }

  private key(): Uint8Array {
    if (!this.signingKey) throw new Error('TokensService.init() was not called');
    return this.signingKey;
  }
}
