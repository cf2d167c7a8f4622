#!/usr/bin/env node
// Runs the compiled dist/main.js when `npm run build` made it and it is not older
// than the sources; otherwise the TypeScript sources through tsx (no build step needed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'main.js');

/** Newest modification time of a file under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
}

// A stale dist (sources edited since the build) would run old code: use the sources then.
const useDist = existsSync(built) && statSync(built).mtimeMs >= newest(path.join(root, 'src'));
let main;
if (useDist) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main();
