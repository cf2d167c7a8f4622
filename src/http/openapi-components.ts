// Route schemas are TypeBox objects inlined into each route, so C1's views (a task, a policy,
// an app) were written out again in every answer that carries them: the document was over
// 1 MB and Swagger UI took seconds to draw /docs. This hoists every object schema that the
// document repeats into components.schemas, once, and refers to it with $ref, as C1's own
// document does. Validation and serialization are untouched: they use the route schemas.

type Json = Record<string, unknown>;

/** Schemas shorter than this (as JSON) stay inline: a $ref would save little and read worse. */
const MIN_CHARS = 160;

/** Field names that say nothing alone: the schema under them is named with its parent's name too. */
const GENERIC = new Set(['list', 'expanded', 'type', 'current', 'items', 'value']);

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** An object schema with properties: what a component is made of. */
const isObjectSchema = (x: Json): boolean => x.type === 'object' && isObject(x.properties);

/** A component name from the property the schema sits under: `appEntitlement` → `AppEntitlement`. */
function nameFrom(hint: string): string {
  const words = hint.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(name) ? name : `Schema${name}`;
}

/**
 * Returns `doc` with each object schema of its paths that appears at least twice (and is not
 * tiny) moved to `components.schemas` under a name taken from the first property it appears
 * under (numbered when two different schemas would share a name), and replaced by a `$ref`.
 */
export function hoistSharedSchemas<T extends object>(doc: T): T {
  const { paths, components: given } = doc as Json;
  if (!isObject(paths)) return doc;
  const keyOf = new Map<Json, string>();
  const uses = new Map<string, number>();
  const count = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const v of x) count(v);
      return;
    }
    if (!isObject(x)) return;
    for (const v of Object.values(x)) count(v);
    if (!isObjectSchema(x)) return;
    const key = JSON.stringify(x);
    keyOf.set(x, key);
    uses.set(key, (uses.get(key) ?? 0) + 1);
  };
  count(paths);

  const components = isObject(given) ? { ...given } : {};
  const schemas: Json = isObject(components.schemas) ? { ...components.schemas } : {};
  const nameByKey = new Map<string, string>();
  const rewrite = (x: unknown, hint: string): unknown => {
    if (Array.isArray(x)) return x.map((v) => rewrite(v, hint));
    if (!isObject(x)) return x;
    const out: Json = {};
    // An operation names its bodies: c1.api.app.v1.Apps.Get → AppsGetResponse.
    const op = typeof x.operationId === 'string' ? x.operationId.split('.').slice(-2).join('') : undefined;
    for (const [k, v] of Object.entries(x)) {
      // Under `properties` the keys are field names: the best hint for the schema below.
      if (k === 'properties' && isObject(v)) {
        out[k] = Object.fromEntries(
          Object.entries(v).map(([field, s]) => [field, rewrite(s, GENERIC.has(field) ? `${hint}-${field}` : field)]),
        );
      } else if (op && (k === 'requestBody' || k === 'responses')) {
        out[k] = rewrite(v, `${op}${k === 'requestBody' ? 'Request' : 'Response'}`);
      } else out[k] = rewrite(v, k === 'items' ? `${hint}Item` : hint);
    }
    const key = keyOf.get(x);
    if (key === undefined || (uses.get(key) ?? 0) < 2 || key.length < MIN_CHARS) return out;
    let name = nameByKey.get(key);
    if (name === undefined) {
      const base = nameFrom(hint);
      name = base;
      for (let i = 2; name in schemas; i++) name = `${base}${i}`;
      nameByKey.set(key, name);
      schemas[name] = out;
    }
    return { $ref: `#/components/schemas/${name}` };
  };
  const rewritten = Object.fromEntries(Object.entries(paths).map(([p, item]) => [p, rewrite(item, 'schema')]));
  return { ...doc, paths: rewritten, components: { ...components, schemas } };
}
