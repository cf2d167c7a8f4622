// Client secrets in C1's format: `secret-token:conductorone.com:v1:` + base64 of
// the compact JSON of an Ed25519 private JWK. Both C1 SDK decoders (atob, and Go's
// unpadded base64url) must read it; see ../shared/c1-api/README.md.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomInt } from 'node:crypto';

const PREFIX = 'secret-token:conductorone.com:v1:';

export type Ed25519Jwk = { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };

/** A new key pair and its secret text; the tail never contains + / - _ =. */
export function newClientSecret(): { secret: string; publicKey: string } {
  for (;;) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
    // Exactly this key order and no spaces: 129 bytes, so no padding.
    const json = `{"kty":"OKP","crv":"Ed25519","x":"${jwk.x}","d":"${jwk.d}"}`;
    const tail = Buffer.from(json, 'utf8').toString('base64');
    if (!/[+/=_-]/.test(tail)) return { secret: PREFIX + tail, publicKey: jwk.x };
  }
}

/** Reads a secret in standard, padded or URL-safe base64; undefined when malformed. */
export function parseClientSecret(secret: string): Ed25519Jwk | undefined {
  const parts = secret.split(':');
  if (parts.length !== 4 || parts[0] !== 'secret-token' || parts[1] !== 'conductorone.com' || parts[2] !== 'v1') {
    return undefined;
  }
  const tail = parts[3].replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(tail)) return undefined;
  try {
    const bytes = Buffer.from(tail, 'base64');
    // Node's decoder skips characters it cannot use; refuse anything that does not round-trip.
    if (bytes.toString('base64').replace(/=+$/, '') !== tail) return undefined;
    const jwk = JSON.parse(bytes.toString('utf8'));
    if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
      return undefined;
    }
    // The private half must really belong to the public half it names.
    const derived = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' }) as {
      x: string;
    };
    return derived.x === jwk.x ? (jwk as Ed25519Jwk) : undefined;
  } catch {
    return undefined;
  }
}

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'deft',
  'eager',
  'fierce',
  'gentle',
  'hardy',
  'keen',
  'lucid',
  'mellow',
  'nimble',
  'proud',
  'quiet',
  'rapid',
  'strange',
  'tidy',
  'vivid',
  'witty',
  'zesty',
];
const NOUNS = [
  'badger',
  'cobra',
  'dingo',
  'falcon',
  'gecko',
  'heron',
  'hydra',
  'ibis',
  'jackal',
  'koala',
  'lynx',
  'marten',
  'newt',
  'otter',
  'puffin',
  'quokka',
  'raven',
  'stoat',
  'tapir',
  'walrus',
];

/** C1's client id form: `<random-id>@<host>/pcc`. */
export function newClientId(host: string): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)];
  const n = NOUNS[randomInt(NOUNS.length)];
  return `${a}-${n}-${randomInt(10_000, 100_000)}${randomInt(100_000, 1_000_000)}@${host}/pcc`;
}
