// Request catalogs (C1's RequestCatalogManagementService and RequestCatalogSearchService): what
// people may request and who may see it. The tasks service asks `checkRequest` before it makes a
// grant task; apps make their default catalog through `createDefault`; entitlements take their
// app's access-request defaults through `defaults` (defaults.ts). Bundles are in bundles.ts.

import { type AnyColumn, and, not, type SQL } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { Caller } from '../../http/routes.ts';
import { displayNameOf, int64, orUndef } from '../../http/schemas.ts';
import { recordCreated } from '../../lib/activity.ts';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import type { AppEntitlementView } from '../entitlements/schemas.ts';
import type { EntitlementsService } from '../entitlements/service.ts';
import type { GrantLedger } from '../grants/ledger.ts';
import type { GrantsService } from '../grants/service.ts';
import type { PoliciesService } from '../policies/service.ts';
import type { TasksService } from '../tasks/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { requireMayRequestFor, seesAll } from './access.ts';
import { BundlesService } from './bundles.ts';
import { AccessRequestDefaultsService } from './defaults.ts';
import {
  CATALOG_READ_ONLY,
  CATALOG_WRITABLE,
  type CatalogInput,
  type CatalogWritable,
  type CreateCatalogRequest,
  type EntitlementRef,
  type EntitlementWithBindings,
  type RequestCatalogView,
  type SearchCatalogEntitlementsRequest,
} from './schemas.ts';
import * as store from './store.ts';

/** Services made after this one (they depend on it), asked only while serving a call. */
export type CatalogLater = { entitlements: EntitlementsService; grants: GrantsService; apps: AppsService; tasks: TasksService };

export class CatalogsService {
  readonly bundles: BundlesService;
  readonly defaults: AccessRequestDefaultsService;

  constructor(
    readonly db: Db,
    users: UsersService,
    private readonly policies: PoliciesService,
    private readonly ledger: GrantLedger,
    private readonly later: () => CatalogLater,
  ) {
    this.bundles = new BundlesService(db, this, users, later);
    this.defaults = new AccessRequestDefaultsService(db, this, policies, later);
  }

  /** The apps of the catalog's requestable entitlements. */
  async appIdsOf(tenantId: string, id: string): Promise<string[]> {
    const refs = (await store.entryRefs(this.db, 'entries', tenantId, [id])).get(id) ?? [];
    return [...new Set(refs.map((r) => r.appId))];
  }

  /** Which catalogs `userId` sees (everything when `all`). */
  viewer(tenantId: string, userId: string | undefined, all: boolean): store.Viewer {
    if (all || !userId) return { all: true };
    return { all: false, userId, holds: (col: AnyColumn) => this.ledger.heldSql(tenantId, userId, col) };
  }

  viewerOf(tenantId: string, caller: Caller): store.Viewer {
    return this.viewer(tenantId, caller.userId, seesAll(caller) || !caller.userId);
  }

  async create(tenantId: string, req: CreateCatalogRequest, caller: Caller): Promise<RequestCatalogView> {
    const displayName = displayNameOf(req.displayName);
    return this.db.transaction(async (tx) => {
      await this.checkPolicy(tx, tenantId, req.grantPolicyId, 'grantPolicyId');
      const row = await store.insertCatalog(tx, {
        tenantId,
        id: newId(),
        displayName,
        description: req.description ?? null,
        published: req.published ?? false,
        visibleToEveryone: req.visibleToEveryone ?? false,
        requestBundle: req.requestBundle ?? false,
        enrollmentBehavior: req.enrollmentBehavior,
        unenrollmentBehavior: req.unenrollmentBehavior,
        unenrollmentEntitlementBehavior: req.unenrollmentEntitlementBehavior,
        grantPolicyId: req.grantPolicyId || null,
        createdByUserId: caller.userId ?? null,
      });
      recordCreated('request_catalog', row.id);
      return (await this.views(tx, tenantId, [row]))[0];
    });
  }

  /** For the apps service, in its create transaction: the app's default catalog, published and visible to everyone. */
  async createDefault(tx: Db, tenantId: string, appId: string, id: string, appName: string): Promise<void> {
    await store.insertCatalog(tx, {
      tenantId,
      id,
      appId,
      displayName: appName,
      description: `Requestable entitlements of ${appName}`,
      published: true,
      visibleToEveryone: true,
    });
  }

  async get(tenantId: string, id: string, caller: Caller, db: Db = this.db): Promise<RequestCatalogView> {
    const row = await this.requireVisible(db, tenantId, id, caller);
    return (await this.views(db, tenantId, [row]))[0];
  }

  async list(tenantId: string, page: PageRequest, caller: Caller): Promise<Page<RequestCatalogView>> {
    const rows = await store.listCatalogs(this.db, tenantId, this.viewerOf(tenantId, caller), page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: await this.views(this.db, tenantId, p.list), nextPageToken: p.nextPageToken };
  }

