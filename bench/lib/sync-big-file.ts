// Writes the generated big sync file (bigSyncFile) to a path, in its own process, so that the
// bench process that applies it does not carry the generator's memory (sql.js keeps its WASM heap).
// Usage: node --import tsx bench/lib/sync-big-file.ts <accounts> <grants> <out.c1z>
import { writeFileSync } from 'node:fs';
import { bigSyncFile } from './sync-big.ts';

const [accounts, grants, out] = process.argv.slice(2);
writeFileSync(out, await bigSyncFile(Number(accounts), Number(grants)));
