// Search by query narrows through the search key's trigrams (src/modules/resources/search-key.ts).
// What matches must never depend on how a search narrows: the HTTP suites below compare every
// answer with a plain case-insensitive substring match over the same resources.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMON_TRIGRAM_SHARE,
  narrowing,
  PROBE_WINDOW,
  searchKeyOf,
  TrigramShareCache,
} from '../../../src/modules/resources/search-key.ts';
import { trigramShares } from '../../../src/modules/resources/store.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { appWithType } from './fixtures.ts';

const shares = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('narrowing a search by query', () => {
  it('keys a query as the database does: lowercased, letters and digits only, by character', () => {
    expect(searchKeyOf('Team-042 / Ops_%')).toEqual([...'team042ops']);
    expect(searchKeyOf('Équipe – Ünïcode')).toEqual([...'équipeünïcode']);
    expect(searchKeyOf('𝐀b1')).toEqual(['𝐀', 'b', '1']);
  });

  it('narrows on the whole key and probes first without statistics', () => {
    expect(narrowing('Team-042', undefined)).toEqual({ slices: [{ start: 1, length: 7 }], probeFirst: true });
  });

  it('does not narrow a key under three characters', () => {
    expect(narrowing('a-b', undefined)).toEqual({ slices: [], probeFirst: false });
    expect(narrowing(' % ', shares({}))).toEqual({ slices: [], probeFirst: false });
  });

  it('leaves common trigrams out and joins neighbouring uncommon ones into one slice', () => {
    const s = shares({ tea: 1, eam: 1, am0: 0.1, m04: 0.01, '042': COMMON_TRIGRAM_SHARE - 0.001 });
    // "team042": tea eam am0 | m04 042 -> the slice "m042" starting at character 4.
    expect(narrowing('Team-042', s)).toEqual({ slices: [{ start: 4, length: 4 }], probeFirst: false });
  });

  it('keeps apart uncommon runs that a common trigram separates; unlisted trigrams are uncommon', () => {
    // "abcdef": abc (unlisted) bcd (common) cde (common) def (rare)
    const s = shares({ bcd: 0.5, cde: COMMON_TRIGRAM_SHARE, def: 0.001 });
    expect(narrowing('abcdef', s)).toEqual({
      slices: [
        { start: 1, length: 3 },
        { start: 4, length: 3 },
      ],
      probeFirst: false,
    });
  });

  it('probes first, then narrows on the whole key, when every trigram is common', () => {
    expect(narrowing('Team', shares({ tea: 0.9, eam: 0.06 }))).toEqual({
      slices: [{ start: 1, length: 4 }],
      probeFirst: true,
    });
  });
});

describe('trigram share cache', () => {
  it('reads once a minute, waits only for the first read, and treats a failed read as no statistics', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const cache = new TrigramShareCache(
      async () => {
        reads++;
        if (fail) throw new Error('permission denied for view pg_stats_ext_exprs');
        return shares({ abc: reads });
      },
      () => now,
    );
    expect((await cache.get())?.get('abc')).toBe(1);
    now = 59_999;
    expect((await cache.get())?.get('abc')).toBe(1);
    expect(reads).toBe(1);
    now = 60_000;
    // Stale shares serve while the new ones are read in the background.
    expect((await cache.get())?.get('abc')).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect((await cache.get())?.get('abc')).toBe(2);
    fail = true;
    now = 120_000;
    await cache.get();
    await new Promise((r) => setImmediate(r));
    expect(await cache.get()).toBeUndefined();
    expect(reads).toBe(3);
  });
});

type View = { appResource: { id: string } };
type Row = { id: string; displayName: string; description?: string };

/**
 * More resources than a probe looks through. The first PROBE_WINDOW + 400 say "xyz1" or "2YZW",
 * so both trigrams of "xyzw" are common, but only the last 100 say "Xyzw": a search for it
 * probes, finds nothing, and must go on through the index after the probe's window.
 */
