// PGlite's Node filesystem with real fsync. PGlite 0.3 runs PostgreSQL in
// WebAssembly over Emscripten's NODEFS: every write goes straight to the real
// file (fs.writeSync), but syncs do nothing there: NODEFS has no fsync stream
// op, and Emscripten's fdatasync syscall returns 0 without doing anything. A
// commit therefore survives the process being killed (the data is in the
// kernel's page cache) but not a power loss or kernel crash.
// This filesystem restores PostgreSQL's guarantee. PostgreSQL flushes the WAL
// at each commit with fdatasync (its wal_sync_method; PGlite reads no config
// file, so that cannot be changed), and that syscall is made real by replacing
// it among the WebAssembly module's imports; the fsync calls PostgreSQL makes
// at checkpoints reach the disk through a NODEFS fsync op. So a commit costs
// one real fdatasync, as on PostgreSQL, however much WAL its statements wrote.
import fs from 'node:fs';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type Stream = { nfd?: number; node: unknown };
type NodeFsOps = {
  realPath(node: unknown): string;
  stream_ops: { fsync?: (stream: Stream) => number };
};
type EmscriptenFS = { filesystems?: { NODEFS?: NodeFsOps }; getStream?: (fd: number) => Stream | null | undefined };
type EmscriptenModule = { FS: EmscriptenFS };
type Imports = { env?: Record<string, unknown> };
type InstantiateWasm = (imports: Imports, done: (...args: unknown[]) => void) => unknown;

/** Counts of real syncs issued, for tests and diagnostics. */
export const syncCounters = { walDatasyncs: 0, fsyncs: 0 };

function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function nodefsOf(mod: EmscriptenModule): NodeFsOps {
  const nodefs = mod.FS?.filesystems?.NODEFS;
  if (
    !nodefs ||
    typeof nodefs.realPath !== 'function' ||
    typeof nodefs.stream_ops !== 'object' ||
    typeof mod.FS.getStream !== 'function'
  ) {
    throw new Error('PGlite internals changed (NODEFS): cannot make commits durable; check src/db/pglite-fs.ts');
  }
  return nodefs;
}

/** Makes NODEFS fsync for real; throws if PGlite's internals are not what this was written for. */
export function installRealSync(mod: EmscriptenModule): void {
  const nodefs = nodefsOf(mod);
  const ops = nodefs.stream_ops;
  if ((ops as { gatehouseSync?: boolean }).gatehouseSync) return;
  (ops as { gatehouseSync?: boolean }).gatehouseSync = true;
  // Directories are opened without a host fd (PostgreSQL syncs them after creating files).
  ops.fsync = (stream) => {
    if (stream.nfd !== undefined) fs.fsyncSync(stream.nfd);
    else fsyncPath(nodefs.realPath(stream.node));
    syncCounters.fsyncs++;
    return 0;
  };
}

/**
 * A real fdatasync for the module's fd, in place of Emscripten's no-op. Answers 0 or a
 * negated errno, as the syscall does; `mod` is undefined until the module has started.
 */
export function realFdatasync(mod: EmscriptenModule | undefined, fd: number): number {
  if (!mod?.FS.getStream) return 0;
  const stream = mod.FS.getStream(fd);
  if (!stream) return -8; // EBADF
  if (stream.nfd === undefined) return 0;
  fs.fdatasyncSync(stream.nfd);
  if (nodefsOf(mod).realPath(stream.node).includes('/pg_wal/')) syncCounters.walDatasyncs++;
  return 0;
}

/** Replaces the fdatasync syscall among the imports the module is instantiated with. */
export function patchFdatasync(imports: Imports, moduleOf: () => EmscriptenModule | undefined): void {
  if (typeof imports.env?.__syscall_fdatasync !== 'function') {
    throw new Error('PGlite internals changed (__syscall_fdatasync): cannot make commits durable; check src/db/pglite-fs.ts');
  }
  imports.env.__syscall_fdatasync = (fd: number) => realFdatasync(moduleOf(), fd);
}

export class DurableNodeFS extends NodeFS {
  /** Set when the real sync could not be installed; the database must not be used then. */
  failure?: Error;
  private mod: EmscriptenModule | undefined;

  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const res = await super.init(...args);
    // A throw inside Emscripten's start-up would surface as an uncaught exception: keep it for openDatabase.
    const keep = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        this.failure ??= err as Error;
      }
    };
    const opts = res.emscriptenOpts as typeof res.emscriptenOpts & { instantiateWasm?: InstantiateWasm };
    const instantiate = opts.instantiateWasm;
    if (typeof instantiate !== 'function') {
      this.failure = new Error(
        'PGlite internals changed (instantiateWasm): cannot make commits durable; check src/db/pglite-fs.ts',
      );
    } else {
      opts.instantiateWasm = (imports, done) => {
        keep(() => patchFdatasync(imports, () => this.mod));
        return instantiate(imports, done);
      };
    }
    const install = (mod: unknown) =>
      keep(() => {
        installRealSync(mod as EmscriptenModule);
        this.mod = mod as EmscriptenModule;
      });
    res.emscriptenOpts.preRun = [...(res.emscriptenOpts.preRun ?? []), install];
    return res;
  }
}
