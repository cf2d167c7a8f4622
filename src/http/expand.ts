// C1's expand masks: an answer carries each related object once in `expanded`
// (an Any: the object's JSON plus its @type), and views point at them by JSONPath.
import { type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import type { Page } from '../lib/paging.ts';
import { strictObject } from './schemas.ts';

/** An expand mask whose paths are accepted but not expanded yet (app users, grants, users; see README). */
export const UnexpandedMask = strictObject({
  paths: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 32 })),
});

/** An expand mask that may name "*" or these paths (anything else is a 400 naming expandMask). */
export function expandMaskOf<P extends string>(...paths: P[]) {
  const path = Type.Union([Type.Literal('*'), ...paths.map((p) => Type.Literal(p))]) as TUnion<TLiteral<P | '*'>[]>;
  return strictObject({ paths: Type.Optional(Type.Array(path, { maxItems: 16 })) });
}

type AnyMessage = { '@type': string };

export class Expansion {
  readonly expanded: AnyMessage[] = [];
  private readonly at = new Map<string, string>();

  constructor(private readonly mask: readonly string[] | undefined) {}

  /** Whether the mask asks for this path ("*" asks for all). */
  wants(path: string): boolean {
    return !!this.mask && (this.mask.includes(path) || this.mask.includes('*'));
  }

  /** Where the object of this message type and id is in `expanded`; `load` runs the first time only. */
  async pathOf(type: string, id: string, load: () => Promise<object>): Promise<string> {
    const key = `${type}/${id}`;
    let path = this.at.get(key);
    if (path === undefined) {
      const object = await load();
      path = `$.expanded[${this.expanded.length}]`;
      this.expanded.push({ '@type': `type.googleapis.com/${type}`, ...object });
      this.at.set(key, path);
    }
    return path;
  }
}

/** Sets a view's path fields, putting the objects they point at into the expansion. */
export type Fill<V> = (view: V, x: Expansion) => Promise<void>;

/** Copies of the views with the paths `fill` sets on each, and the `expanded` they point into. */
export async function expandEach<V extends object>(
  views: V[],
  mask: readonly string[] | undefined,
  fill: Fill<V>,
): Promise<{ views: V[]; expanded: AnyMessage[] }> {
  const x = new Expansion(mask);
  const out: V[] = [];
  for (const v of views) {
    const view = { ...v };
    await fill(view, x);
    out.push(view);
  }
  return { views: out, expanded: x.expanded };
}

/** One view expanded. */
export async function expandOne<V extends object>(view: V, mask: readonly string[] | undefined, fill: Fill<V>) {
  const x = await expandEach([view], mask, fill);
  return { view: x.views[0], expanded: x.expanded };
}

/** A page of views expanded: C1's `{list, nextPageToken, expanded}`. */
export async function expandPage<V extends object>(page: Page<V>, mask: readonly string[] | undefined, fill: Fill<V>) {
  const x = await expandEach(page.list, mask, fill);
  return { list: x.views, nextPageToken: page.nextPageToken, expanded: x.expanded };
}
