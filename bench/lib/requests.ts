// Request templates shared by the load generator and the bench's probes:
// `{{n}}` becomes a per-request unique tag, `{{item}}` the next of `items` (and
// `{{item0}}`, `{{item1}}` its first and second space-separated parts),
// `{{assertion}}` a freshly signed client assertion (URL-encoded).
import { createPrivateKey, randomBytes, sign } from 'node:crypto';

export type AssertionKey = { clientId: string; x: string; d: string; aud: string };

export type RequestTemplate = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
  items?: string[];
  assertion?: AssertionKey;
};

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Signs client assertions the way C1's SDKs do: EdDSA, a random nonce in the header. */
export function assertionSigner(a: AssertionKey): () => string {
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: a.x, d: a.d }, format: 'jwk' });
  return () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'EdDSA', nonce: randomBytes(16).toString('hex') }));
    // Valid for 10 minutes (the server's maximum lifetime) so pre-signed ones outlive the run.
    const claims = b64url(
      JSON.stringify({ iss: a.clientId, sub: a.clientId, aud: [a.aud], iat: now, nbf: now - 120, exp: now + 600 }),
    );
    const input = `${header}.${claims}`;
    return `${input}.${b64url(sign(null, Buffer.from(input), key))}`;
  };
}

export type RequestFactory = {
  next(): { path: string; body?: string };
  /** Assertions signed on demand because the pre-signed ones ran out. */
  signedOnDemand: number;
};

export function requestFactory(t: RequestTemplate, presign = 0): RequestFactory {
  const signer = t.assertion ? assertionSigner(t.assertion) : undefined;
  const presigned: string[] = [];
  if (signer) for (let i = 0; i < presign; i++) presigned.push(signer());
  const runId = randomBytes(3).toString('hex');
  const items = t.items ?? [];
  let counter = 0;
  const f: RequestFactory = {
    signedOnDemand: 0,
    next() {
      const fill = (text: string): string => {
        let out = text;
        if (out.includes('{{n}}')) out = out.replaceAll('{{n}}', `${runId}-${counter}`);
        if (out.includes('{{item')) {
          const item = items[counter % items.length];
          const [a, b] = item.split(' ');
          out = out
            .replaceAll('{{item}}', item)
            .replaceAll('{{item0}}', a)
            .replaceAll('{{item1}}', b ?? '');
        }
        if (signer && out.includes('{{assertion}}')) {
          let a = presigned.pop();
          if (a === undefined) {
            f.signedOnDemand++;
            a = signer();
          }
          out = out.replaceAll('{{assertion}}', encodeURIComponent(a));
        }
        return out;
      };
      const r = { path: fill(t.path), body: t.body === undefined ? undefined : fill(t.body) };
      counter++;
      return r;
    },
  };
  return f;
}
