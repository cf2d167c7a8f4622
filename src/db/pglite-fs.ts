// PGlite's Node filesystem with real fsync. PGlite 0.3 runs PostgreSQL in
// WebAssembly over Emscripten's NODEFS: every write goes straight to the real
// file (fs.writeSync), but fsync/fdatasync are no-ops there (NODEFS has no
// fsync stream op, and Emscripten's fdatasync syscall returns 0 without doing
// anything). A commit therefore survives the process being killed (the data is
// in the kernel's page cache) but not a power loss or kernel crash.
// This filesystem restores PostgreSQL's guarantee: WAL writes are followed by
// fdatasync (what wal_sync_method=open_datasync does), and the fsync calls
// PostgreSQL makes at checkpoints reach the disk.
import fs from 'node:fs';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type Stream = { nfd?: number; node: unknown; shared: object };
type NodeFsOps = {
  realPath(node: unknown): string;
  stream_ops: {
    write(stream: Stream, ...rest: unknown[]): number;
    fsync?: (stream: Stream) => number;
  };
};
type EmscriptenModule = { FS: { filesystems: { NODEFS?: NodeFsOps } } };

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

/** Makes NODEFS sync for real; throws if PGlite's internals are not what this was written for. */
export function installRealSync(mod: EmscriptenModule): void {
  const nodefs = mod.FS.filesystems.NODEFS;
  if (!nodefs || typeof nodefs.realPath !== 'function' || typeof nodefs.stream_ops?.write !== 'function') {
    throw new Error('PGlite internals changed (NODEFS): cannot make commits durable; check src/db/pglite-fs.ts');
  }
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
  const isWal = new WeakMap<object, boolean>();
  const write = ops.write;
  ops.write = (stream, ...rest) => {
    const n = write(stream, ...rest);
    let wal = isWal.get(stream.shared);
    if (wal === undefined) {
      wal = nodefs.realPath(stream.node).includes('/pg_wal/');
      isWal.set(stream.shared, wal);
    }
    if (wal && stream.nfd !== undefined) {
      fs.fdatasyncSync(stream.nfd);
      syncCounters.walDatasyncs++;
    }
    return n;
  };
}

export class DurableNodeFS extends NodeFS {
  /** Set when the real sync could not be installed; the database must not be used then. */
  failure?: Error;

  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const res = await super.init(...args);
    // A throw inside Emscripten's preRun would surface as an uncaught exception: keep it for openDatabase.
    const install = (mod: unknown) => {
      try {
        installRealSync(mod as EmscriptenModule);
      } catch (err) {
        this.failure = err as Error;
      }
    };
    res.emscriptenOpts.preRun = [...(res.emscriptenOpts.preRun ?? []), install];
    return res;
  }
}
