// What readC1z refuses, with which reason, and that a refusal returns nothing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decompress } from 'fzstd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C1zError, type C1zRefusal } from '../../../../src/modules/connectors/c1z/errors.ts';
import { type C1zLimits, readC1z } from '../../../../src/modules/connectors/c1z/read.ts';
import { C1zBuilder, c1zOf, SAMPLES, zstdBomb } from './build.ts';

/** Reads expecting a refusal; returns it (and fails if anything was returned instead). */
async function refusal(input: Uint8Array | string, limits: C1zLimits = {}): Promise<C1zError> {
  let result: unknown;
  try {
    result = await readC1z(input, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(C1zError);
    return err as C1zError;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify((result as { counts?: unknown }).counts)}`);
}

let unexpanded: Uint8Array;
let dir: string;
beforeAll(async () => {
  unexpanded = new Uint8Array(await readFile(`${SAMPLES}unexpanded.c1z`));
  dir = await mkdtemp(path.join(tmpdir(), 'c1z-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readC1z refuses', () => {
  it('pebble-v3.c1z, with the hint to write v1', async () => {
    const err = await refusal(`${SAMPLES}pebble-v3.c1z`);
    expect(err.reason).toBe('v3');
    expect(err.message).toBe(
      'c1z v3 (Pebble) files are not supported: run the connector with --storage-engine sqlite (BATON_STORAGE_ENGINE=sqlite)',
    );
    expect(err.code).toBe(3);
  });

  it('a file with an unknown header, and an empty one', async () => {
    expect((await refusal(new TextEncoder().encode('PK\x03\x04 not a c1z'))).reason).toBe('unknown-format');
    expect((await refusal(new Uint8Array(0))).reason).toBe('unknown-format');
  });

  it('a truncated file, at several lengths', async () => {
    for (const keep of [6, 100, Math.floor(unexpanded.length / 2), unexpanded.length - 1]) {
      const err = await refusal(unexpanded.subarray(0, keep));
      expect(err.reason, `kept ${keep} bytes`).toBe('corrupt');
    }
    expect((await refusal(unexpanded.subarray(0, 5))).reason).toBe('corrupt');
  });

  it('a file with one bit flipped in its zstd stream (frame checksums catch what zstd decodes anyway)', async () => {
    const positions = [5, 8, 11, 12, 200, 5_000, 50_000, 100_000, 150_000, unexpanded.length - 10, unexpanded.length - 2];
    for (let at = 13; at < unexpanded.length; at += 4_999) positions.push(at);
    for (const at of positions) {
      const flipped = new Uint8Array(unexpanded);
      flipped[at] ^= 0x10;
      const err = await refusal(flipped);
      expect(['corrupt', 'not-sqlite'], `bit flipped at ${at}: ${err.message}`).toContain(err.reason);
    }
  });

  it('but not a flip that leaves the content alone (an unused header bit, a larger window): the same sync is read', async () => {
    for (const at of [9, 10]) {
      const flipped = new Uint8Array(unexpanded);
      flipped[at] ^= 0x10;
      const s = await readC1z(flipped);
      expect(s.counts).toEqual({ resourceTypes: 4, resources: 1221, entitlements: 342, grants: 2909 });
      s.close();
    }
  });

  it('a file over maxBytes, as bytes or as a path (measured before it is read)', async () => {
    const limits = { maxBytes: unexpanded.length - 1 };
    const err = await refusal(unexpanded, limits);
    expect(err.reason).toBe('too-large');
    expect(err.message).toContain(`over the limit of ${unexpanded.length - 1} bytes`);
    expect((await refusal(`${SAMPLES}unexpanded.c1z`, limits)).reason).toBe('too-large');
    const ok = await readC1z(`${SAMPLES}unexpanded.c1z`, { maxBytes: unexpanded.length });
    ok.close();
  });

  it('a stream inflating past maxDecompressedBytes (the sample inflates to 3,239,936 bytes)', async () => {
    const err = await refusal(unexpanded, { maxDecompressedBytes: 1024 * 1024 });
    expect(err.reason).toBe('decompressed-too-large');
    expect(err.message).toContain('1048576 bytes');
    const ok = await readC1z(unexpanded, { maxDecompressedBytes: 3_239_936 });
    expect(ok.counts.grants).toBe(2909);
    ok.close();
    expect((await refusal(unexpanded, { maxDecompressedBytes: 3_239_935 })).reason).toBe('decompressed-too-large');
  });

  it('stops inflating at the limit: a bad checksum at the very end is never reached', async () => {
    const badTail = new Uint8Array(unexpanded);
    badTail[badTail.length - 1] ^= 0xff; // the last byte belongs to the frame's content checksum
    expect((await refusal(badTail)).reason).toBe('corrupt');
    expect((await refusal(badTail, { maxDecompressedBytes: 1024 * 1024 })).reason).toBe('decompressed-too-large');
  });

  it('a zstd bomb (2 MiB that would inflate to 64 GiB) without inflating it', async () => {
    const bomb = zstdBomb(524_288);
    const before = process.memoryUsage().arrayBuffers;
    const err = await refusal(bomb, { maxDecompressedBytes: 8 * 1024 * 1024 });
    expect(err.reason).toBe('decompressed-too-large');
    // It held at most the limit plus a block, never the 64 GiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('inflated bytes that are not SQLite', async () => {
    const err = await refusal(await c1zOf(new TextEncoder().encode('hello, this is not a database'.repeat(200))));
    expect(err.reason).toBe('not-sqlite');
  });

  it('a database with damaged pages inside an intact zstd stream', async () => {
    const db = decompress(unexpanded.subarray(5));
    const pageSize = (db[16] << 8) | db[17];
    for (const page of [1, 5, Math.floor(db.length / pageSize / 2), Math.floor(db.length / pageSize) - 2]) {
      const damaged = new Uint8Array(db);
      damaged.fill(0xa5, page * pageSize, (page + 1) * pageSize);
      const err = await refusal(await c1zOf(damaged));
      expect(['corrupt', 'not-sqlite', 'bad-protobuf'], `page ${page}: ${err.message}`).toContain(err.reason);
    }
  });

  it('a SQLite database without the baton tables or columns', async () => {
    const noGrants = await new C1zBuilder({ omit: ['v1_grants'] }).sync('s', '2026-01-01').c1z();
    const err = await refusal(noGrants);
    expect(err.reason).toBe('not-sqlite');
    expect(err.message).toContain('no table v1_grants');
  });

  it('a file with no full sync', async () => {
    const bytes = await new C1zBuilder().sync('p', '2026-01-01', '2026-01-02', 'partial').c1z();
    expect((await refusal(bytes)).reason).toBe('no-sync');
    expect((await refusal(await new C1zBuilder().c1z())).reason).toBe('no-sync');
  });

  it('a row whose data does not decode, naming the table and row, with nothing returned', async () => {
    const bytes = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .resource('s', { type: 'user', id: 'u1' })
      // A length-delimited field 3 whose length runs past the end.
      .raw('v1_grants', {
        resource_type_id: 'g',
        resource_id: 'g1',
        entitlement_id: 'g:g1:member',
        principal_resource_type_id: 'user',
        principal_resource_id: 'u1',
        external_id: 'g:g1:member:user:u1',
        data: new Uint8Array([0x1a, 0x40, 0x61]),
        sync_id: 's',
        discovered_at: '2026-01-01',
      })
      .c1z();
    const err = await refusal(bytes);
    expect(err.reason).toBe('bad-protobuf');
    expect(err.message).toMatch(/^v1_grants row 1 does not decode/);
  });

  it('a field of the wrong wire type', async () => {
    const bytes = await new C1zBuilder()
      .sync('s', '2026-01-01', '2026-01-02')
      .raw('v1_resource_types', {
        external_id: 'user',
        data: new Uint8Array([0x10, 0x01]),
        sync_id: 's',
        discovered_at: '2026-01-01',
      })
      .c1z();
    const err = await refusal(bytes);
    expect(err.reason).toBe('bad-protobuf');
    expect(err.message).toContain('v1_resource_types row 1');
  });

  it('reads a path it was given, and refuses a path whose file is garbage', async () => {
    const file = path.join(dir, 'garbage.c1z');
    await writeFile(file, new Uint8Array([0x43, 0x31, 0x5a, 0x46, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]));
    const err = await refusal(file);
    expect(['corrupt'] as C1zRefusal[]).toContain(err.reason);
  });
});
