// Grants: who holds which entitlement of a manual app, until when, and the
// history of every grant (C1's AddManuallyManagedMembers, RemoveEntitlementMembership,
// AppEntitlementUserBindingService). Reads are in reads.ts.
//
// Every change is set-based (writes.ts): granting N users is a constant number of
// statements, and the INSERT ... ON CONFLICT DO NOTHING / DELETE ... RETURNING of the
// grants decides every count change in the same statement, so a duplicate grant or
// revoke changes nothing. Grants and revokes hold the app and the entitlement FOR KEY
// SHARE only (nothing can delete them meanwhile, yet they run side by side); their
// counts go to counter slots (db/counts.ts), so grants to one entitlement do not queue
// on one row. Deletes of the app or entitlement lock it FOR UPDATE and wait for them.

import { sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { SyncScope } from '../../db/sync-helpers.ts';
import { type Activity, record, runActivity } from '../../lib/activity.ts';
import { failedPrecondition, invalidArgument, notFound, pgErrorCode } from '../../lib/errors.ts';
import type { AccountRef, AppUsersService } from '../app-users/service.ts';
import type { AppRow, AppsService } from '../apps/service.ts';
import type { EntitlementRow, EntitlementsService } from '../entitlements/service.ts';
import type { SystemLogService } from '../systemlog/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { GrantReads } from './reads.ts';
import * as store from './store.ts';
import { countSyncedGrants, startSyncedGrants, unseenGrants, upsertSyncedGrants } from './sync-writes.ts';
import { type Binding, toBinding } from './views.ts';
import {
  type EndedGrant,
  type FastGrant,
  grantMany,
  grantToUsers,
  revokeMany,
  revokeManyRows,
  staleParentsExist,
} from './writes.ts';

/**
 * What other modules hear from grants (the tasks module sets them in its init: it is made after
 * this one). `expired` runs inside the sweep's transaction with each batch of ended grants;
 * `manualGranted` after add-manual-user committed, with the users who hold the grant.
 */
export type GrantHooks = {
  expired?: (tx: Db, tenantId: string, appId: string, ended: EndedGrant[]) => Promise<void>;
  manualGranted?: (tenantId: string, appId: string, entitlementId: string, userIds: string[], actorId?: string) => Promise<void>;
};

/** How a flat-file row changed things. */
export type GrantImportRow = { userEmail: string; entitlement: string; expiresAt?: string };
export type ImportOutcome = 'created' | 'updated' | 'unchanged';

const SWEEP_APPS = 100;
const SWEEP_BATCH = 1000;

export class GrantsService {
  readonly reads: GrantReads;
  readonly hooks: GrantHooks = {};
  /** A connector sync's grants (sync-writes.ts): upserted per batch, then the stale ones revoked with reason 'sync'. */
  readonly sync = {
    start: startSyncedGrants,
    upsert: upsertSyncedGrants,
    /** After the last batch: the new grants' counts, then the grants the sync no longer has. */
    revokeStale: async (tx: Db, s: SyncScope) => {
      await countSyncedGrants(tx, s);
      const unseen = await unseenGrants(tx, s);
      if (!unseen && !(await staleParentsExist(tx, s.tenantId, s.appId, s.syncId))) return 0;
      return revokeMany(tx, s.tenantId, s.appId, { staleForSync: s.syncId, unseenGrants: unseen }, 'sync');
    },
  };

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    private readonly entitlements: EntitlementsService,
    private readonly systemLog: SystemLogService,
  ) {
    this.reads = new GrantReads(db, apps, users, appUsers, entitlements);
  }

  /** Grants the entitlement to each identity user; idempotent. Unknown users are reported, not fatal. */
  async addManualUsers(
    tenantId: string,
    appId: string,
    entitlementId: string,
    userIds: string[],
    actorId?: string,
  ): Promise<{ failedUsersErrorMap: Record<string, string> }> {
    const out = await this.addManualUsersOnly(tenantId, appId, entitlementId, userIds);
    const granted = userIds.filter((id) => !out.failedUsersErrorMap[id]);
    if (granted.length > 0) await this.hooks.manualGranted?.(tenantId, appId, entitlementId, granted, actorId);
    return out;
  }

  private async addManualUsersOnly(
    tenantId: string,
    appId: string,
    entitlementId: string,
    userIds: string[],
  ): Promise<{ failedUsersErrorMap: Record<string, string> }> {
    if (userIds.length === 0) throw invalidArgument('userIds: at least one user id is required');
    const fast = await this.grantFast(tenantId, appId, entitlementId, userIds);
    if (fast) return fast;
    const found = await this.users.byIds(tenantId, userIds);
    const failedUsersErrorMap: Record<string, string> = {};
    for (const id of userIds) if (!found.has(id)) failedUsersErrorMap[id] = `user "${id}" does not exist`;
    await this.db.transaction(async (tx) => {
      const app = await this.lockManualApp(tenantId, appId, tx);
      const ent = await this.entitlements.lockForGrants(tenantId, appId, entitlementId, tx);
      await this.grantUsers(tx, tenantId, app, ent, [...found.values()]);
    });
    return { failedUsersErrorMap };
  }

  /**
   * The usual case in one statement (writes.ts grantToUsers); undefined when the general
   * path must do it (an account to adopt, an overdue grant, an account made meanwhile).
   */
  private async grantFast(
    tenantId: string,
    appId: string,
    entitlementId: string,
    userIds: string[],
  ): Promise<{ failedUsersErrorMap: Record<string, string> } | undefined> {
    const unique = [...new Set(userIds)];
    let r: FastGrant;
    try {
      // One statement, no transaction around it: it writes the system log's event itself, and
      // only when it went ahead (a refusal or the general path leaves none).
      r = await this.systemLog.oneStatementWrite(
        (events) =>
          grantToUsers(
            this.db,
            tenantId,
            appId,
            entitlementId,
            unique.map((userId) => ({ userId, accountId: newId(), grantId: newId(), historyId: newId() })),
            events,
          ),
        (out) => out.outcome === 'done',
      );
    } catch (err) {
      if (pgErrorCode(err) === '40001') return undefined;
      throw err;
    }
    if (r.outcome === 'no-app') throw notFound('app');
    if (r.outcome === 'not-manual') throw failedPrecondition(`app ${appId} is not manually managed`);
    if (r.outcome === 'no-entitlement') throw notFound('app entitlement');
    if (r.outcome !== 'done') return undefined;
    const unknown = new Set(r.unknownUserIds);
    const failedUsersErrorMap: Record<string, string> = {};
    for (const id of userIds) if (unknown.has(id)) failedUsersErrorMap[id] = `user "${id}" does not exist`;
    return { failedUsersErrorMap };
  }

  /** Revokes the account's grant; idempotent for an account of the app that holds none. */
  async removeMembership(tenantId: string, appId: string, entitlementId: string, appUserId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lockManualApp(tenantId, appId, tx);
      const ent = await this.entitlements.lockForGrants(tenantId, appId, entitlementId, tx);
      await this.appUsers.requireRow(tenantId, appId, appUserId, tx);
      await revokeMany(tx, tenantId, appId, { entitlementIds: [ent.id], appUserIds: [appUserId] }, 'manual');
    });
  }

  /**
   * For the access-request engine, inside its transaction: grants the entitlement to one user
   * (until `deprovisionAt`, else the entitlement's own duration). Answers the account and
   * whether a grant was made (false: the user already held it).
   */
  async grantInTx(
    tx: Db,
    tenantId: string,
    appId: string,
    entitlementId: string,
    userId: string,
    deprovisionAt?: Date,
  ): Promise<{ appUserId: string; created: boolean }> {
    const app = await this.lockManualApp(tenantId, appId, tx);
    const ent = await this.entitlements.lockForGrants(tenantId, appId, entitlementId, tx);
    const user = await this.users.get(tenantId, userId, tx);
    const { created, accounts } = await this.grantUsers(tx, tenantId, app, ent, [user], deprovisionAt);
    return { appUserId: accounts[0].id, created: created.length > 0 };
  }

  /** For the access-request engine, inside its transaction: ends the user's grant of the entitlement; how many ended (0 or 1). */
  async revokeInTx(tx: Db, tenantId: string, appId: string, entitlementId: string, userId: string): Promise<number> {
    await this.lockManualApp(tenantId, appId, tx);
    const ent = await this.entitlements.lockForGrants(tenantId, appId, entitlementId, tx);
    const account = await this.appUsers.findForUser(tenantId, appId, userId, tx);
    if (!account) return 0;
    return revokeMany(tx, tenantId, appId, { entitlementIds: [ent.id], appUserIds: [account.id] }, 'manual');
  }

  /** Whether the user holds the entitlement now, and through which account. */
  async heldBy(tenantId: string, appId: string, entitlementId: string, userId: string, db: Db = this.db) {
    const account = await this.appUsers.findForUser(tenantId, appId, userId, db);
    if (!account) return undefined;
    return (await this.reads.grantOf(tenantId, entitlementId, account.id, db)) ? account.id : undefined;
  }

  /** Identity users holding any of these entitlements now. */
  holderIds(tenantId: string, entitlementIds: string[], db: Db = this.db): Promise<string[]> {
    return store.holderIds(db, tenantId, entitlementIds);
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
   * app, a batch per statement. Safe on several servers at once: the DELETE ...
   * RETURNING gives each grant to exactly one of them.
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
      // A deleted app has no grants left: the statement finds nothing. The hook records the batch
      // (time-revoke tasks) in the same transaction, so an ended grant always has its record.
      // The background sweep is its own actor in the system log: one event per batch revoked.
      const sweep: Activity = { tenantId, actor: { kind: 'system' }, operation: 'gatehouse.GrantSweep.RevokeExpired' };
      const n = await runActivity(sweep, () =>
        this.db.transaction(async (tx) => {
          const ended = await revokeManyRows(tx, tenantId, appId, { onlyOverdue: true }, 'expired', SWEEP_BATCH);
          if (ended.length > 0) {
            await this.hooks.expired?.(tx, tenantId, appId, ended);
            record({
              activity: 'delete',
              targets: [{ type: 'app', id: appId }],
              changes: { expiredGrantsRevoked: ended.length },
            });
          }
          return ended.length;
        }),
      );
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
      const app = await this.lockManualApp(tenantId, appId, tx);
      const found = await this.entitlements.resolveRef(tenantId, appId, row.entitlement.trim(), 'entitlement', tx);
      const ent = await this.entitlements.lockForGrants(tenantId, appId, found.id, tx);
      const { created, accounts } = await this.grantUsers(tx, tenantId, app, ent, [user], expiresAt);
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

  /** FOR KEY SHARE: the app cannot be deleted meanwhile, while grants and revokes in it run side by side. */
  private async lockManualApp(tenantId: string, appId: string, tx: Db): Promise<AppRow> {
    const app = await this.apps.requireRow(tenantId, appId, tx, 'key share');
    if (!app.isManuallyManaged) throw failedPrecondition(`app ${appId} is not manually managed`);
    return app;
  }

  /**
   * Grants `ent` (locked) to the users' accounts, making accounts as needed: two statements,
   * whatever the number of users (two more when some hold a grant past its deadline).
   */
  private async grantUsers(
    tx: Db,
    tenantId: string,
    app: AppRow,
    ent: EntitlementRow,
    users: User[],
    deprovisionAt?: Date,
  ): Promise<{ created: string[]; accounts: AccountRef[] }> {
    const accounts = await this.appUsers.ensureForUsers(tenantId, app, users, tx);
    const until =
      deprovisionAt ?? (ent.durationGrantSeconds ? sql`now() + make_interval(secs => ${ent.durationGrantSeconds})` : null);
    const grant = (list: AccountRef[]) =>
      grantMany(
        tx,
        tenantId,
        app.id,
        ent.id,
        list.map((a) => ({ appUserId: a.id, identityUserId: a.identityUserId, grantId: newId(), historyId: newId() })),
        until,
      );
    const first = await grant(accounts);
    if (first.overdue.length === 0) return { created: first.created, accounts };
    // A grant past its deadline that the sweep has not reached yet ends now, so that a new grant replaces it.
    await revokeMany(tx, tenantId, app.id, { entitlementIds: [ent.id], appUserIds: first.overdue, onlyOverdue: true }, 'expired');
    const again = await grant(accounts.filter((a) => first.overdue.includes(a.id)));
    return { created: first.created.concat(again.created), accounts };
  }
}
