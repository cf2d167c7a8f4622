// C1's gateway parses JSON bodies by proto3's JSON mapping: `null` means "not
// set", unknown fields are discarded, and the proto's snake_case names stand for
// the camelCase ones. This turns a body into what the route's schema describes
// (walking it alongside the schema, which bounds the work), so that Ajv then
// checks only known fields, strictly.

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema objects as TypeBox builds them
type Schema = Record<string, any>;
/** Rewrites one value that the schema describes; `undefined` drops it. */
type Normalise = (value: unknown) => unknown;

const identity: Normalise = (v) => v;

/** `displayName` → `display_name`: the proto field name of a JSON name. */
export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets a key without ever touching the prototype (a map key may be "__proto__"). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v;

function typesOf(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (typeof s.type === 'string') return [s.type];
  if (s.properties || s.additionalProperties !== undefined || s.patternProperties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

const fits = (s: Schema, v: unknown): boolean => {
  const t = jsonType(v);
  return typesOf(s).some((x) => x === t || (x === 'integer' && t === 'number'));
};

class Compiler {
  private readonly done = new WeakMap<Schema, Normalise>();

  compile(s: Schema | undefined): Normalise {
    if (!s || typeof s !== 'object') return identity;
    const known = this.done.get(s);
    if (known) return known;
    // A placeholder first, so that a schema reached again while compiling ends the walk.
    let fn: Normalise = identity;
    this.done.set(s, (v) => fn(v));
    fn = this.build(s);
    this.done.set(s, fn);
    return fn;
  }

  private build(s: Schema): Normalise {
    const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (Array.isArray(alts)) return this.union(alts);
    const types = typesOf(s);
    if (types.includes('object')) return this.object(s);
    if (types.includes('array')) return this.array(s);
    return identity;
  }

  /** A union is walked by the first branch of the value's JSON type (TypeBox unions are of distinct types). */
  private union(alts: Schema[]): Normalise {
    const branches = alts.map((a) => ({ schema: a, fn: this.compile(a) }));
    if (branches.every((b) => b.fn === identity)) return identity;
    return (v) => {
      const b = branches.find((x) => fits(x.schema, v));
      return b ? b.fn(v) : v;
    };
  }

  private array(s: Schema): Normalise {
    const item = this.compile(s.items as Schema | undefined);
    if (item === identity) return identity;
    // Elements are not fields: a null element stays, and the schema refuses it.
    return (v) => (Array.isArray(v) ? v.map((x) => (x === null ? x : item(x))) : v);
  }

  private object(s: Schema): Normalise {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const fields = new Map<string, Normalise>();
    const camelOf = new Map<string, string>();
    for (const [name, sub] of Object.entries(props)) {
      fields.set(name, this.compile(sub));
      const snake = snakeCase(name);
      if (snake !== name && !(snake in props)) camelOf.set(snake, name);
    }
    const extra = s.additionalProperties;
    const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>).map(
      ([p, sub]) => [new RegExp(p, 'u'), this.compile(sub)] as const,
    );
    // Open objects (a profile, an echoed policy) keep what they hold, as given.
    const mapValues: Normalise | undefined = isPlainObject(extra) ? this.compile(extra) : undefined;
    const open = extra === true || (extra === undefined && Object.keys(props).length === 0 && patterns.length === 0);
    return (v) => {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(v)) {
        if (value === null) continue;
        const field = fields.has(key) ? key : camelOf.get(key);
        if (field !== undefined) {
          // camelCase wins over its snake_case twin.
          if (field !== key && v[field] !== undefined && v[field] !== null) continue;
          const fn = fields.get(field) as Normalise;
          put(out, field, fn(value));
          continue;
        }
        const pattern = patterns.find(([re]) => re.test(key));
        if (pattern) put(out, key, pattern[1](value));
        else if (mapValues) put(out, key, mapValues(value));
        else if (open) put(out, key, value);
        // Anything else is a field this schema does not know: discarded, as C1's gateway does.
      }
      return out;
    };
  }
}

const compiler = new Compiler();

/** The normaliser of a route's body schema (compiled once per schema). */
export function wireNormaliser(schema: object): Normalise {
  return compiler.compile(schema as Schema);
}
