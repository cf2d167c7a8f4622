// The expansion workload of the suite's scale test and of the bench (bench/lib/expand-big.ts):
// `groups` groups nested as a binary tree (group k inside group (k - 1) >> 1), and `users` users,
// user u a direct member of the 10 groups from (13u mod groups) on. A user holds every group
// above any group it is in; `expectedUserPairs` counts those by walking up the tree per user,
// independently of expandGrants' worklist.
import type { C1zEntitlement, C1zGrant } from '../../../../src/modules/connectors/c1z/types.ts';

const parent = (k: number) => (k - 1) >> 1;

function grant(entitlementGroup: string, principalType: string, principalId: string, nested: boolean): C1zGrant {
  const entitlementId = `group:${entitlementGroup}:member`;
  return {
    id: `${entitlementId}:${principalType}:${principalId}`,
    entitlementId,
    entitlementResourceTypeId: 'group',
    entitlementResourceId: entitlementGroup,
    principalResourceTypeId: principalType,
    principalResourceId: principalId,
    sources: {},
    expandable: nested ? { entitlementIds: [`group:${principalId}:member`], shallow: false, resourceTypeIds: [] } : undefined,
    immutableSourceId: undefined,
  };
}

export function treeOfGroups(groups: number, users: number) {
  const groupsOf = (user: number) => Array.from({ length: 10 }, (_, j) => (user * 13 + j) % groups);
  return {
    /** groups - 1 nesting grants plus 10 per user. */
    grantCount: groups - 1 + 10 * users,
    entitlements: Array.from(
      { length: groups },
      (_, k): Pick<C1zEntitlement, 'id' | 'resourceTypeId' | 'resourceId'> => ({
        id: `group:g${k}:member`,
        resourceTypeId: 'group',
        resourceId: `g${k}`,
      }),
    ),
    /** Generated as they are read, as grants stream from a c1z file: no array of them all. */
    *grants(): Generator<C1zGrant> {
      for (let k = 1; k < groups; k++) yield grant(`g${parent(k)}`, 'group', `g${k}`, true);
      for (let user = 0; user < users; user++) for (const k of groupsOf(user)) yield grant(`g${k}`, 'user', `u${user}`, false);
    },
    expectedUserPairs(): number {
      let pairs = 0;
      for (let user = 0; user < users; user++) {
        const held = new Set<number>([0]);
        for (let k of groupsOf(user)) for (; k > 0 && !held.has(k); k = parent(k)) held.add(k);
        pairs += held.size;
      }
      return pairs;
    },
  };
}
