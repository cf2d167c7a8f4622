// Bad input on every write route of the server's own openapi.json: malformed JSON,
// wrong types (unknown fields beside them), unknown enum names, over-long strings, bodies over
// 1 MiB, wrong content types, empty bodies. Each is a 4xx with C1's error JSON that
// names the field, never a 5xx, and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorld,
  discoverRoutes,
  idFiller,
  type JsonSchema,
  label,
  nonNull,
  pathWith,
  type RouteOp,
  readEverything,
  sampleBody,
  type World,
} from '../contract/routes.ts';
import { backends, type Caller, startServer, type TestServer } from '../helpers/server.ts';
import { errorShapeProblem, type RawClient, type RawRes, rawClient } from './raw.ts';

const typeOf = (s: JsonSchema): string | undefined => {
  const t = nonNull(s);
  return Array.isArray(t.type) ? t.type.find((x: string) => x !== 'null') : t.type;
};

/** A value of the wrong JSON type for the schema. */
const wrongFor = (s: JsonSchema): unknown =>
  ({ string: 42, integer: 'seven', number: 'seven', boolean: 'yes', array: 'x', object: 'x' })[typeOf(s) ?? 'string'] ?? 42;

describe.each(backends)('robustness on %s', (backend) => {
  let s: TestServer;
  let raw: RawClient;
  let routes: RouteOp[];
  let writes: RouteOp[];
  let world: World;
  let before: Map<string, { status: number; body: unknown }>;
  let auth: Record<string, string>;
  let c: Caller;

  beforeAll(async () => {
    s = await startServer(backend);
    raw = rawClient(s.url);
    routes = await discoverRoutes(s, { apiOnly: true });
    writes = routes.filter((r) => r.write && r.body);
    // Its own tenant, so that "nothing changed" covers everything these requests could reach.
    c = await s.caller();
    auth = { authorization: `Bearer ${c.token}` };
    world = await buildWorld(c, routes, `robust-${backend}`);
    before = await readEverything(c, routes, world.ids);
  });
  afterAll(async () => {
    raw?.close();
    await s?.close();
  });

  const send = (r: RouteOp, text: string | undefined, contentType = 'application/json') =>
    raw.request(
      r.method,
      pathWith(r, world.ids),
      { ...auth, ...(text === undefined ? {} : { 'content-type': contentType }) },
      text,
    );
  const base = (r: RouteOp) => (sampleBody(r.body, idFiller(world.ids)) ?? {}) as Record<string, unknown>;
  const refused = (res: RawRes, what: string, status: number | number[], field?: string) => {
    const detail = `${what} → ${res.status} ${res.text.slice(0, 300)}`;
    expect(Array.isArray(status) ? status : [status], detail).toContain(res.status);
    expect(errorShapeProblem(res), detail).toBeUndefined();
    if (field) expect((res.body as { message: string }).message, detail).toContain(field);
  };

  it('finds the write routes in openapi.json', () => {
    expect(writes.map(label)).toContain('POST /api/v1/apps');
    expect(writes.length).toBeGreaterThan(3);
  });

  it('refuses malformed JSON with a 400 saying so', async () => {
    for (const r of writes) {
      for (const text of ['{"displayName": ', '{bad}', "{'a':1}", '{"a":1,}', '[1,2', '\u0000']) {
        refused(await send(r, text), `${label(r)} ${JSON.stringify(text)}`, 400, 'body');
      }
    }
  });

  it('ignores unknown fields (C1 discards them), but they never hide a known field of the wrong type', async () => {
    let cases = 0;
    for (const r of writes) {
      const field = Object.keys(nonNull(r.body as JsonSchema).properties ?? {})[0];
      if (!field) continue;
      const prop = nonNull(r.body as JsonSchema).properties[field] as JsonSchema;
      const body = { ...base(r), notAField: 1, also_not: { deep: null }, [field]: wrongFor(prop) };
      const res = await send(r, JSON.stringify(body));
      refused(res, `${label(r)} unknown fields and a wrong ${field}`, 400, field);
      expect((res.body as { message: string }).message).not.toContain('notAField');
      cases++;
    }
    expect(cases).toBeGreaterThan(10);
  });

  it('refuses wrong types, unknown enum names and over-long strings, naming the field', async () => {
    let cases = 0;
    for (const r of writes) {
      const obj = nonNull(r.body as JsonSchema);
      for (const [field, raw0] of Object.entries((obj.properties ?? {}) as Record<string, JsonSchema>)) {
        const prop = nonNull(raw0);
        const bad: [string, unknown][] = [['wrong type', wrongFor(prop)]];
        if (Array.isArray(prop.enum)) bad.push(['unknown enum name', 'NOT_A_REAL_NAME']);
        if (typeOf(prop) === 'string' && typeof prop.maxLength === 'number')
          bad.push(['over-long', 'x'.repeat(prop.maxLength + 1)]);
        if (typeOf(prop) === 'array' && Array.isArray(prop.items?.enum))
          bad.push(['unknown enum name in a list', ['NOT_A_REAL_NAME']]);
        for (const [what, value] of bad) {
          refused(await send(r, JSON.stringify({ ...base(r), [field]: value })), `${label(r)} ${field}: ${what}`, 400, field);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(20);
  });

  it('refuses a body over 1 MiB with 413 and the error JSON', async () => {
    for (const r of writes) {
      const big = JSON.stringify({ ...base(r), displayName: 'y'.repeat(1024 * 1024 + 10) });
      // One upload per route: 2 MiB over the socket per route was a second of the file's time.
      const res = await send(r, big);
      refused(res, `${label(r)} 1 MiB body`, 413);
      expect(res.body).toMatchObject({ code: 8 });
    }
  });

  it('refuses wrong content types with a 4xx and the error JSON', async () => {
    for (const r of writes) {
      const text = JSON.stringify(base(r));
      for (const ct of [
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'nonsense',
      ]) {
        const res = await send(r, ct === 'application/x-www-form-urlencoded' ? 'displayName=form' : text, ct);
        expect(res.status, `${label(r)} as ${ct}: ${res.text}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${label(r)} as ${ct}: ${res.text}`).toBeLessThan(500);
        expect(errorShapeProblem(res), `${label(r)} as ${ct}`).toBeUndefined();
      }
    }
  });

  it('refuses an empty body where fields are required, naming the first of them (displayName on create)', async () => {
    const app = await send(writes.find((r) => label(r) === 'POST /api/v1/apps') as RouteOp, undefined);
    refused(app, 'POST /api/v1/apps without a body', 400, 'displayName');
    for (const r of writes) {
      const required = (nonNull(r.body as JsonSchema).required ?? []) as string[];
      if (required.length === 0) continue;
      refused(await send(r, undefined), `${label(r)} without a body`, 400, required[0]);
      refused(await send(r, '{}'), `${label(r)} with {}`, 400, required[0]);
      refused(await send(r, ''), `${label(r)} with an empty JSON body`, 400, required[0]);
    }
  });

  it('answers bad URLs and unparsable HTTP with the error JSON too', async () => {
    const get = (path: string, headers: Record<string, string> = {}) => raw.request('GET', path, { ...auth, ...headers });
    refused(await get('/api/v1/apps/%E0%A4%A'), 'bad percent-encoding', 400, 'path');
    refused(await get(`/api/v1/apps/${'a'.repeat(200)}`), 'over-long path param', 400, 'path');
    refused(await get('/api/v1/apps/a%00b'), 'NUL in a path param', 400, 'id');
    refused(await get('/api/v1/apps?page_token=%00'), 'NUL in a query param', 400, 'page_token');
    refused(await get(`/api/v1/apps/${'a'.repeat(100_000)}`), 'headers over the limit', 431);
    refused(await get('/api/v1/apps/\u00e9'), 'raw non-ASCII byte in the path', 400);
    refused(await get('/api/v1/nothing-here'), 'unknown route', 404);
  });

  it('refuses NUL characters in body strings with a 400 naming the field, on every write route', async () => {
    for (const r of writes) {
      const obj = nonNull(r.body as JsonSchema);
      const field = Object.entries((obj.properties ?? {}) as Record<string, JsonSchema>).find(
        ([, p]) => typeOf(p) === 'string' && !nonNull(p).enum,
      )?.[0];
      if (!field) continue;
      refused(await send(r, JSON.stringify({ ...base(r), [field]: 'a\u0000b' })), `${label(r)} NUL in ${field}`, 400, field);
    }
  });

  it('refuses unpaired surrogates in body strings and list items with a 400 naming the field, on every write route', async () => {
    // JSON.stringify writes a lone surrogate as its escape (`"a\\ud800b"`), as a client would send it.
    for (const r of writes) {
      const props = Object.entries((nonNull(r.body as JsonSchema).properties ?? {}) as Record<string, JsonSchema>);
      const text = props.find(([, p]) => typeOf(p) === 'string' && !nonNull(p).enum)?.[0];
      if (text) {
        const body = JSON.stringify({ ...base(r), [text]: 'a\ud800b' });
        refused(await send(r, body), `${label(r)} lone surrogate in ${text}`, 400, text);
      }
      const list = props.find(([, p]) => typeOf(p) === 'array' && typeOf(nonNull(p).items as JsonSchema) === 'string')?.[0];
      if (list) {
        const body = JSON.stringify({ ...base(r), [list]: ['0', '\udc00'] });
        refused(await send(r, body), `${label(r)} lone surrogate in ${list}`, 400, list);
      }
    }
  });

  it('changed nothing through all of that', async () => {
    const after = await readEverything(c, routes, world.ids);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, was] of before) expect(after.get(key), key).toEqual(was);
  });
});
