// Grant expansion at scale, in this process (no database): a million grants (1,000 groups nested
// as a tree, BENCH_EXPAND_USERS users (default 100,000) in 10 groups each; the suite's
// test/modules/connectors/c1z/tree.ts workload at ten times the test's size), expanded and every
// output grant built, with the count of user grants checked against a walk up the tree.
import { expandGrants } from '../../src/modules/connectors/c1z/expand.ts';
import { treeOfGroups } from '../../test/modules/connectors/c1z/tree.ts';

export type ExpandBenchResult = {
  grants: number;
  pairs: number;
  derived: number;
  seconds: number;
  /** JS heap growth while the expansion was alive (MiB). */
  heapMiB: number;
  error?: string;
};

export function benchExpand(users: number): ExpandBenchResult {
  const tree = treeOfGroups(1000, users);
  const expected = tree.expectedUserPairs();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const result = expandGrants({ grants: tree.grants(), entitlements: tree.entitlements, isAccount: (t) => t === 'user' });
  let userPairs = 0;
  for (const g of result) if (g.principalResourceTypeId === 'user') userPairs++;
  const seconds = (performance.now() - started) / 1000;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const out = {
    grants: tree.grantCount,
    pairs: result.size,
    derived: result.derived,
    seconds: Math.round(seconds * 100) / 100,
    heapMiB: Math.round(heapMiB),
  };
  return userPairs === expected ? out : { ...out, error: `${userPairs} user grants, expected ${expected}` };
}
