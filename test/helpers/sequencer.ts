// The order test files are handed to the two workers. Vitest runs longest first when it has
// durations from an earlier run (node_modules/.vite), and largest first on a fresh clone (CI),
// where a short file that waits on processes or clocks can start last and leave one core idle
// for its whole length. The files that took longest in measured runs start first, in this order
// (CPU-heavy ones alternating with ones that wait); the rest follow vitest's own order.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = [
  'ops/task-worker-kill',
  'cli/cli',
  'modules/connectors/c1z/expand',
  'go/local-tls',
  'modules/connectors/sync',
  'server/lifecycle',
  'fuzz/fuzz',
  'http/docs-browser',
  'http/wire-property',
  'modules/tasks/timers',
  'http/authorization-matrix',
  'ops/timeouts',
  'http/robustness',
  'modules/grants/expiry',
  'modules/grants/integrity',
  'ops/rate-limit',
  'modules/connectors/routes',
  // 2.5 to 6 s each: after the long ones, before the many short files that fill the end.
  'http/unimplemented',
  'modules/webhooks/restart',
  'tenancy/tenancy',
  'ops/pglite-durable',
  'cli/import-users',
  'modules/tasks/property',
  'cli/remote-sync',
  'modules/connectors/c1z/refusals',
  'cli/lock',
  'modules/policies/migration',
  'modules/connectors/c1z/read',
  'modules/webhooks/delivery',
  'modules/catalogs/migration',
  'auth/basic',
  'modules/catalogs/bundles',
  'modules/resources/resources',
  'modules/tasks/actions',
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
