// A webhook receiver for tests: node:http on 127.0.0.1 that verifies every delivery as a C1
// customer would (the JWT against the server's /auth/v1/jwks with jose, htb_s256 and
// Content-Digest against the exact body) and answers what the test's `answer` function says.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';

export type Delivery = {
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked by the tests themselves
  body: any;
  claims: JWTPayload & Record<string, unknown>;
  /** What was wrong with the delivery's signature or digest (empty: verified). */
  problems: string[];
};

export type Answer = { status: number; body?: string };

export type Receiver = {
  url: string;
  deliveries: Delivery[];
  /** How many requests are being answered right now (two at once for one instance would be a double send). */
  maxConcurrentPerInstance: number;
  answer: (d: Delivery, n: number) => Answer | Promise<Answer>;
  /** Resolves once `n` deliveries have been received (and answered). */
  received(n: number): Promise<Delivery[]>;
  close(): Promise<void>;
};

const b64 = (buf: Buffer) => buf.toString('base64');

/** `jwksUrl`: where the keys are (a function when the server answering it changes, e.g. across a restart). */
export async function startReceiver(jwksUrl: string | (() => string), path = '/hook'): Promise<Receiver> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const inFlight = new Map<string, number>();
  const r: Receiver = {
    url: '',
    deliveries: [],
    maxConcurrentPerInstance: 0,
    answer: () => ({ status: 200, body: '{}' }),
    received(n) {
      if (r.deliveries.length >= n) return Promise.resolve(r.deliveries.slice(0, n));
      return new Promise((resolve) => waiters.push({ n, resolve: () => resolve(r.deliveries.slice(0, n)) }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const problems: string[] = [];
    let claims: Delivery['claims'] = {};
    const id = String(req.headers['webhook-id']);
    inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    r.maxConcurrentPerInstance = Math.max(r.maxConcurrentPerInstance, inFlight.get(id) ?? 0);
    try {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      // Fetched per delivery: a test may rotate keys between two.
      const jwks = createLocalJWKSet(await (await fetch(typeof jwksUrl === 'string' ? jwksUrl : jwksUrl())).json());
      const verified = await jwtVerify(token, jwks, { algorithms: ['EdDSA'], audience: '127.0.0.1' });
      claims = verified.payload as Delivery['claims'];
      const digest = createHash('sha256').update(raw).digest();
      if (claims.htb_s256 !== digest.toString('base64url')) problems.push('htb_s256 does not match the body');
      if (req.headers['content-digest'] !== `sha-256=:${b64(digest)}:`) problems.push('Content-Digest does not match the body');
      if (claims.c1typ !== 'wh' || claims.htm !== 'POST') problems.push('c1typ/htm');
      if (claims.htu !== `${r.url}`) problems.push(`htu ${claims.htu} is not ${r.url}`);
      if ((claims.nbf ?? 0) !== (claims.iat ?? 0) - 60 || (claims.exp ?? 0) !== (claims.iat ?? 0) + 120) problems.push('nbf/exp');
    } catch (err) {
      problems.push(`signature: ${(err as Error).message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      problems.push('body is not JSON');
    }
    const d: Delivery = { headers: req.headers, raw, body, claims, problems };
    const n = r.deliveries.push(d);
    const a = await r.answer(d, n);
    inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(a.body ?? '');
    for (const w of waiters.filter((x) => r.deliveries.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return r;
}
