// Manual apps (C1's Apps, AppSearch and AppOwners services).

import type { SQL } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { RowLock } from '../../db/sql-helpers.ts';
import { displayNameOf, int64, orUndef } from '../../http/schemas.ts';
import { record } from '../../lib/activity.ts';
import { failedPrecondition, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { GrantLedger } from '../grants/ledger.ts';
import type { Hold, OwnersService } from '../owners/service.ts';
import type { PoliciesService, PolicyRef } from '../policies/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import {
  APP_READ_ONLY,
  APP_WRITABLE,
  type App,
  type AppInput,
  type AppWritable,
  type CreateAppRequest,
  type SearchAppsRequest,
} from './schemas.ts';
import * as store from './store.ts';

/** The policy ids an app's fields name, each with the type it needs (field names under `prefix`). */
function policyRefs(
  a: Partial<Pick<AppInput, 'grantPolicyId' | 'revokePolicyId' | 'certifyPolicyId'>>,
  prefix = '',
): PolicyRef[] {
  return [
    { field: `${prefix}grantPolicyId`, id: a.grantPolicyId, type: 'POLICY_TYPE_GRANT' },
    { field: `${prefix}revokePolicyId`, id: a.revokePolicyId, type: 'POLICY_TYPE_REVOKE' },
    { field: `${prefix}certifyPolicyId`, id: a.certifyPolicyId, type: 'POLICY_TYPE_CERTIFY' },
  ];
}

export type AppRow = store.AppRow;

