// The tenant keys that sign webhook deliveries (EdDSA, Ed25519), as C1 signs them. Each tenant has
// one current key, made on first use; rotation retires it and makes a new one. GET /auth/v1/jwks
// publishes current keys and retired ones until their last signature has expired. Private
// halves live in the database only: never answered, never logged.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import * as store from './store.ts';

/** A signature is valid for 120 s after it is made (C1's exp − iat). */
export const SIGNATURE_LIFETIME_S = 120;
/** Retired keys stay published for a signature's lifetime plus a minute of clock skew (nbf is iat − 60 s too). */
export const RETIRED_KEY_GRACE_MS = (SIGNATURE_LIFETIME_S + 60) * 1000;

export const sha256 = (body: string | Buffer) => createHash('sha256').update(body).digest();

export type SignRequest = { tenantId: string; issuer: string; url: string; body: string };

export class WebhookKeys {
  private readonly imported = new Map<string, CryptoKey | Uint8Array>();

  constructor(private readonly db: Db) {}

  /** The tenant's current key, made when it has none (two servers at once make one: the unique index). */
  async current(tenantId: string): Promise<store.KeyRow> {
    const found = await store.currentKey(this.db, tenantId);
    if (found) return found;
    await store.insertCurrentKey(this.db, { tenantId, ...newKeyPair() });
    const made = await store.currentKey(this.db, tenantId);
    if (!made) throw new Error('webhook key: none after insert');
    return made;
  }

  /** Retires the tenant's current key and makes a new one, in one transaction; answers the new kid. */
  async rotate(tenantId: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      await store.retireCurrentKey(tx, tenantId);
      const key = newKeyPair();
      await store.insertCurrentKey(tx, { tenantId, ...key });
      return key.kid;
    });
  }

  /** The JWK Set: every tenant's published keys, or one tenant's. */
  async jwks(tenantId?: string): Promise<{ keys: JWK[] }> {
    return { keys: (await store.publishedKeys(this.db, RETIRED_KEY_GRACE_MS, tenantId)) as JWK[] };
  }

  /** Drops private keys whose signatures have all expired (a background job). */
  pruneRetired(): Promise<void> {
    return store.deleteExpiredKeys(this.db, RETIRED_KEY_GRACE_MS);
  }

  /** The `Authorization` JWT of one delivery: C1's claims, bound to the method, URL and exact body. */
  async sign(req: SignRequest): Promise<string> {
    const key = await this.current(req.tenantId);
    let priv = this.imported.get(key.kid);
    if (!priv) {
      priv = await importJWK(key.privateJwk as JWK, 'EdDSA');
      this.imported.set(key.kid, priv);
    }
    const url = new URL(req.url);
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({
      c1typ: 'wh',
      htm: 'POST',
      htu: `${url.origin}${url.pathname}`,
      htb_s256: sha256(req.body).toString('base64url'),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setIssuer(req.issuer)
      .setAudience(url.hostname)
      .setIssuedAt(iat)
      .setNotBefore(iat - 60)
      .setExpirationTime(iat + SIGNATURE_LIFETIME_S)
      .setJti(newId())
      .sign(priv);
  }
}

function newKeyPair(): { kid: string; publicJwk: Record<string, string>; privateJwk: Record<string, string> } {
  const kid = newId();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const priv = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return {
    kid,
    publicJwk: { kty: pub.kty, crv: pub.crv, x: pub.x, kid, alg: 'EdDSA', use: 'sig' },
    privateJwk: { kty: priv.kty, crv: priv.crv, x: priv.x, d: priv.d, kid },
  };
}
