// Prints how long a c1z file takes to read and expand, and the memory it takes:
//   npx tsx scripts/c1z-stats.ts ../shared/baton/samples/expanded.c1z
// (run with --expose-gc, e.g. `node --expose-gc --import tsx scripts/c1z-stats.ts FILE`, for
// steadier heap numbers).
import { expandSync } from '../src/modules/connectors/c1z/expand.ts';
import { readC1z } from '../src/modules/connectors/c1z/read.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: scripts/c1z-stats.ts FILE.c1z');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers + m.external };
};
const show = (label: string, base: ReturnType<typeof mem>, ms: number) => {
  const m = mem();
  console.log(
    `${label}: ${ms.toFixed(0)} ms; rss ${mb(m.rss)} (+${mb(m.rss - base.rss)}), heap +${mb(m.heap - base.heap)}, ` +
      `buffers/wasm +${mb(m.buffers - base.buffers)}`,
  );
};

const base = mem();
let t = performance.now();
const sync = await readC1z(file);
show(`readC1z (sync ${sync.sync.id}, ${JSON.stringify(sync.counts)})`, base, performance.now() - t);
t = performance.now();
let n = 0;
for (const _ of sync.grants()) n++;
show(`one pass over ${n} grants`, base, performance.now() - t);
t = performance.now();
const expansion = expandSync(sync);
let out = 0;
for (const _ of expansion) out++;
show(`expandSync: ${out} grants (${expansion.derived} derived)`, base, performance.now() - t);
sync.close();
show('closed', base, 0);
