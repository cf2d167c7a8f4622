// Applying a baton sync (a c1z file) to an app: a full snapshot. Resource types, resources (with
// parents), entitlements and accounts are upserted by their baton ids and stamped with this
// apply's id; grants to accounts (expanded, when the file is not) are upserted with their sources
// and noted in a temporary table of the keys this sync saw; then whatever an earlier sync made and
// this one lacks is removed, grants first (their history records reason 'sync'). All of it is ONE
// transaction: readers never see half a sync, and a sync that fails leaves the previous state
// whole. The file is read and decoded completely (readC1z) before the transaction starts, so a
// refused file changes nothing.
//
// Set-based: rows go in batches of BATCH per statement, a constant number of statements per batch;
// what stays in memory is the id maps of types, resources, entitlements and accounts (not grants).
// The planner's statistics are refreshed between phases (the tables grow inside this transaction,
// where autovacuum cannot see), and the grants' counts are added once at the end.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { setLocalStatementTimeout } from '../../db/sql-helpers.ts';
import type { SyncScope } from '../../db/sync-helpers.ts';
import { failedPrecondition, pgErrorCode } from '../../lib/errors.ts';
import type { AppUsersService } from '../app-users/service.ts';
import type { AppsService } from '../apps/service.ts';
import type { DirectoriesService } from '../directories/service.ts';
import type { EntitlementsService } from '../entitlements/service.ts';
import type { GrantsService } from '../grants/service.ts';
import type { ResourceTypesService } from '../resource-types/service.ts';
import type { ResourcesService } from '../resources/service.ts';
import type { DirectoryAccount, DirectorySyncResult } from '../users/service.ts';
import { type ExpandedGrant, expandGrants } from './c1z/expand.ts';
import { type C1zSync, withC1z } from './c1z/read.ts';
import type { C1zResource, C1zSyncInfo } from './c1z/types.ts';
import { parentOf, toAccount, toDirectoryAccount, toEntitlement, toResource, toResourceType } from './sync-rows.ts';

/** Rows per statement. */
export const BATCH = 2000;
/** Grants per statement: narrower rows, and each statement's fixed cost is paid 1,000,000 / GRANT_BATCH times. */
const GRANT_BATCH = 5000;

export type Tally = { total: number; added: number; removed: number };
export type SyncResult = {
  sync: C1zSyncInfo;
  resourceTypes: Tally;
  resources: Tally;
  entitlements: Tally;
  accounts: Tally & { linked: number };
  grants: { total: number; added: number; removed: number; unchanged: number };
  /** When the app is a directory: the identity users its accounts made, changed and disabled. */
  directory?: DirectorySyncResult;
};

export type SyncServices = {
  apps: AppsService;
  resourceTypes: ResourceTypesService;
  resources: ResourcesService;
  entitlements: EntitlementsService;
  appUsers: AppUsersService;
  grants: GrantsService;
  directories: DirectoriesService;
};

const key = (type: string, id: string) => `${type}\0${id}`;

/**
 * A sync the schema refuses (class 23: say a hand-made entitlement of a synced resource already has a
 * slug the sync brings) is FAILED_PRECONDITION naming the constraint; the transaction wrote nothing.
 */
function refusedByIntegrity(err: unknown): unknown {
  const code = pgErrorCode(err);
  if (!code?.startsWith('23')) return err;
  let e: unknown = err;
  while (e && typeof e === 'object' && !(e as { constraint?: string }).constraint && (e as { cause?: unknown }).cause)
    e = (e as { cause?: unknown }).cause;
  const { constraint, detail } = (e ?? {}) as { constraint?: string; detail?: string };
  return failedPrecondition(
    `the sync conflicts with the app's data (${constraint ?? code}${detail ? `: ${detail}` : ''}); nothing was changed`,
  );
}

