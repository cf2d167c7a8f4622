// One delivery attempt: POST the exact body with C1's headers to the destination, through the
// guarded lookup (destination.ts), within the attempt timeout. Never throws: a refused
// destination, a network error or a timeout is an attempt without a status.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { destinationProblem, guardedLookup, isPrivateAddress } from './destination.ts';

export const ATTEMPT_TIMEOUT_MS = 30_000;
/** The most of an answer kept (the receiver's decision is small). */
const MAX_ANSWER_BYTES = 1024 * 1024;

export type Attempt = { status?: number; body?: string; error?: string };

export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { allowPrivate: boolean; timeoutMs?: number },
): Promise<Attempt> {
  const problem = destinationProblem(url, opts.allowPrivate);
  if (problem) return Promise.resolve({ error: `destination ${problem}` });
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // An address in the URL is connected to without a lookup: check it here.
  if (!opts.allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ error: `destination ${host} is a private address` });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(opts.allowPrivate) as never,
        agent: false,
        signal: AbortSignal.timeout(opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ status: res.statusCode, error: err.message }));
      },
    );
    req.on('error', (err) =>
      resolve({ error: err.name === 'AbortError' || err.name === 'TimeoutError' ? 'timed out' : err.message }),
    );
    req.end(body);
  });
}
