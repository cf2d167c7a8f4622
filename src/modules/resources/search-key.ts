// Searching resources by query at scale. A resource matches when its display name
// or description contains the query, case-insensitively, and ILIKE alone decides
// that. To find the candidates fast, each resource stores its search key (display
// name and description lowercased, letters and digits only; gatehouse_search_key,
// migration 0004) under a trigram index, and a search narrows on slices of the key
// of its query: text that contains the query contains the query's key, and every
// slice of it.
//
// A trigram that most resources share (every seeded name says "Resource") costs the
// index a walk through a posting list as long as the table and narrows nothing, so
// slices leave such trigrams out. How common each trigram is comes from statistics
// that ANALYZE and autovacuum keep (migration 0006). The slices are cut from the
// query's key by the database itself (substr of gatehouse_search_key(query)), so
// what matches never depends on the statistics or on this file agreeing with the
// database's lowercasing: only how fast the answer comes does.

/** A trigram in at least this share of resources is left out of the index condition. */
export const COMMON_TRIGRAM_SHARE = 0.05;

/** How long statistics read from the database are used before they are read again. */
const STATISTICS_TTL_MS = 60_000;

/** Share of resources whose key has each trigram; a trigram not listed is rarer than every listed one. */
export type TrigramShares = ReadonlyMap<string, number>;

/** A slice of the query's key: `start` is 1-based and both count characters, as SQL's substr does. */
export type KeySlice = { start: number; length: number };

/** What gatehouse_search_key gives for `text`, as an array of characters (code points). */
export function searchKeyOf(text: string): string[] {
  return Array.from(text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ''));
}

/** How a search by query finds its page (see ResourcesService.search). */
export type Narrowing = {
  /** Slices of the query's key that every match's key contains; the index narrows on them. */
  slices: KeySlice[];
  /**
   * Look among the next PROBE_WINDOW resources in id order first: taken when no trigram of the
   * query is known to be uncommon, so that matches may be many, and a page of them is then found
   * sooner by walking than through the index.
   */
  probeFirst: boolean;
};

/** Resources a probe looks through; at the common share (5%) this holds about 200 matches. */
export const PROBE_WINDOW = 4000;

/**
 * Without statistics (a new table, or PGlite before an import analyzed it): probe, then the
 * whole key. With them: each run of consecutive uncommon trigrams, or, when every trigram is
 * common, probe and then the whole key. A key under three characters has no trigram to narrow on.
 */
export function narrowing(query: string, shares: TrigramShares | undefined): Narrowing {
  const key = searchKeyOf(query);
  if (key.length < 3) return { slices: [], probeFirst: false };
  const whole = { slices: [{ start: 1, length: key.length }], probeFirst: true };
  if (!shares) return whole;
  const slices: KeySlice[] = [];
  let run: KeySlice | undefined;
  for (let i = 0; i + 3 <= key.length; i++) {
    const uncommon = (shares.get(key.slice(i, i + 3).join('')) ?? 0) < COMMON_TRIGRAM_SHARE;
    if (!uncommon) run = undefined;
    else if (run) run.length++;
    else {
      run = { start: i + 1, length: 3 };
      slices.push(run);
    }
  }
  return slices.length > 0 ? { slices, probeFirst: false } : whole;
}

/**
 * The latest trigram shares, read at most once a minute: a search waits for the first
 * read only; later ones are made in the background while the previous shares serve.
 * `read` answers undefined when the database has no statistics yet.
 */
export class TrigramShareCache {
  private shares: TrigramShares | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<TrigramShares | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<TrigramShares | undefined> {
    if (this.now() - this.readAt >= STATISTICS_TTL_MS) {
      this.reading ??= this.refresh().finally(() => {
        this.reading = undefined;
      });
      if (this.readAt === Number.NEGATIVE_INFINITY) await this.reading;
    }
    return this.shares;
  }

  private async refresh(): Promise<void> {
    try {
      this.shares = await this.read();
    } catch {
      // Statistics only speed searches up; a database that will not show them (a managed
      // service's restricted views, say) gets the search that narrows on the whole key.
      this.shares = undefined;
    }
    this.readAt = this.now();
  }
}
