// PGlite on disk must sync each commit to the disk, not only write it to the
// page cache (Emscripten's NODEFS makes fsync a no-op; src/db/pglite-fs.ts fixes that).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { DurableNodeFS, installRealSync, syncCounters } from '../../src/db/pglite-fs.ts';

describe('PGlite on disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-durable-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fdatasyncs the WAL on every commit and fsyncs at checkpoints', async () => {
    const db = await openDatabase({ dataDir: dir });
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
      await db.db.execute(sql`checkpoint`);
      expect(fsync.mock.calls.length).toBeGreaterThan(0);
    } finally {
      datasync.mockRestore();
      fsync.mockRestore();
      await db.close();
    }
    const again = await openDatabase({ dataDir: dir });
    try {
      const rows = await again.db.execute(sql`select count(*)::int as n from t`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0].n).toBe(5);
    } finally {
      await again.close();
    }
  });

  it('refuses to run without the guarantee when PGlite internals are not the expected ones', () => {
    expect(() => installRealSync({ FS: { filesystems: {} } })).toThrow(/pglite-fs\.ts/);
    const noWrite = { realPath: () => '/x', stream_ops: {} } as never;
    expect(() => installRealSync({ FS: { filesystems: { NODEFS: noWrite } } })).toThrow(/cannot make commits durable/);
  });

  it('keeps an install failure for openDatabase to refuse the database (not an uncaught exception)', async () => {
    const durable = new DurableNodeFS(path.join(dir, 'never-opened'));
    const { emscriptenOpts } = await durable.init({} as never, { preRun: [] });
    const ours = emscriptenOpts.preRun?.at(-1) as (mod: unknown) => void;
    expect(() => ours({ FS: { filesystems: {} } })).not.toThrow();
    expect(durable.failure?.message).toMatch(/cannot make commits durable/);
  });
});
