// Property-based fuzzing of every route in the server's own openapi.json: generated
// bodies, path params, query strings and headers. Whatever comes in, the answer is
// never a 5xx, every 4xx is C1's error JSON, 2xx bodies match openapi.yaml, and the
// server is still up afterwards. GATEHOUSE_FUZZ_TOTAL sets the request budget per backend.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorld,
  discoverRoutes,
  fillPath,
  label,
  pathWith,
  type RouteOp,
  sampleBody,
  type World,
} from '../contract/routes.ts';
import { contractErrors } from '../helpers/contract.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { errorShapeProblem, type RawClient, type RawRes, rawClient } from '../http/raw.ts';
import { type Body, bodies, headerSets, paramValues, queries } from './generators.ts';

const TOTAL = Number(process.env.GATEHOUSE_FUZZ_TOTAL ?? 2000);

// The routes come from a running server; the PGlite one is reused by its suite below.
let probe: TestServer | undefined = await startServer('pglite');
const routes = (await discoverRoutes(probe))
  // Deletes last, so that the objects other routes are fuzzed with live as long as possible.
  .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

/** Requests for one route: an equal share of the budget, never fewer than 12 (each kind of case runs). */
const perRoute = Math.max(12, Math.floor(TOTAL / Math.max(routes.length, 1)));

afterAll(async () => {
  await probe?.close();
  probe = undefined;
});

type Req = { method: string; path: string; headers: Record<string, string>; body?: Body };

function problemOf(req: Req, res: RawRes): string | undefined {
  if (res.status >= 500 || res.status < 100) return `answered ${res.status}`;
  if (res.status >= 400) return errorShapeProblem(res);
  if (res.status >= 200 && res.status < 300) {
    if (req.path.startsWith('/api/v1/')) return contractErrors(req.method, req.path, res.status, res.body)[0];
    if (req.path === '/auth/v1/token') {
      const b = res.body as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
      if (typeof b?.access_token !== 'string' || b.token_type !== 'Bearer' || typeof b.expires_in !== 'number') {
        return 'token answer is not {access_token, token_type: Bearer, expires_in}';
      }
    }
  }
  return undefined;
}

describe.each(backends)('fuzz on %s', (backend) => {
  let s: TestServer;
  let raw: RawClient;
  let world: World;
  let realIds: string[];
  let sent = 0;

  beforeAll(async () => {
    s = backend === 'pglite' && probe ? probe : await startServer(backend);
    if (s === probe) probe = undefined;
    raw = rawClient(s.url);
    world = await buildWorld(s.admin, routes, `fuzz-${backend}`);
    realIds = Object.values(world.ids).filter((x): x is string => typeof x === 'string');
    realIds.push(world.member);
  });
  afterAll(async () => {
    raw?.close();
    await s?.close();
  });

  const send = async (req: Req): Promise<void> => {
    sent++;
    const headers = { ...req.headers };
    if (req.body?.contentType !== undefined && !('content-type' in headers)) headers['content-type'] = req.body.contentType;
    let res: RawRes;
    try {
      res = await raw.request(req.method, req.path, headers, req.body?.text);
    } catch (err) {
      throw new Error(`${req.method} ${req.path.slice(0, 200)}: no answer (${(err as Error).message})`);
    }
    const problem = problemOf(req, res);
    if (problem) {
      const sentBody = req.body ? `${req.body.note}: ${req.body.text.slice(0, 300)}` : '(none)';
      throw new Error(
        `${req.method} ${req.path.slice(0, 300)} ${problem}\nheaders: ${JSON.stringify(headers).slice(0, 300)}\nbody: ${sentBody}\nanswer: ${res.text.slice(0, 500)}`,
      );
    }
  };

  const run = async (prop: fc.IAsyncPropertyWithHooks<unknown[]> | fc.IAsyncProperty<unknown[]>, numRuns: number) => {
    if (numRuns <= 0) return;
    // No shrinking: each step is an HTTP round trip, and the error already shows the request.
    await fc.assert(prop, { numRuns, endOnFailure: true });
  };

  it.each(routes.map((r) => [label(r), r] as const))('%s', async (_name, r: RouteOp) => {
    const auth = { authorization: `Bearer ${s.admin.token}` };
    const validPath = () => pathWith(r, world.ids);
    const hasBody = r.method !== 'GET';
    const plainBody = (): Body | undefined =>
      hasBody ? { text: JSON.stringify(sampleBody(r.body) ?? {}), contentType: 'application/json', note: 'sample' } : undefined;
    const shares = { body: hasBody ? 0.45 : 0, params: r.pathParams.length ? 0.2 : 0, query: 0.15, headers: 0.2 };
    const sum = shares.body + shares.params + shares.query + shares.headers;
    const n = (k: keyof typeof shares) => Math.round((perRoute * shares[k]) / sum);

    // Bodies, with valid auth, on real objects (or on ids that do not exist).
    await run(
      fc.asyncProperty(bodies(r, realIds), fc.boolean(), async (body, real) => {
        await send({ method: r.method, path: real ? validPath() : pathWith(r, {}), headers: auth, body });
      }),
      n('body'),
    );
    // Path params: ids, junk, unicode, dot segments, encoded slashes, over-long.
    const params = fc.array(paramValues(realIds), { minLength: r.pathParams.length, maxLength: r.pathParams.length });
    await run(
      fc.asyncProperty(params, async (values) => {
        let i = 0;
        const path = fillPath(r.template, () => values[i++], true);
        await send({ method: r.method, path, headers: auth, body: plainBody() });
      }),
      n('params'),
    );
    // Query strings (GET-style reads included), with valid auth.
    await run(
      fc.asyncProperty(queries(r), async (q) => {
        await send({ method: r.method, path: validPath() + q, headers: auth, body: plainBody() });
      }),
      n('query'),
    );
    // Headers: bad Authorization, content types, odd extras; bodies sometimes sane, sometimes not.
    await run(
      fc.asyncProperty(headerSets(s.admin.token), fc.option(bodies(r, realIds), { freq: 2 }), async (headers, body) => {
        await send({ method: r.method, path: validPath(), headers, body: (body as Body | null) ?? plainBody() });
      }),
      n('headers'),
    );
  });

  it('sent thousands of requests in total, and the server is still up and answering', async () => {
    const expected = Math.min(TOTAL, routes.length * 12) * 0.9;
    expect(sent).toBeGreaterThanOrEqual(expected);
    expect((await s.fetch('/healthz')).status).toBe(200);
    expect((await s.fetch('/readyz')).status).toBe(200);
    const apps = await s.admin.get('/api/v1/apps');
    expect(apps.status).toBe(200);
  });
});
