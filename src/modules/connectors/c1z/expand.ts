// Grant expansion as baton does it: a grant of entitlement E to principal P carrying
// GrantExpandable{entitlementIds: [F...]} is an edge F → E: whoever holds F (say, P's `member`
// entitlement) holds E too, transitively unless the edge is shallow, and only principals of
// `resourceTypeIds` when that is set. Like baton, an edge counts only when F belongs to P (a
// grant cannot expand someone else's entitlement), and a derived grant names in `sources` the
// entitlement it came through.
//
// Set-based, in memory: ids are interned to integers, each (entitlement, principal) pair is made
// once and pushed once on a worklist, so the work is Σ pairs × out-edges of their entitlement;
// cycles end because a pair already held is never pushed again.

import { Ids, Pairs } from './pairs.ts';
import type { C1zSync } from './read.ts';
import type { C1zEntitlement, C1zGrant } from './types.ts';
import { put } from './wire.ts';

export type ExpandedGrant = {
  entitlementId: string;
  entitlementResourceTypeId: string;
  entitlementResourceId: string;
  principalResourceTypeId: string;
  principalResourceId: string;
  /** The principal holds the entitlement directly (a grant row with no sources, or naming itself). */
  direct: boolean;
  /** Where the grant comes from: each origin entitlement → false, and the entitlement itself → true when it is also held directly. Empty for a plain direct grant. */
  sources: Record<string, { isDirect: boolean }>;
};

export type ExpandInput = {
  grants: Iterable<C1zGrant>;
  /** The sync's entitlements: an edge's source entitlement must be here, on the grant's principal. */
  entitlements: Iterable<Pick<C1zEntitlement, 'id' | 'resourceTypeId' | 'resourceId'>>;
  /** Which principals are accounts; derived grants are kept only for them. Omitted: every principal. */
  isAccount?: (resourceTypeId: string, resourceId: string) => boolean;
};

export type Expansion = {
  /** Grants in the output (direct rows, plus derived grants to accounts). */
  size: number;
  /** Derived pairs, before the account filter (for the record; includes those to groups). */
  derived: number;
  /** Expandable references skipped: unknown entitlement, or one not on the grant's principal. */
  skippedEdges: number;
  [Symbol.iterator](): Iterator<ExpandedGrant>;
};

type Edge = { to: number; shallow: boolean; types: Set<string> | undefined };

export function expandGrants(input: ExpandInput): Expansion {
  const entitlementResource = new Map<string, [string, string]>();
  for (const e of input.entitlements) entitlementResource.set(e.id, [e.resourceTypeId, e.resourceId]);

  const ents = new Ids();
  const entResource: [string, string][] = [];
  const entOf = (id: string, resource: [string, string] | undefined) => {
    const i = ents.of(id);
    if (entResource[i] === undefined || entResource[i][0] === '')
      entResource[i] = resource ?? entitlementResource.get(id) ?? ['', ''];
    return i;
  };
  const principals = new Ids();
  const principalType: string[] = [];
  const principalId: string[] = [];
  const pairs = new Pairs();
  const fileSources = new Map<number, Record<string, { isDirect: boolean }>>();

  const out: Edge[][] = [];
  let skippedEdges = 0;
  for (const g of input.grants) {
    const ent = entOf(g.entitlementId, [g.entitlementResourceTypeId, g.entitlementResourceId]);
    const principal = principals.of(`${g.principalResourceTypeId}\0${g.principalResourceId}`);
    principalType[principal] = g.principalResourceTypeId;
    principalId[principal] = g.principalResourceId;
    let pair = pairs.find(ent, principal);
    if (pair === -1) pair = pairs.add(ent, principal);
    const sourceIds = Object.keys(g.sources);
    pairs.markRow(pair, sourceIds.length === 0 || Object.hasOwn(g.sources, g.entitlementId));
    if (sourceIds.length > 0) fileSources.set(pair, { ...fileSources.get(pair), ...g.sources });
    if (!g.expandable) continue;
    const types = g.expandable.resourceTypeIds.length > 0 ? new Set(g.expandable.resourceTypeIds) : undefined;
    for (const from of g.expandable.entitlementIds) {
      const resource = entitlementResource.get(from);
      if (!resource || resource[0] !== g.principalResourceTypeId || resource[1] !== g.principalResourceId) {
        skippedEdges++;
        continue;
      }
      const f = entOf(from, resource);
      out[f] ??= [];
      out[f].push({ to: ent, shallow: g.expandable.shallow, types });
    }
  }

  // Worklist: pairs are numbered as they appear, so the pairs themselves are the queue, and
  // each is visited once.
  const rows = pairs.length;
  for (let pair = 0; pair < pairs.length; pair++) {
    const from = pairs.entOf(pair);
    const edges = out[from];
    if (!edges) continue;
    const principal = pairs.principalOf(pair);
    for (const edge of edges) {
      if (edge.types && !edge.types.has(principalType[principal])) continue;
      if (edge.shallow && !pairs.isDirect(pair)) continue;
      let target = pairs.find(edge.to, principal);
      if (target === -1) target = pairs.add(edge.to, principal);
      pairs.addOrigin(target, from);
    }
  }

  const isAccount = input.isAccount ?? (() => true);
  const kept = (pair: number) => {
    const principal = pairs.principalOf(pair);
    return pairs.isRow(pair) || isAccount(principalType[principal], principalId[principal]);
  };
  let size = 0;
  for (let pair = 0; pair < pairs.length; pair++) if (kept(pair)) size++;

  const record = (pair: number): ExpandedGrant => {
    const ent = pairs.entOf(pair);
    const entitlementId = ents.keys[ent];
    const sources: Record<string, { isDirect: boolean }> = {};
    const file = fileSources.get(pair);
    if (file) for (const [k, v] of Object.entries(file)) put(sources, k, { isDirect: v.isDirect });
    const origins = pairs.origins(pair);
    for (const o of origins) if (!Object.hasOwn(sources, ents.keys[o])) put(sources, ents.keys[o], { isDirect: false });
    const direct = pairs.isDirect(pair);
    if (direct && (file || origins.length > 0)) put(sources, entitlementId, { isDirect: true });
    const principal = pairs.principalOf(pair);
    return {
      entitlementId,
      entitlementResourceTypeId: entResource[ent][0],
      entitlementResourceId: entResource[ent][1],
      principalResourceTypeId: principalType[principal],
      principalResourceId: principalId[principal],
      direct,
      sources,
    };
  };

  return {
    size,
    derived: pairs.length - rows,
    skippedEdges,
    *[Symbol.iterator]() {
      for (let pair = 0; pair < pairs.length; pair++) if (kept(pair)) yield record(pair);
    },
  };
}

/**
 * Expands a read sync: accounts are principals whose resource type has the user trait or whose
 * resource carries a UserTrait.
 */
export function expandSync(sync: C1zSync): Expansion {
  const userTypes = new Set<string>();
  for (const t of sync.resourceTypes()) if (t.traits.includes('user')) userTypes.add(t.id);
  const users = new Set<string>();
  for (const r of sync.resources())
    if (r.userTrait && !userTypes.has(r.resourceTypeId)) users.add(`${r.resourceTypeId}\0${r.id}`);
  return expandGrants({
    grants: sync.grants(),
    entitlements: sync.entitlements(),
    isAccount: (type, id) => userTypes.has(type) || users.has(`${type}\0${id}`),
  });
}
