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

/** Interns strings to dense integers. */
class Ids {
  readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  of(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
    }
    return i;
  }
}

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

  // Pairs, one slot per (entitlement, principal), in arrays indexed by pair number.
  const holders: Map<number, number>[] = [];
  const pairEnt: number[] = [];
  const pairPrincipal: number[] = [];
  const pairRow: boolean[] = []; // a grant row in the file
  const pairDirect: boolean[] = []; // held directly (what a shallow edge passes on)
  const pairFileSources: (Record<string, { isDirect: boolean }> | undefined)[] = [];
  const pairOrigins: (number[] | undefined)[] = [];
  const pairOf = (ent: number, principal: number): [number, boolean] => {
    holders[ent] ??= new Map();
    const found = holders[ent].get(principal);
    if (found !== undefined) return [found, false];
    const i = pairEnt.length;
    holders[ent].set(principal, i);
    pairEnt.push(ent);
    pairPrincipal.push(principal);
    pairRow.push(false);
    pairDirect.push(false);
    pairFileSources.push(undefined);
    pairOrigins.push(undefined);
    return [i, true];
  };

  const out: Edge[][] = [];
  let skippedEdges = 0;
  for (const g of input.grants) {
    const ent = entOf(g.entitlementId, [g.entitlementResourceTypeId, g.entitlementResourceId]);
    const principal = principals.of(`${g.principalResourceTypeId}\0${g.principalResourceId}`);
    principalType[principal] = g.principalResourceTypeId;
    principalId[principal] = g.principalResourceId;
    const [pair] = pairOf(ent, principal);
    const sourceIds = Object.keys(g.sources);
    pairRow[pair] = true;
    pairDirect[pair] ||= sourceIds.length === 0 || Object.hasOwn(g.sources, g.entitlementId);
    if (sourceIds.length > 0) pairFileSources[pair] = { ...pairFileSources[pair], ...g.sources };
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

  // Worklist: every pair is pushed once, when it first appears.
  const queue: number[] = [];
  for (let i = 0; i < pairEnt.length; i++) queue.push(i);
  let derived = 0;
  for (let q = 0; q < queue.length; q++) {
    const pair = queue[q];
    const from = pairEnt[pair];
    const edges = out[from];
    if (!edges) continue;
    const principal = pairPrincipal[pair];
    for (const edge of edges) {
      if (edge.types && !edge.types.has(principalType[principal])) continue;
      if (edge.shallow && !pairDirect[pair]) continue;
      const [target, made] = pairOf(edge.to, principal);
      pairOrigins[target] ??= [];
      const origins = pairOrigins[target];
      if (!origins.includes(from)) origins.push(from);
      if (made) {
        derived++;
        queue.push(target);
      }
    }
  }

  const isAccount = input.isAccount ?? (() => true);
  const kept: number[] = [];
  for (let i = 0; i < pairEnt.length; i++) {
    if (pairRow[i] || isAccount(principalType[pairPrincipal[i]], principalId[pairPrincipal[i]])) kept.push(i);
  }

  const record = (i: number): ExpandedGrant => {
    const entitlementId = ents.keys[pairEnt[i]];
    const sources: Record<string, { isDirect: boolean }> = {};
    for (const [k, v] of Object.entries(pairFileSources[i] ?? {})) put(sources, k, { isDirect: v.isDirect });
    for (const o of pairOrigins[i] ?? [])
      if (!Object.hasOwn(sources, ents.keys[o])) put(sources, ents.keys[o], { isDirect: false });
    if (pairDirect[i] && Object.keys(sources).length > 0) put(sources, entitlementId, { isDirect: true });
    return {
      entitlementId,
      entitlementResourceTypeId: entResource[pairEnt[i]][0],
      entitlementResourceId: entResource[pairEnt[i]][1],
      principalResourceTypeId: principalType[pairPrincipal[i]],
      principalResourceId: principalId[pairPrincipal[i]],
      direct: pairDirect[i],
      sources,
    };
  };

  return {
    size: kept.length,
    derived,
    skippedEdges,
    *[Symbol.iterator]() {
      for (const i of kept) yield record(i);
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
