// Writes src/http/c1-operations.json: every operation of C1's openapi.yaml as
// (method, path, operationId), so the server knows which C1 operations exist
// without reading ../shared at run time (it is not shipped).
// Usage: npx tsx scripts/c1-operations.ts [path/to/openapi.yaml]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type C1OperationRef = { method: string; path: string; operationId: string };

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SPEC_PATH = path.resolve(ROOT, '../shared/c1-api/openapi.yaml');
export const OUTPUT_PATH = path.join(ROOT, 'src/http/c1-operations.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The operations of an OpenAPI document, in a stable order (path, then method). */
export function deriveOperations(specText: string): C1OperationRef[] {
  const spec = parse(specText) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const ops: C1OperationRef[] = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${p} has no operationId`);
      ops.push({ method: method.toUpperCase(), path: p, operationId: op.operationId });
    }
  }
  return ops.sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path < b.path ? -1 : 1));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ops = deriveOperations(readFileSync(process.argv[2] ?? SPEC_PATH, 'utf8'));
  // Biome's JSON format, so `npm run lint` accepts the file as written.
  writeFileSync(OUTPUT_PATH, `${JSON.stringify(ops, null, 2)}\n`);
  process.stdout.write(`wrote ${ops.length} operations to ${path.relative(ROOT, OUTPUT_PATH)}\n`);
}