/** Cuts an iterable into arrays of at most `size`. */
function* batches<T>(items: Iterable<T>, size = BATCH): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export class SyncService {
  constructor(
    private readonly db: Db,
    private readonly s: SyncServices,
    private readonly maxBytes: number,
    /** The statements' time limit inside the sync's transaction (ms, 0: none), instead of GATEHOUSE_STATEMENT_TIMEOUT_MS. */
    private readonly timeoutMs = 0,
  ) {}

  /** Applies the file (a path or its bytes) to the app. Refuses a bad file (C1zError) or an unknown app (404) with nothing changed. */
  async apply(tenantId: string, appId: string, file: string | Uint8Array): Promise<SyncResult> {
    await this.s.apps.requireRow(tenantId, appId);
    return withC1z(file, { maxBytes: this.maxBytes }, async (c1z) => {
      try {
        return await this.db.transaction(async (tx) => {
          // FOR UPDATE: two syncs of one app run one after the other (and a delete of the app waits).
          await setLocalStatementTimeout(tx, this.timeoutMs);
          const app = await this.s.apps.requireRow(tenantId, appId, tx, true);
          const scope: SyncScope = { tenantId, appId, syncId: newId() };
          return this.applyInTx(tx, scope, c1z, app.identityMatching === 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME');
        });
      } catch (err) {
        throw refusedByIntegrity(err);
      }
    });
  }

  private async applyInTx(tx: Db, scope: SyncScope, c1z: C1zSync, byDisplayName: boolean): Promise<SyncResult> {
    const { resourceTypes, resources, entitlements, appUsers, grants } = this.s;
    const tally = (): Tally => ({ total: 0, added: 0, removed: 0 });
    const result: SyncResult = {
      sync: c1z.sync,
      resourceTypes: tally(),
      resources: tally(),
      entitlements: tally(),
      accounts: { ...tally(), linked: 0 },
      grants: { total: 0, added: 0, removed: 0, unchanged: 0 },
    };
    const count = (t: Tally, up: { ids: Map<string, string>; added: number }) => {
      t.total += up.ids.size;
      t.added += up.added;
    };

    // Resource types (baton type id → Gatehouse id); those with the user trait hold accounts.
    const typeIds = new Map<string, string>();
    const userTypes = new Set<string>();
    for (const batch of batches(c1z.resourceTypes())) {
      const up = await resourceTypes.sync.upsert(tx, scope, batch.map(toResourceType));
      for (const [baton, id] of up.ids) typeIds.set(baton, id);
      count(result.resourceTypes, up);
      for (const t of batch) if (t.traits.includes('user')) userTypes.add(t.id);
    }

    // Resources (baton `type\0id` → Gatehouse id); their parents are set in the accounts' pass, once all exist.
    const resourceIds = new Map<string, string>();
    for (const batch of batches(c1z.resources())) {
      const rows = batch.flatMap((r) => toResource(r, typeIds));
      const up = await resources.sync.upsert(tx, scope, rows);
      for (const r of batch) {
        const typeId = typeIds.get(r.resourceTypeId);
        const id = typeId && up.ids.get(key(typeId, r.id));
        if (id) resourceIds.set(key(r.resourceTypeId, r.id), id);
      }
      count(result.resources, up);
    }
    await resources.sync.refreshStats(tx);
    // Entitlements (baton id → Gatehouse id).
    const entitlementIds = new Map<string, string>();
    for (const batch of batches(c1z.entitlements())) {
      const rows = batch.flatMap((e) => toEntitlement(e, typeIds, resourceIds));
      const up = await entitlements.sync.upsert(tx, scope, rows);
      for (const [baton, id] of up.ids) entitlementIds.set(baton, id);
      count(result.entitlements, up);
    }

    // One more pass over the resources: parents, and accounts (resources of a user-trait type, or
    // carrying a UserTrait; baton `type:id` → app user id).
    const accountIds = new Map<string, string>();
    const isAccount = (r: C1zResource) => userTypes.has(r.resourceTypeId) || r.userTrait !== undefined;
    // A directory's accounts it accepts become identity users (before linking, so that they link).
    const accepts = await this.s.directories.acceptor(tx, scope.tenantId, scope.appId);
    const directoryAccounts: DirectoryAccount[] = [];
    for (const batch of batches(c1z.resources())) {
      await resources.sync.setParents(
        tx,
        scope,
        batch.flatMap((r) => parentOf(r, typeIds, resourceIds)),
      );
      const accountResources = batch.filter(isAccount);
      const accounts = accountResources.map(toAccount);
      if (accounts.length === 0) continue;
      if (accepts) {
        for (const [i, r] of accountResources.entries()) {
          const d = toDirectoryAccount(r, accounts[i]);
          if (d.account && accepts(d.appUser)) directoryAccounts.push(d.account);
        }
      }
      const up = await appUsers.sync.upsert(tx, scope, accounts);
      for (const [baton, id] of up.ids) accountIds.set(baton, id);
      count(result.accounts, up);
    }
    await appUsers.sync.refreshStats(tx);
    await entitlements.sync.refreshStats(tx);
    if (accepts) result.directory = await this.s.directories.apply(tx, scope.tenantId, scope.appId, directoryAccounts);
    result.accounts.linked = await appUsers.sync.link(tx, scope, byDisplayName);

    // Grants to accounts, expanded (an expanded file derives nothing new), with their sources.
    const expansion = expandGrants({
      grants: c1z.grants(),
      entitlements: c1z.entitlements(),
      isAccount: (type, id) => accountIds.has(`${type}:${id}`),
    });
    const toGrant = (g: ExpandedGrant) => {
      const entitlementId = entitlementIds.get(g.entitlementId);
      const appUserId = accountIds.get(`${g.principalResourceTypeId}:${g.principalResourceId}`);
      if (!entitlementId || !appUserId) return [];
      const sources = Object.keys(g.sources).flatMap((s) => entitlementIds.get(s) ?? []);
      return [{ entitlementId, appUserId, sources, grantId: newId(), historyId: newId() }];
    };
    await grants.sync.start(tx);
    for (const batch of batches(expansion, GRANT_BATCH)) {
      const rows = batch.flatMap(toGrant);
      if (rows.length === 0) continue;
      const up = await grants.sync.upsert(tx, scope, rows);
      result.grants.total += rows.length;
      result.grants.added += up.added;
      result.grants.unchanged += up.unchanged;
    }

    // What earlier syncs made and this one lacks: grants first (history), then what they hang off.
    result.grants.removed = await grants.sync.revokeStale(tx, scope);
    result.entitlements.removed = await entitlements.sync.removeStale(tx, scope);
    result.accounts.removed = await appUsers.sync.removeStale(tx, scope);
    result.resources.removed = await resources.sync.removeStale(tx, scope);
    result.resourceTypes.removed = await resourceTypes.sync.removeStale(tx, scope);
    return result;
  }
}