function dataset(): Omit<Row, 'id'>[] {
  const early = PROBE_WINDOW + 400;
  return Array.from({ length: early + 100 }, (_, k) => {
    const i = k + 1;
    const displayName = i > early ? `Xyzw item ${i}` : i % 2 ? `xyz1 item ${i}` : `2YZW-Item_${i}`;
    return { displayName, description: i % 3 === 0 ? `Note ${i % 7} 100%` : i > early ? 'late' : undefined };
  });
}

describe.each(backends)('search by query over many resources on %s', (backend) => {
  let s: TestServer;
  let appId: string;
  let rows: Row[];

  beforeAll(async () => {
    s = await startServer(backend);
    const { app, type } = await appWithType(s.admin);
    appId = app.id;
    const upserter = await s.core.services.resources.upserter(s.admin.tenant.id, app.id, type.id);
    // Rows with and without a description never share a statement (upsert.ts), so interleaved
    // they would load two at a time: load the early rows without, then with one, then the late
    // ones. Ids still put all of the early rows before the late ones.
    const rank = (d: Omit<Row, 'id'>) => (d.displayName.startsWith('Xyzw') ? 2 : d.description === undefined ? 0 : 1);
    const data = dataset().sort((a, b) => rank(a) - rank(b));
    const out = await upserter.applyMany(data);
    rows = data.map((d, k) => {
      const r = out[k];
      if (r instanceof Error || !r.id) throw r;
      return { id: r.id, ...d };
    });
    // Ids are made in creation order; the reference sorts anyway, as the server does.
    rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }, 120_000);
  afterAll(async () => s?.close());

  const expected = (query: string) => {
    const q = query.trim().toLowerCase();
    return rows
      .filter((r) => !q || r.displayName.toLowerCase().includes(q) || (r.description ?? '').toLowerCase().includes(q))
      .map((r) => r.id);
  };
  const search = async (query: string, pageSize: number, pageToken = '') => {
    const res = await s.admin.post('/api/v1/search/app_resources', { appId, query, pageSize, pageToken });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ids: res.body.list.map((v: View) => v.appResource.id) as string[], next: res.body.nextPageToken as string };
  };

  it('finds matches that only come after the probe window, page by page', async () => {
    // The import analyzed the table: the statistics make "xyzw" a query whose trigrams are all common.
    expect(narrowing('xyzw', await trigramShares(s.core.database.db)).probeFirst).toBe(true);
    const want = expected('XYZW');
    expect(want.length).toBe(100);
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await search('XYZW', 30, pageToken);
      seen.push(...page.ids);
      pageToken = page.next;
    } while (pageToken);
    expect(seen).toEqual(want);
    expect((await search('xyzw item', 100)).ids).toEqual(want);
  });

  it('answers any query exactly as a case-insensitive substring match would', async () => {
    const fromRows = fc
      .tuple(fc.nat(rows.length - 1), fc.boolean(), fc.nat(40), fc.integer({ min: 1, max: 14 }))
      .map(([k, desc, at, len]) => {
        const text = (desc ? rows[k].description : undefined) ?? rows[k].displayName;
        return text.slice(Math.min(at, text.length - 1), Math.min(at, text.length - 1) + len);
      });
    const typed = fc.string({ unit: fc.constantFrom(...'xyzwXYZW12 -_%itemNOTE0'), maxLength: 12 });
    const flipCase = (q: string, mask: number) =>
      [...q].map((c, i) => ((mask >> (i % 30)) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
    await fc.assert(
      // Page sizes from 10 to 100 (C1 clamps others into that range).
      fc.asyncProperty(fc.oneof(fromRows, typed), fc.nat(), fc.integer({ min: 10, max: 100 }), async (raw, mask, size) => {
        const query = flipCase(raw, mask);
        const want = expected(query);
        const first = await search(query, size);
        expect(first.ids, query).toEqual(want.slice(0, size));
        expect(first.next === '', query).toBe(want.length <= size);
        if (first.next) expect((await search(query, size, first.next)).ids, query).toEqual(want.slice(size, 2 * size));
      }),
      { numRuns: 60, endOnFailure: true },
    );
  }, 120_000);
});