  async update(tenantId: string, id: string, input: CatalogInput | undefined, mask: string | undefined, caller: Caller) {
    const fields = fieldsToUpdate<CatalogWritable>(mask, CATALOG_WRITABLE, CATALOG_READ_ONLY, input);
    const set = columnsToSet<CatalogWritable, store.NewCatalogRow>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf(String(v ?? ''), 'catalog.displayName') }),
      published: (v) => ({ published: v === true }),
      visibleToEveryone: (v) => ({ visibleToEveryone: v === true }),
      requestBundle: (v) => ({ requestBundle: v === true }),
      enrollmentBehavior: (v) => ({ enrollmentBehavior: (v as string) ?? 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_UNSPECIFIED' }),
      unenrollmentBehavior: (v) => ({
        unenrollmentBehavior: (v as string) ?? 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED',
      }),
      unenrollmentEntitlementBehavior: (v) => ({
        unenrollmentEntitlementBehavior: (v as string) ?? 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_UNSPECIFIED',
      }),
      grantPolicyId: (v) => ({ grantPolicyId: (v as string) || null }),
    });
    return this.db.transaction(async (tx) => {
      await this.requireRow(tx, tenantId, id, true);
      await this.checkPolicy(tx, tenantId, set.grantPolicyId, 'catalog.grantPolicyId');
      const row = fields.length ? await store.updateCatalog(tx, tenantId, id, set) : await this.requireRow(tx, tenantId, id);
      return this.get(tenantId, (row as store.CatalogRow).id, caller, tx);
    });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireRow(tx, tenantId, id, true);
      if (row.appId) throw failedPrecondition(`catalog ${id} is the default catalog of app ${row.appId}: it goes with the app`);
      await store.deleteCatalog(tx, tenantId, id);
    });
  }

  /** AddAppEntitlements / AddAccessEntitlements; `then` runs in the same transaction (bundle requests). */
  async addEntitlements(
    tenantId: string,
    id: string,
    kind: store.EntryKind,
    refs: EntitlementRef[],
    field: string,
    then?: (tx: Db, row: store.CatalogRow, added: store.Ref[]) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireRow(tx, tenantId, id, true);
      const resolved = await this.later().entitlements.resolveRefs(tx, tenantId, refs, field);
      const before = new Set(((await store.entryRefs(tx, kind, tenantId, [id])).get(id) ?? []).map((r) => r.id));
      await store.addEntries(tx, kind, tenantId, [id], resolved);
      await then?.(
        tx,
        row,
        resolved.filter((r) => !before.has(r.id)),
      );
    });
  }

  /** RemoveAppEntitlements / RemoveAccessEntitlements (all of them when no refs are given). */
  async removeEntitlements(tenantId: string, id: string, kind: store.EntryKind, refs: EntitlementRef[] | undefined) {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tx, tenantId, id, true);
      await store.removeEntries(
        tx,
        kind,
        tenantId,
        id,
        refs?.map((r) => r.id),
      );
    });
  }

  /** UpdateAppEntitlements: the catalog's requestable entitlements become exactly these. */
  async setEntitlements(tenantId: string, id: string, refs: EntitlementRef[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tx, tenantId, id, true);
      const resolved = await this.later().entitlements.resolveRefs(tx, tenantId, refs, 'appEntitlements');
      await store.removeEntries(tx, 'entries', tenantId, id);
      await store.addEntries(tx, 'entries', tenantId, [id], resolved);
    });
  }

  async listEntitlements(tenantId: string, id: string, kind: store.EntryKind, page: PageRequest, caller: Caller) {
    await this.requireVisible(this.db, tenantId, id, caller);
    const ids = await store.entryIdsPage(this.db, kind, tenantId, id, page);
    const p = toPage(ids, page.size, (x) => x);
    return { list: await this.later().entitlements.viewsByIds(tenantId, p.list), nextPageToken: p.nextPageToken };
  }

  async entitlementRefs(tenantId: string, id: string, caller: Caller): Promise<store.Ref[]> {
    await this.requireVisible(this.db, tenantId, id, caller);
    return (await store.entryRefs(this.db, 'entries', tenantId, [id])).get(id) ?? [];
  }

  /** RequestCatalogSearchService.SearchEntitlements: what the caller may request, with their grants of each. */
  async searchEntitlements(
    tenantId: string,
    req: SearchCatalogEntitlementsRequest,
    page: PageRequest,
    caller: Caller,
  ): Promise<Page<EntitlementWithBindings>> {
    const viewer = this.viewerOf(tenantId, caller);
    const me = caller.userId;
    const status = req.grantedStatus === 'GRANTED' || req.grantedStatus === 'NOT_GRANTED' ? req.grantedStatus : undefined;
    // A caller without a user holds nothing: GRANTED finds nothing for them.
    if (status === 'GRANTED' && !me) return { list: [], nextPageToken: '' };
    const { entitlements, grants } = this.later();
    const found = await entitlements.listWhere(
      tenantId,
      {
        query: req.query || undefined,
        alias: req.entitlementAlias || undefined,
        appDisplayName: req.appDisplayName || undefined,
      },
      (col) => {
        const requestable = store.requestableSql(tenantId, viewer, col);
        if (!status || !me) return requestable;
        const held = this.ledger.heldSql(tenantId, me, col);
        return and(requestable, status === 'GRANTED' ? held : not(held)) as SQL;
      },
      page,
    );
    const bindings = me
      ? await grants.reads.bindingsOf(
          tenantId,
          me,
          found.list.map((v) => v.appEntitlement.id),
        )
      : new Map();
    return {
      list: found.list.map((entitlement: AppEntitlementView) => {
        const b = bindings.get(entitlement.appEntitlement.id);
        return { entitlement, appEntitlementUserBindings: b ? [b] : [] };
      }),
      nextPageToken: found.nextPageToken,
    };
  }

  /**
   * For the tasks service, before it makes a grant task: a caller who may not request for others
   * (no tasks:request_others) may ask for themselves or their direct reports, and only for an
   * entitlement in a published catalog they see. Answers the grant policy of the first catalog
   * (by id) holding the entitlement that names one, seen by the subject: requests through it use it.
   */
  async checkRequest(
    tx: Db,
    tenantId: string,
    entitlementId: string,
    subject: User,
    caller: Caller,
  ): Promise<{ grantPolicyId?: string }> {
    if (caller.ownOnly) {
      const me = caller.ownOnly;
      requireMayRequestFor(me, subject);
      const visible = await store.requestableIds(tx, tenantId, this.viewer(tenantId, me, false), [entitlementId]);
      if (!visible.has(entitlementId)) {
        throw permissionDenied(`entitlement ${entitlementId} is not in a request catalog you can see`);
      }
    }
    const id = await store.catalogPolicyFor(tx, tenantId, this.viewer(tenantId, subject.id, false), entitlementId);
    return { grantPolicyId: id };
  }

  /** The catalog, or NOT_FOUND. */
  async requireRow(db: Db, tenantId: string, id: string, lock = false): Promise<store.CatalogRow> {
    const row = await store.getCatalog(db, tenantId, id, lock);
    if (!row) throw notFound('request catalog');
    return row;
  }

  /** The catalog if the caller sees it; one they may not see answers as one that does not exist. */
  async requireVisible(db: Db, tenantId: string, id: string, caller: Caller): Promise<store.CatalogRow> {
    const row = await store.getVisible(db, tenantId, id, this.viewerOf(tenantId, caller));
    if (!row) throw notFound('request catalog');
    return row;
  }

  private async checkPolicy(tx: Db, tenantId: string, id: string | null | undefined, field: string) {
    await this.policies.checkRefs(tx, tenantId, [{ field, id, type: 'POLICY_TYPE_GRANT' }]);
  }

  /** Views of catalog rows: access entitlements as objects and memberCount, in a constant number of statements. */
  async views(db: Db, tenantId: string, rows: store.CatalogRow[]): Promise<RequestCatalogView[]> {
    const ids = rows.map((r) => r.id);
    const access = await store.entryRefs(db, 'access', tenantId, ids);
    const all = [...new Set([...access.values()].flat().map((r) => r.id))];
    const ents = new Map(
      (await this.later().entitlements.viewsByIds(tenantId, all, db)).map((v) => [v.appEntitlement.id, v.appEntitlement]),
    );
    const counts = await store.memberCounts(db, tenantId, ids, (x, n) => this.ledger.holdingAllCountSql(tenantId, x, n));
    return rows.map((r) => ({
      requestCatalog: {
        id: r.id,
        displayName: r.displayName,
        description: orUndef(r.description),
        published: r.published,
        visibleToEveryone: r.visibleToEveryone,
        requestBundle: r.requestBundle,
        enrollmentBehavior: r.enrollmentBehavior,
        unenrollmentBehavior: r.unenrollmentBehavior,
        unenrollmentEntitlementBehavior: r.unenrollmentEntitlementBehavior,
        grantPolicyId: orUndef(r.grantPolicyId),
        createdByUserId: orUndef(r.createdByUserId),
        accessEntitlements: (access.get(r.id) ?? []).flatMap((a) => ents.get(a.id) ?? []),
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
      },
      memberCount: int64(counts.get(r.id) ?? 0),
    }));
  }

  /** For the access-request defaults: every id must name a catalog of the tenant. */
  async requireCatalogs(tx: Db, tenantId: string, ids: string[], field: string): Promise<void> {
    const found = await store.existingCatalogIds(tx, tenantId, ids);
    const i = ids.findIndex((id) => !found.has(id));
    if (i >= 0) throw invalidArgument(`${field}[${i}]: request catalog "${ids[i]}" does not exist`);
  }
}
