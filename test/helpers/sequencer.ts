// The order test files are handed to the two workers. Vitest runs longest first when it has
// durations from an earlier run (node_modules/.vite), and largest first on a fresh clone (CI),
// where a short file that waits on processes or clocks can start last and leave one core idle
// for its whole length. The files that took longest in measured runs start first, in this order
// (CPU-heavy ones alternating with ones that wait); the rest follow vitest's own order.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = [
  // Measured 2026-12-02 (wall per file, most of it in spawned processes for the first three).
  'server/lifecycle',
  'ops/task-worker-kill',
  'cli/cli',
  'modules/connectors/sync',
  'go/local-tls',
  // These two mostly wait (a browser, clocks): beside the CPU-heavy ones.
  'http/docs-browser',
  'modules/tasks/timers',
  'fuzz/fuzz',
  'http/wire-property',
  'http/authorization-matrix',
  'ops/timeouts',
  'http/robustness',
  'ops/tls',
  'modules/connectors/routes',
  'tenancy/tenancy',
  'modules/grants/expiry',
  // 3 to 5 s each: after the long ones, before the many short files that fill the end.
  'cli/import-users',
  'cli/remote-sync',
  'modules/grants/integrity',
  'http/unimplemented',
  'modules/tasks/property',
  'modules/connectors/c1z/expand',
  'cli/lock',
  'modules/policies/migration',
  'modules/connectors/c1z/refusals',
  'modules/connectors/c1z/read',
  'db/pglite-memory',
  'modules/webhooks/delivery',
  'ops/rate-limit',
  'modules/catalogs/bundles',
  'modules/catalogs/migration',
  'modules/webhooks/restart',
  'modules/webhooks/steps',
].map((f) => `${f}.test.ts`);

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = path.join(this.ctx.config.root, 'test');
    const gone = FIRST.filter((f) => !existsSync(path.join(root, f)));
    if (gone.length > 0) throw new Error(`test/helpers/sequencer.ts names files that do not exist: ${gone.join(', ')}`);
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = FIRST.indexOf(path.relative(root, f.moduleId));
      return i < 0 ? FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
