// Grants: who holds which entitlement of a manual app, until when, and the
// history of every grant (C1's AddManuallyManagedMembers, RemoveEntitlementMembership,
// AppEntitlementUserBindingService). Reads are in reads.ts.
//
// Every change runs in one transaction that locks, in this order: the app, the
// entitlements' resources, the entitlements, then accounts; the same order as
// resource and app deletion, so they never deadlock. The INSERT ... ON CONFLICT
// DO NOTHING / DELETE ... RETURNING of the grants decides every count change, so
// a duplicate grant or revoke changes nothing.
//
// Adding a grant takes those locks FOR KEY SHARE: nothing can delete the rows, but
// grants in one app run side by side until they update the counts, which they do
// last and in the same order (entitlement, resource, accounts, app), each UPDATE
// adding its delta atomically. Revokes, the expiry sweep and deletions lock the app
// FOR UPDATE, so they wait for the grants in flight and run alone.

import { sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { RowLock } from '../../db/sql-helpers.ts';
import { ApiError, Code, failedPrecondition, invalidArgument, notFound } from '../../lib/errors.ts';
import type { AppUserRow, AppUsersService } from '../app-users/service.ts';
import type { AppRow, AppsService } from '../apps/service.ts';
import type { EntitlementRow, EntitlementsService } from '../entitlements/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { GrantReads } from './reads.ts';
import * as store from './store.ts';
import { type Binding, toBinding } from './views.ts';

/** How a flat-file row changed things. */
export type GrantImportRow = { userEmail: string; entitlement: string; expiresAt?: string };
export type ImportOutcome = 'created' | 'updated' | 'unchanged';

const SWEEP_APPS = 100;
const SWEEP_BATCH = 1000;

export class GrantsService {
  readonly reads: GrantReads;

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    private readonly entitlements: EntitlementsService,
  ) {
    this.reads = new GrantReads(db, apps, users, appUsers, entitlements);
    apps.onDelete((tx, tenantId, appId) => store.removeAllOfApp(tx, tenantId, appId, 'deleted'));
    // Overdue grants do not keep an entitlement from being deleted.
    entitlements.onDelete(async (tx, tenantId, appId, ids) => {
      await this.expireOverdue(tx, tenantId, appId, ids);
    });
    entitlements.ownersByHolding((tx, tenantId, ids) => store.holderIds(tx, tenantId, ids));
  }

  /** Grants the entitlement to each identity user; idempotent. Unknown users are reported, not fatal. */
  async addManualUsers(
    tenantId: string,
    appId: string,
    entitlementId: string,
    userIds: string[],
  ): Promise<{ failedUsersErrorMap: Record<string, string> }> {
    if (userIds.length === 0) throw invalidArgument('userIds: at least one user id is required');
    const found = await this.users.byIds(tenantId, userIds);
    const failedUsersErrorMap: Record<string, string> = {};
    for (const id of userIds) if (!found.has(id)) failedUsersErrorMap[id] = `user "${id}" does not exist`;
    await this.db.transaction(async (tx) => {
      const app = await this.lockManualApp(tenantId, appId, tx, 'key share');
      const [ent] = await this.entitlements.lockForGrants(tenantId, appId, [entitlementId], tx, 'key share');
      await this.grantInTx(tx, tenantId, app, ent, [...found.values()]);
    });
    return { failedUsersErrorMap };
  }

  /** Revokes the account's grant; idempotent for an account of the app that holds none. */
  async removeMembership(tenantId: string, appId: string, entitlementId: string, appUserId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lockManualApp(tenantId, appId, tx);
      const [ent] = await this.entitlements.lockForGrants(tenantId, appId, [entitlementId], tx);
      await this.appUsers.requireRow(tenantId, appId, appUserId, tx);
      const removed = await store.deleteGrants(tx, tenantId, appId, { entitlementIds: [ent.id], appUserIds: [appUserId] });
      await this.revokeRows(tx, tenantId, appId, new Map([[ent.id, ent]]), removed, 'manual');
    });
  }

  /** Sets when the grant ends; the sweep revokes it then. */
  async updateDuration(tenantId: string, appId: string, entitlementId: string, appUserId: string, at: string): Promise<Binding> {
    const when = new Date(at);
    if (Number.isNaN(when.getTime())) throw invalidArgument('newDeprovisionAt: not an RFC 3339 timestamp');
    if (when.getTime() <= Date.now()) throw invalidArgument('newDeprovisionAt: must be in the future');
    return this.setDeprovisionAt(tenantId, appId, entitlementId, appUserId, when);
  }

  /** Makes the grant permanent. */
  removeDuration(tenantId: string, appId: string, entitlementId: string, appUserId: string): Promise<Binding> {
    return this.setDeprovisionAt(tenantId, appId, entitlementId, appUserId, null);
  }

  /**
   * The background sweep: revokes every grant whose deadline has passed, app by
   * app. Safe on several servers at once: the app's lock orders them and the
   * DELETE ... RETURNING gives each grant to exactly one of them.
   */
  async sweepExpired(): Promise<number> {
    let total = 0;
    const failures: Error[] = [];
    for (let round = 0; round < 10; round++) {
      const due = await store.appsWithOverdue(this.db, SWEEP_APPS);
      for (const { tenantId, appId } of due) {
        // One app failing must not keep the others' grants alive.
        try {
          total += await this.expireApp(tenantId, appId);
        } catch (err) {
          failures.push(err as Error);
        }
      }
      if (due.length < SWEEP_APPS) break;
    }
    if (failures.length > 0) throw new Error(`${failures.length} app(s) failed; first: ${failures[0].message}`);
    return total;
  }

  private async expireApp(tenantId: string, appId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        try {
          await this.apps.requireRow(tenantId, appId, tx, true);
        } catch (err) {
          // Deleted meanwhile: its grants went with it.
          if (err instanceof ApiError && err.code === Code.NOT_FOUND) return 0;
          throw err;
        }
        return this.expireOverdue(tx, tenantId, appId, undefined, SWEEP_BATCH);
      });
      total += n;
      if (n < SWEEP_BATCH) return total;
    }
  }

  /**
   * One flat-file row: grants the entitlement (id or `resourceDisplayName/slug`) to the
   * user with that email, until expiresAt if given. Its own transaction, so a rejected row writes nothing.
   */
  async importRow(tenantId: string, appId: string, row: GrantImportRow): Promise<ImportOutcome> {
    const email = row.userEmail?.trim();
    if (!email) throw invalidArgument('userEmail: is required');
    if (!row.entitlement?.trim()) throw invalidArgument('entitlement: is required');
    let expiresAt: Date | undefined;
    if (row.expiresAt?.trim()) {
      const text = row.expiresAt.trim();
      expiresAt = new Date(text);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text) || Number.isNaN(expiresAt.getTime())) {
        throw invalidArgument(`expiresAt: "${text}" is not an RFC 3339 timestamp`);
      }
      if (expiresAt.getTime() <= Date.now()) throw invalidArgument(`expiresAt: ${text} is in the past`);
    }
    const user = await this.users.findByEmail(tenantId, email);
    if (!user) throw invalidArgument(`userEmail: no user with email ${email}`);
    return this.db.transaction(async (tx) => {
      const app = await this.lockManualApp(tenantId, appId, tx, 'key share');
      const found = await this.entitlements.resolveRef(tenantId, appId, row.entitlement.trim(), 'entitlement', tx);
      const [ent] = await this.entitlements.lockForGrants(tenantId, appId, [found.id], tx, 'key share');
      const { created, accounts } = await this.grantInTx(tx, tenantId, app, ent, [user], expiresAt);
      if (created.length > 0) return 'created';
      if (!expiresAt) return 'unchanged';
      const account = accounts[0];
      const current = (await this.reads.grantOf(tenantId, ent.id, account.id, tx))?.deprovisionAt;
      if (current?.getTime() === expiresAt.getTime()) return 'unchanged';
      await store.setDeprovisionAt(tx, tenantId, ent.id, account.id, expiresAt);
      return 'updated';
    });
  }

  private async setDeprovisionAt(
    tenantId: string,
    appId: string,
    entitlementId: string,
    appUserId: string,
    at: Date | null,
  ): Promise<Binding> {
    return this.db.transaction(async (tx) => {
      await this.entitlements.requireRow(tenantId, appId, entitlementId, tx);
      await this.appUsers.requireRow(tenantId, appId, appUserId, tx);
      // Only a grant still in force: one whose deadline passed is already over.
      const row = await store.setDeprovisionAt(tx, tenantId, entitlementId, appUserId, at);
      if (!row) throw notFound('grant');
      return toBinding(row);
    });
  }

  private async lockManualApp(tenantId: string, appId: string, tx: Db, lock: RowLock = true): Promise<AppRow> {
    const app = await this.apps.requireRow(tenantId, appId, tx, lock);
    if (!app.isManuallyManaged) throw failedPrecondition(`app ${appId} is not manually managed`);
    return app;
  }

  /** Grants `ent` (locked) to the users' accounts, making accounts as needed. */
  private async grantInTx(
    tx: Db,
    tenantId: string,
    app: AppRow,
    ent: EntitlementRow,
    users: User[],
    deprovisionAt?: Date,
  ): Promise<{ created: store.GrantRow[]; accounts: AppUserRow[] }> {
    const accounts: AppUserRow[] = [];
    for (const user of [...users].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      accounts.push(await this.appUsers.ensureForUser(tenantId, app, user, tx));
    }
    const ents = new Map([[ent.id, ent]]);
    // An overdue grant the sweep has not reached yet ends now, so that the new grant replaces it.
    const overdue = await store.deleteGrants(tx, tenantId, app.id, {
      entitlementIds: [ent.id],
      appUserIds: accounts.map((a) => a.id),
      onlyOverdue: true,
    });
    await this.revokeRows(tx, tenantId, app.id, ents, overdue, 'expired');
    const until =
      deprovisionAt ?? (ent.durationGrantSeconds ? sql`now() + make_interval(secs => ${ent.durationGrantSeconds})` : null);
    const created = await store.insertGrants(
      tx,
      accounts.map((a) => ({
        tenantId,
        id: newId(),
        appId: app.id,
        appEntitlementId: ent.id,
        appUserId: a.id,
        identityUserId: a.identityUserId,
        deprovisionAt: until as Date | null,
      })),
    );
    await store.insertHistory(
      tx,
      created.map((c) => ({
        tenantId,
        id: newId(),
        grantId: c.id,
        appId: c.appId,
        appEntitlementId: c.appEntitlementId,
        appUserId: c.appUserId,
        identityUserId: c.identityUserId,
        grantedAt: c.createdAt,
      })),
    );
    await this.applyCounts(tx, tenantId, app.id, ents, created, 1);
    return { created, accounts };
  }

  /** Revokes the overdue grants of the app (of some entitlements only, if given); the caller holds the app's lock. */
  private async expireOverdue(
    tx: Db,
    tenantId: string,
    appId: string,
    entitlementIds?: string[],
    limit?: number,
  ): Promise<number> {
    const ids = entitlementIds ?? (await store.overdueEntitlementIds(tx, tenantId, appId));
    if (ids.length === 0) return 0;
    const rows = await this.entitlements.lockForGrants(tenantId, appId, ids, tx);
    const removed = await store.deleteGrants(tx, tenantId, appId, { entitlementIds: ids, onlyOverdue: true, limit });
    await this.revokeRows(tx, tenantId, appId, new Map(rows.map((r) => [r.id, r])), removed, 'expired');
    return removed.length;
  }

  private async revokeRows(
    tx: Db,
    tenantId: string,
    appId: string,
    ents: Map<string, EntitlementRow>,
    removed: store.RemovedGrant[],
    reason: string,
  ): Promise<void> {
    if (removed.length === 0) return;
    // A grant removed after its deadline ended at the deadline, whoever removed it.
    const expired = removed.filter((r) => r.overdue);
    const other = removed.filter((r) => !r.overdue);
    await store.closeHistory(tx, tenantId, expired, 'expired');
    await store.closeHistory(tx, tenantId, other, reason);
    await this.applyCounts(tx, tenantId, appId, ents, removed, -1);
  }

  /** Entitlement and resource grantCount, account grant counts, then the app's userCount. */
  private async applyCounts(
    tx: Db,
    tenantId: string,
    appId: string,
    ents: Map<string, EntitlementRow>,
    rows: store.GrantRow[],
    sign: 1 | -1,
  ): Promise<void> {
    if (rows.length === 0) return;
    const perEntitlement = new Map<string, number>();
    const perAccount = new Map<string, number>();
    for (const r of rows) {
      perEntitlement.set(r.appEntitlementId, (perEntitlement.get(r.appEntitlementId) ?? 0) + sign);
      perAccount.set(r.appUserId, (perAccount.get(r.appUserId) ?? 0) + sign);
    }
    for (const id of [...perEntitlement.keys()].sort()) {
      const ent = ents.get(id);
      if (!ent) throw new ApiError(Code.INTERNAL, `grant of entitlement ${id} changed without its lock`);
      await this.entitlements.addGrantCount(tenantId, ent, perEntitlement.get(id) ?? 0, tx);
    }
    const holders = await this.appUsers.addGrantCounts(tenantId, perAccount, tx);
    await this.apps.addUserCount(tenantId, appId, holders, tx);
  }
}
