// hoistSharedSchemas: the document with its repeated object schemas moved to
// components.schemas means exactly what the inlined one did.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hoistSharedSchemas } from '../../src/http/openapi-components.ts';
import { resolver } from '../contract/routes.ts';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents
type Doc = Record<string, any>;

const obj = (properties: Record<string, unknown>) => ({ type: 'object', required: Object.keys(properties), properties });
const big = (tag: string) =>
  obj({ id: { type: 'string', description: `the ${tag} id, long enough to be worth a component` }, tag: { const: tag } });
const op = (operationId: string, schema: unknown) => ({
  operationId,
  responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
});
const inline = (doc: Doc): Doc => {
  const resolve = resolver(doc);
  return resolve({ ...doc, components: { ...doc.components, schemas: undefined } }) as Doc;
};

describe('hoistSharedSchemas', () => {
  it('moves a schema used twice to a component named after its field, and leaves single and tiny ones inline', () => {
    const app = big('app');
    const doc = {
      openapi: '3.1.0',
      components: { securitySchemes: { bearer: { type: 'http' } } },
      paths: {
        '/a': { get: op('c1.api.app.v1.Apps.Get', obj({ app, once: big('once'), tiny: obj({ x: { type: 'string' } }) })) },
        '/b': { get: op('c1.api.app.v1.Apps.Other', obj({ app, tiny: obj({ x: { type: 'string' } }) })) },
      },
    };
    const out = hoistSharedSchemas(doc) as Doc;
    expect(Object.keys(out.components.schemas)).toEqual(['App']);
    expect(out.components.schemas.App).toEqual(app);
    expect(out.components.securitySchemes).toEqual(doc.components.securitySchemes);
    const a = out.paths['/a'].get.responses['200'].content['application/json'].schema;
    expect(a.properties.app).toEqual({ $ref: '#/components/schemas/App' });
    expect(a.properties.once).toEqual(big('once'));
    expect(a.properties.tiny).toEqual(obj({ x: { type: 'string' } }));
    expect(inline(out).paths).toEqual(doc.paths);
  });

  it('numbers different schemas that would share a name, and names bodies after their operation', () => {
    const body = obj({ thing: big('three'), n: { type: 'integer' } });
    const doc = {
      paths: {
        '/a': { get: op('c1.api.app.v1.Apps.Get', obj({ app: big('one') })) },
        '/b': { get: op('c1.api.app.v1.Apps.List', obj({ app: big('two') })) },
        '/c': { get: op('c1.api.app.v1.Apps.Both', obj({ app: big('one'), again: big('two') })) },
        '/d': { post: op('c1.api.app.v1.Apps.Make', body), put: op('c1.api.app.v1.Apps.Put', body) },
      },
    };
    const out = hoistSharedSchemas(doc) as Doc;
    expect(Object.keys(out.components.schemas).sort()).toEqual(['App', 'App2', 'AppsMakeResponse', 'Thing']);
    expect(inline(out).paths).toEqual(doc.paths);
  });

  it('means the same as the inlined document, whatever the schemas', () => {
    const leaf = fc.constantFrom({ type: 'string' }, { type: 'integer', format: 'int64' }, { type: 'boolean' });
    const { schema } = fc.letrec((tie) => ({
      schema: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ type: fc.constant('array'), items: tie('schema') }),
        fc
          .dictionary(fc.constantFrom('app', 'list', 'id', 'task', 'policy', 'items', 'view'), tie('schema'), {
            minKeys: 1,
            maxKeys: 4,
          })
          .map((p) => obj(p)),
      ),
    }));
    let hoisted = 0;
    fc.assert(
      fc.property(fc.array(schema, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(5), { maxLength: 6 }), (schemas, repeats) => {
        const all = [...schemas, ...repeats.map((i) => schemas[i % schemas.length])];
        const doc = { paths: Object.fromEntries(all.map((s, i) => [`/p${i}`, { get: op(`x.Ops.Get${i}`, s) }])) };
        const out = hoistSharedSchemas(structuredClone(doc)) as Doc;
        expect(inline(out).paths).toEqual(doc.paths);
        for (const c of Object.values(out.components.schemas as Doc)) expect(c).toHaveProperty('type', 'object');
        if (Object.keys(out.components.schemas).length > 0) hoisted++;
      }),
      { numRuns: 300 },
    );
    // The runs did exercise hoisting, not only documents with nothing to share.
    expect(hoisted).toBeGreaterThan(30);
  });
});
