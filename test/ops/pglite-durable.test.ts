// PGlite on disk must sync each commit to the disk, not only write it to the
// page cache (Emscripten's NODEFS makes fsync a no-op; src/db/pglite-fs.ts fixes that).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { DurableNodeFS, installRealSync, patchFdatasync, syncCounters } from '../../src/db/pglite-fs.ts';
import { migratedDataDir } from '../helpers/infra.ts';
import { TEST_SHARED_BUFFERS_MB } from '../helpers/migrated-copy.ts';

describe('PGlite on disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-durable-'));
  // A copy of a migrated database: what is tested is syncing, not initdb.
  beforeAll(() => migratedDataDir(dir));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fdatasyncs the WAL once per commit and fsyncs at checkpoints', async () => {
    const db = await openDatabase({ dataDir: dir, pgliteSharedBuffersMb: TEST_SHARED_BUFFERS_MB });
    const datasync = vi.spyOn(fs, 'fdatasyncSync');
    const fsync = vi.spyOn(fs, 'fsyncSync');
    try {
      await db.db.execute(sql`create table t (id int primary key)`);
      const before = datasync.mock.calls.length;
      const walBefore = syncCounters.walDatasyncs;
      for (let i = 0; i < 5; i++) await db.db.execute(sql`insert into t values (${i})`);
      // At least one real fdatasync per committed insert.
      expect(datasync.mock.calls.length - before).toBeGreaterThanOrEqual(5);
      expect(syncCounters.walDatasyncs - walBefore).toBeGreaterThanOrEqual(5);
      // A commit that writes megabytes of WAL syncs as PostgreSQL does: each WAL segment it
      // fills, and the commit; not each WAL page it writes.
      const walAt = async () => {
        const res = await db.db.execute(
          sql`select pg_current_wal_lsn()::text as lsn, current_setting('wal_segment_size') as seg`,
        );
        const row = (res as unknown as { rows: { lsn: string; seg: string }[] }).rows[0];
        const [hi, lo] = row.lsn.split('/').map((h) => Number.parseInt(h, 16));
        return { bytes: hi * 2 ** 32 + lo, segment: Number.parseInt(row.seg, 10) * (row.seg.endsWith('MB') ? 2 ** 20 : 1) };
      };
      const bulkBefore = syncCounters.walDatasyncs;
      const walBefore2 = await walAt();
      await db.db.execute(sql`insert into t select g from generate_series(100, 60099) g`);
      const walAfter = await walAt();
      const segments = Math.ceil((walAfter.bytes - walBefore2.bytes) / walAfter.segment);
      const syncs = syncCounters.walDatasyncs - bulkBefore;
      expect(syncs).toBeGreaterThanOrEqual(1);
      expect(syncs).toBeLessThanOrEqual(segments + 2);
      expect((walAfter.bytes - walBefore2.bytes) / 8192).toBeGreaterThan(10 * (segments + 2));
      await db.db.execute(sql`checkpoint`);
      expect(fsync.mock.calls.length).toBeGreaterThan(0);
    } finally {
      datasync.mockRestore();
      fsync.mockRestore();
      await db.close();
    }
    const again = await openDatabase({ dataDir: dir, pgliteSharedBuffersMb: TEST_SHARED_BUFFERS_MB });
    try {
      const rows = await again.db.execute(sql`select count(*)::int as n from t`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0].n).toBe(60_005);
    } finally {
      await again.close();
    }
  });

  it('refuses to run without the guarantee when PGlite internals are not the expected ones', () => {
    expect(() => installRealSync({ FS: { filesystems: {} } })).toThrow(/pglite-fs\.ts/);
    const noWrite = { realPath: () => '/x', stream_ops: {} } as never;
    expect(() => installRealSync({ FS: { filesystems: { NODEFS: noWrite } } })).toThrow(/cannot make commits durable/);
    expect(() => patchFdatasync({ env: {} }, () => undefined)).toThrow(/__syscall_fdatasync/);
  });

  it('keeps an install failure for openDatabase to refuse the database (not an uncaught exception)', async () => {
    const durable = new DurableNodeFS(path.join(dir, 'never-opened'));
    const { emscriptenOpts } = await durable.init({} as never, { preRun: [] });
    const ours = emscriptenOpts.preRun?.at(-1) as (mod: unknown) => void;
    expect(() => ours({ FS: { filesystems: {} } })).not.toThrow();
    expect(durable.failure?.message).toMatch(/cannot make commits durable/);
    // A PGlite that no longer instantiates its module through instantiateWasm is refused too.
    const bare = new DurableNodeFS(path.join(dir, 'never-opened-2'));
    const init = NodeFS.prototype.init;
    const spy = vi.spyOn(NodeFS.prototype, 'init').mockImplementation(async function (this: NodeFS, ...args) {
      const res = await init.apply(this, args);
      delete (res.emscriptenOpts as { instantiateWasm?: unknown }).instantiateWasm;
      return res;
    });
    try {
      await bare.init({} as never, { preRun: [] });
    } finally {
      spy.mockRestore();
    }
    expect(bare.failure?.message).toMatch(/instantiateWasm/);
  });
});
