// ListUsers' first pages, kept by this process and answered again while they are still true.
// A first page of a big entitlement (100 accounts and their grants) costs the database a hundred
// index lookups and Node a hundred rows to parse and turn into views; checking that nothing
// changed costs one lookup of the holders' version (grants/store.ts, holdersVersionNow): the sums
// of the entitlement's and its app's change counters, which every write that changes what the
// page shows adds to in its own transaction (db/counts.ts). A version equal to the one the page
// was read at (in the same snapshot as the page) means no committed change since, whichever
// server made it. Time is the other thing a page depends on (a grant past its deadline leaves
// it): a page is kept only until the earliest deadline among its rows, by the database's clock.
import type { Page } from '../../lib/paging.ts';
import type { EntitlementUserView } from './schemas.ts';

type Entry = { version: string; until: number; page: Page<EntitlementUserView> };

/**
 * How many pages a process keeps: a page of 100 accounts holds about 120 KB (its views and their
 * JSON), so at most about 15 MB. The oldest kept goes first.
 */
const MAX_PAGES = 128;

export class HoldersCache {
  private readonly pages = new Map<string, Entry>();

  private static key(tenantId: string, appId: string, entitlementId: string, size: number): string {
    return `${tenantId}/${appId}/${entitlementId}/${size}`;
  }

  /**
   * The kept page, if there is one and it is still true: read at the version the database has
   * `now` and with no deadline on it passed by then. `now` (a lookup) is asked only when a page is kept.
   */
  async current(
    tenantId: string,
    appId: string,
    entitlementId: string,
    size: number,
    now: () => Promise<{ version: string; now: Date } | undefined>,
  ): Promise<Page<EntitlementUserView> | undefined> {
    const e = this.pages.get(HoldersCache.key(tenantId, appId, entitlementId, size));
    if (!e) return undefined;
    const at = await now();
    return at && at.version === e.version && at.now.getTime() < e.until ? e.page : undefined;
  }

  /** Keeps a page read at `version`, true until `until` (ms since the epoch; Infinity: no deadline on it). */
  set(tenantId: string, appId: string, entitlementId: string, size: number, entry: Entry): void {
    const key = HoldersCache.key(tenantId, appId, entitlementId, size);
    this.pages.delete(key);
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value as string);
    this.pages.set(key, entry);
  }
}