function toApp(row: store.AppRow, owners: User[]): App {
  return {
    id: row.id,
    displayName: row.displayName,
    description: orUndef(row.description),
    certifyPolicyId: orUndef(row.certifyPolicyId),
    grantPolicyId: orUndef(row.grantPolicyId),
    revokePolicyId: orUndef(row.revokePolicyId),
    identityMatching: row.identityMatching,
    monthlyCostUsd: orUndef(row.monthlyCostUsd),
    strictAccessEntitlementProvisioning: orUndef(row.strictAccessEntitlementProvisioning),
    isManuallyManaged: row.isManuallyManaged,
    isDirectory: row.isDirectory,
    iconUrl: orUndef(row.iconUrl),
    instructions: orUndef(row.instructions),
    defaultRequestCatalogId: orUndef(row.defaultRequestCatalogId),
    appOwners: owners,
    userCount: int64(row.userCount),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Resolves CreateAppRequest.appEntitlementOwnerRefs: the entitlements named, each with its app's id. */
export type EntitlementRefs = {
  resolveRefs(
    tx: Db,
    tenantId: string,
    refs: { appId?: string; id: string }[],
    field: string,
  ): Promise<{ appId: string; id: string }[]>;
};

/** The request catalogs service, as app creation uses it. */
export type DefaultCatalogs = {
  createDefault(tx: Db, tenantId: string, appId: string, id: string, appName: string): Promise<void>;
};

export class AppsService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
    private readonly owners: OwnersService,
    private readonly grants: GrantLedger,
    private readonly policies: PoliciesService,
    /** The entitlements service, made after this one (it depends on apps): asked only while serving a create. */
    private readonly entitlementRefs: () => EntitlementRefs,
    /** Makes each app's default request catalog (App.defaultRequestCatalogId) in the app's create transaction. */
    private readonly catalogs: DefaultCatalogs,
  ) {}

  /** The app, locked as asked: what the owners component holds while it changes the app's owners. */
  private hold(tenantId: string, appId: string): Hold {
    return (tx, lock) => this.requireRow(tenantId, appId, tx, lock);
  }

  async create(tenantId: string, req: CreateAppRequest): Promise<App> {
    const displayName = displayNameOf(req.displayName);
    return this.db.transaction(async (tx) => {
      await this.policies.checkRefs(tx, tenantId, policyRefs(req));
      const refs = req.appEntitlementOwnerRefs?.length
        ? await this.entitlementRefs().resolveRefs(tx, tenantId, req.appEntitlementOwnerRefs, 'appEntitlementOwnerRefs')
        : null;
      const catalogId = newId();
      const row = await store.insertApp(tx, {
        tenantId,
        id: newId(),
        displayName,
        description: req.description,
        // Empty text names no policy, as in proto3.
        certifyPolicyId: req.certifyPolicyId || null,
        grantPolicyId: req.grantPolicyId || null,
        revokePolicyId: req.revokePolicyId || null,
        identityMatching: req.identityMatching ?? 'APP_USER_IDENTITY_MATCHING_UNSPECIFIED',
        monthlyCostUsd: req.monthlyCostUsd,
        strictAccessEntitlementProvisioning: req.strictAccessEntitlementProvisioning,
        instructions: req.instructions,
        entitlementOwnerRefs: refs,
        isManuallyManaged: true,
        defaultRequestCatalogId: catalogId,
      });
      await this.catalogs.createDefault(tx, tenantId, row.id, catalogId, displayName);
      const owners = req.owners?.length ? await this.owners.addIn(tx, 'app', tenantId, row.id, req.owners, 'owners') : [];
      record({ activity: 'create', targets: [{ type: 'app', id: row.id }] });
      return toApp(row, owners);
    });
  }

  /** The app row, or NOT_FOUND; `lock` holds it for the rest of the transaction (see store.getApp). */
  async requireRow(tenantId: string, appId: string, db: Db = this.db, lock: RowLock = false): Promise<store.AppRow> {
    const row = await store.getApp(db, tenantId, appId, lock);
    if (!row) throw notFound('app');
    return row;
  }

  /** requireManual as an SQL condition, for writes done in one statement. */
  manualCondition(tenantId: string, appId: string): SQL {
    return store.isManualApp(tenantId, appId);
  }

  /** For creating things under an app: it must exist and be manually managed. */
  async requireManual(tenantId: string, appId: string, db: Db = this.db): Promise<store.AppRow> {
    const row = await this.requireRow(tenantId, appId, db);
    if (!row.isManuallyManaged) throw failedPrecondition(`app ${appId} is not manually managed`);
    return row;
  }

  /** For the connectors service, in its transaction (the app locked FOR UPDATE): an app with a connector is not manually managed. */
  async setManuallyManaged(tx: Db, tenantId: string, appId: string, manual: boolean): Promise<void> {
    if (!(await store.updateApp(tx, tenantId, appId, { isManuallyManaged: manual }))) throw notFound('app');
  }

  async get(tenantId: string, appId: string, db: Db = this.db): Promise<App> {
    if (db === this.db) {
      // Outside a transaction: one prepared round trip (see store.getAppWithOwnerIds).
      const found = await store.getAppWithOwnerIds(db, tenantId, appId);
      if (!found) throw notFound('app');
      if (found.ownerIds.length === 0) return toApp(found.app, []);
      const users = await this.users.byIds(tenantId, found.ownerIds, db);
      return toApp(
        found.app,
        found.ownerIds.flatMap((id) => users.get(id) ?? []),
      );
    }
    const row = await this.requireRow(tenantId, appId, db);
    return (await this.withOwners(tenantId, [row], db))[0];
  }

  async search(tenantId: string, req: SearchAppsRequest, page: PageRequest): Promise<Page<App>> {
    const rows = await store.listApps(
      this.db,
      tenantId,
      {
        query: req.query,
        displayName: req.displayName,
        appIds: req.appIds,
        excludeAppIds: req.excludeAppIds,
        onlyDirectories: req.onlyDirectories,
        policyIds: req.policyRefs?.map((r) => r.id),
      },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: await this.withOwners(tenantId, p.list), nextPageToken: p.nextPageToken };
  }

  async update(tenantId: string, appId: string, app: AppInput | undefined, updateMask: string | undefined): Promise<App> {
    const fields = fieldsToUpdate<AppWritable>(updateMask, APP_WRITABLE, APP_READ_ONLY, app);
    const set = columnsToSet<AppWritable, store.NewAppRow>(fields, app, {
      displayName: (v) => ({ displayName: displayNameOf(v === undefined ? '' : String(v), 'app.displayName') }),
      identityMatching: (v) => ({ identityMatching: (v as string | undefined) ?? 'APP_USER_IDENTITY_MATCHING_UNSPECIFIED' }),
      certifyPolicyId: (v) => ({ certifyPolicyId: (v as string | undefined) || null }),
      grantPolicyId: (v) => ({ grantPolicyId: (v as string | undefined) || null }),
      revokePolicyId: (v) => ({ revokePolicyId: (v as string | undefined) || null }),
    });
    return this.db.transaction(async (tx) => {
      await this.policies.checkRefs(tx, tenantId, policyRefs(set as AppInput, 'app.'));
      const row =
        fields.length === 0 ? await this.requireRow(tenantId, appId, tx) : await store.updateApp(tx, tenantId, appId, set);
      if (!row) throw notFound('app');
      return (await this.withOwners(tenantId, [row], tx))[0];
    });
  }

  /**
   * Deletes the app and everything under it in four statements, whatever its size: the lock
   * (waiting for grants in flight), the end of its grants in their history, its removal from the
   * users it was a directory for, and the DELETE
   * whose foreign keys cascade to types, resources, entitlements, accounts, grants and owners.
   */
  async delete(tenantId: string, appId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tenantId, appId, tx, true);
      await this.grants.endAllOfApp(tx, tenantId, appId);
      // A directory app's users lose it (its directory row goes by foreign key), as when the
      // directory itself is deleted: those no other directory has are disabled, never deleted.
      await this.users.syncDirectory(tx, tenantId, appId, []);
      await store.deleteApp(tx, tenantId, appId);
    });
  }

  /** For the policies service: the first app that names the policy, as `app "name" (field)`. */
  async policyUser(tx: Db, tenantId: string, policyId: string): Promise<string | undefined> {
    const found = await store.firstNamingPolicy(tx, tenantId, policyId);
    return found && `app "${found.row.displayName}" (${found.field})`;
  }

  listOwners(tenantId: string, appId: string, page: PageRequest): Promise<Page<User>> {
    return this.owners.list('app', tenantId, appId, this.hold(tenantId, appId), page);
  }

  setOwners(tenantId: string, appId: string, userIds: string[]): Promise<void> {
    return this.owners.set('app', tenantId, appId, this.hold(tenantId, appId), userIds, 'userIds');
  }

  addOwner(tenantId: string, appId: string, userId: string): Promise<void> {
    return this.owners.add('app', tenantId, appId, this.hold(tenantId, appId), userId, 'user_id');
  }

  /** Idempotent, like C1: removing a user who is not an owner changes nothing. */
  removeOwner(tenantId: string, appId: string, userId: string): Promise<void> {
    return this.owners.remove('app', tenantId, appId, this.hold(tenantId, appId), userId, 'user_id');
  }

  private async withOwners(tenantId: string, rows: store.AppRow[], db: Db = this.db): Promise<App[]> {
    const owners = await this.owners.usersOf(
      'app',
      tenantId,
      rows.map((r) => r.id),
      db,
    );
    return rows.map((r) => toApp(r, owners.get(r.id) ?? []));
  }
}
