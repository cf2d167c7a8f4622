// Raw HTTP through node:http, for requests fetch() would refuse or normalise:
// dot segments and bad percent-encoding in paths, odd headers, bodies on any method.
import http from 'node:http';
import { httpStatusOf } from '../../src/http/status.ts';

export type RawRes = { status: number; text: string; contentType: string; body: unknown; headers: http.IncomingHttpHeaders };

export type RawClient = {
  request(method: string, path: string, headers?: Record<string, string>, body?: string | Buffer): Promise<RawRes>;
  close(): void;
};

export function rawClient(baseUrl: string): RawClient {
  const u = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
    new Promise<RawRes>((resolve, reject) => {
      const h: Record<string, string> = { ...headers };
      if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
      let answered = false;
      const req = http.request({ host: u.hostname, port: u.port, method, path, headers: h, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          answered = true;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({
            status: res.statusCode ?? 0,
            text,
            contentType: String(res.headers['content-type'] ?? ''),
            body: parsed,
            headers: res.headers,
          });
        });
      });
      // The server may answer (413) and close before a big body is fully written.
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path.slice(0, 100)}: no answer in 30 s`)));
      req.end(body);
    });
  return { request, close: () => agent.destroy() };
}

/** Statuses the issue asks for beyond C1's table (httpStatusOf): 413 for big bodies, 415, and Node's own 408/431. */
const ALSO = new Set(['413:8', '415:3', '408:3', '431:3']);

/** Why a non-2xx answer is not C1's error JSON with a matching status, or undefined when it is. */
export function errorShapeProblem(res: RawRes): string | undefined {
  if (!/^application\/json\b/i.test(res.contentType)) return `content-type is "${res.contentType}", not application/json`;
  const b = res.body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'body is not a JSON object';
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'code,details,message') return `body has keys ${keys}, not code, message, details`;
  if (!Number.isInteger(b.code)) return 'code is not an integer';
  if (typeof b.message !== 'string' || b.message === '') return 'message is not a non-empty string';
  if (!Array.isArray(b.details)) return 'details is not an array';
  const code = b.code as number;
  if (httpStatusOf[code] !== res.status && !ALSO.has(`${res.status}:${code}`)) {
    return `code ${code} does not go with HTTP ${res.status}`;
  }
  return undefined;
}
