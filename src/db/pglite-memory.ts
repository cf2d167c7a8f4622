// PGlite's shared_buffers. PGlite 0.3 starts PostgreSQL with `-c shared_buffers=128MB` built
// into its WebAssembly binary (a command-line setting: no config file or ALTER SYSTEM can
// lower it), and Emscripten gives PostgreSQL its shared memory zero-filled. So every open
// writes 128 MiB of zeros: about half a second of CPU and 150 MB of resident memory per
// database, whatever its size. GATEHOUSE_PGLITE_SHARED_BUFFERS_MB makes a copy of the binary
// with another value in that argument (the text is replaced, same length, NUL-padded) and
// starts PGlite from it. PGlite is pinned to an exact version in package.json, and a binary
// without the text exactly once is refused here rather than started with the default.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const BUILT_IN = 'shared_buffers=128MB';
/** The values the replacement can hold in the built-in text's 20 bytes. */
export const SHARED_BUFFERS_MB = { min: 1, max: 999 } as const;

const compiled = new Map<number, Promise<WebAssembly.Module>>();

/** The bytes of PGlite's binary with shared_buffers set to `mb` megabytes. */
export function withSharedBuffers(binary: Buffer, mb: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(mb) || mb < SHARED_BUFFERS_MB.min || mb > SHARED_BUFFERS_MB.max) {
    throw new RangeError(`shared_buffers must be ${SHARED_BUFFERS_MB.min} to ${SHARED_BUFFERS_MB.max} MB, got ${mb}`);
  }
  const from = Buffer.from(BUILT_IN);
  const at = binary.indexOf(from);
  if (at < 0 || binary.indexOf(from, at + 1) >= 0) {
    throw new Error(`PGlite internals changed: "${BUILT_IN}" is not in its binary exactly once; check src/db/pglite-memory.ts`);
  }
  const out = new Uint8Array(binary);
  const text = Buffer.alloc(from.length);
  text.write(`shared_buffers=${mb}MB`);
  out.set(text, at);
  return out;
}

/** The bytes of the installed PGlite's WebAssembly binary. */
export function pgliteBinary(): Buffer {
  const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  return readFileSync(path.join(dist, 'pglite.wasm'));
}

/** PGlite's module with shared_buffers of `mb` MB, compiled once per process and value. */
export function pgliteModule(mb: number): Promise<WebAssembly.Module> {
  let module = compiled.get(mb);
  if (!module) {
    module = WebAssembly.compile(withSharedBuffers(pgliteBinary(), mb));
    compiled.set(mb, module);
    module.catch(() => compiled.delete(mb));
  }
  return module;
}
