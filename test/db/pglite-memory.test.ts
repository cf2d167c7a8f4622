// GATEHOUSE_PGLITE_SHARED_BUFFERS_MB (src/db/pglite-memory.ts): the embedded database starts
// with the shared_buffers asked for, on disk (with the durable filesystem's own patch of the
// module) and in memory. Values out of range are refused.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { syncCounters } from '../../src/db/pglite-fs.ts';
import { pgliteBinary, withSharedBuffers } from '../../src/db/pglite-memory.ts';
import { migratedDataDir, migratedPglite } from '../helpers/infra.ts';

async function sharedBuffers(opts: Parameters<typeof openDatabase>[0], commit = false): Promise<string> {
  const database = await openDatabase(opts);
  try {
    if (commit) await database.db.execute(sql`create table buffers_probe (id int)`);
    const res = (await database.db.execute(sql`show shared_buffers`)) as unknown as { rows: { shared_buffers: string }[] };
    return res.rows[0].shared_buffers;
  } finally {
    await database.close();
  }
}

describe('PGlite shared_buffers', () => {
  it('is what the setting asks for, on disk with commits synced and in memory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gh-buffers-'));
    try {
      // Copies of the migrated database: no initdb, which costs seconds.
      await migratedDataDir(dir);
      const memoryFrom = await migratedPglite();
      const synced = syncCounters.walDatasyncs;
      expect(await sharedBuffers({ dataDir: dir, pgliteSharedBuffersMb: 16 }, true)).toBe('16MB');
      // The durable filesystem patched the same module's imports: the commit reached the disk.
      expect(syncCounters.walDatasyncs).toBeGreaterThan(synced);
      // (Without the setting PGlite zero-fills its own 128 MB: not opened here, for that cost.)
      expect(await sharedBuffers({ memory: true, memoryFrom, pgliteSharedBuffersMb: 8 })).toBe('8MB');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses values the setting cannot hold, and a binary without the built-in text', () => {
    expect(loadConfig({ GATEHOUSE_PGLITE_SHARED_BUFFERS_MB: '16' }).pgliteSharedBuffersMb).toBe(16);
    expect(loadConfig({}).pgliteSharedBuffersMb).toBeUndefined();
    for (const bad of ['0', '1000', '1.5', 'lots', '-4']) {
      expect(() => loadConfig({ GATEHOUSE_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ GATEHOUSE_PGLITE_SHARED_BUFFERS_MB: '1000' })).toThrow(
      'GATEHOUSE_PGLITE_SHARED_BUFFERS_MB must be at most 999, got "1000"',
    );
    // The largest value fits the built-in text's bytes, NUL-terminated where the text was.
    // Read once: withSharedBuffers copies, and each read is the whole binary.
    const binary = pgliteBinary();
    const largest = Buffer.from(withSharedBuffers(binary, 999));
    const at = largest.indexOf('shared_buffers=999MB');
    expect(at).toBeGreaterThan(0);
    expect(largest.length).toBe(binary.length);
    expect(largest.indexOf('shared_buffers=128MB')).toBe(-1);
    expect(Buffer.from(withSharedBuffers(binary, 8).subarray(at, at + 21))).toEqual(Buffer.from('shared_buffers=8MB\0\0\0'));
    expect(() => withSharedBuffers(binary, 1000)).toThrow(RangeError);
    const without = Buffer.from(binary);
    without.write('xhared', without.indexOf('shared_buffers=128MB'));
    expect(() => withSharedBuffers(without, 16)).toThrow('PGlite internals changed');
    const twice = Buffer.concat([binary, Buffer.from('shared_buffers=128MB')]);
    expect(() => withSharedBuffers(twice, 16)).toThrow('exactly once');
  });
});
