// Manually managed app resources (C1's AppResourceService, SearchAppResources
// and AppResourceOwners). Each resource belongs to one app and one of its types.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { RowLock } from '../../db/sql-helpers.ts';
import { expandOne } from '../../http/expand.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { record } from '../../lib/activity.ts';
import {
  ApiError,
  Code,
  failedPrecondition,
  invalidArgument,
  notFound,
  pgErrorCode,
  refusedByReference,
} from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import type { GrantLedger } from '../grants/ledger.ts';
import type { Hold, OwnersService } from '../owners/service.ts';
import type { ResourceTypesService } from '../resource-types/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { refreshStats } from './batch-store.ts';
import { batonConflict, toAppResource } from './rows.ts';
import {
  type AppResource,
  type AppResourceView,
  type CreateResourceRequest,
  type ExpandPath,
  RESOURCE_READ_ONLY,
  RESOURCE_WRITABLE,
  type ResourceInput,
  type ResourceWritable,
  type SearchResourcesRequest,
} from './schemas.ts';
import { narrowing, PROBE_WINDOW, TrigramShareCache } from './search-key.ts';
import * as store from './store.ts';
import { removeStaleResources, setSyncedParents, upsertSyncedResources } from './sync-store.ts';
import { type ResourceUpsert, Upserter } from './upsert.ts';

export type ResourceRow = store.ResourceRow;
export { toAppResource } from './rows.ts';
export type { ResourceUpsert } from './upsert.ts';

export class ResourcesService {
  /** A connector sync's set-based writes (sync-store.ts), used by connectors/sync.ts inside its transaction. */
  readonly sync = {
    upsert: upsertSyncedResources,
    setParents: setSyncedParents,
    removeStale: removeStaleResources,
    refreshStats,
  };

  private readonly trigramShares = new TrigramShareCache(() => store.trigramShares(this.db));

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly types: ResourceTypesService,
    private readonly users: UsersService,
    private readonly owners: OwnersService,
    private readonly grants: GrantLedger,
  ) {}

  /** The resource, locked as asked: what the owners component holds while it changes its owners. */
  private hold(tenantId: string, appId: string, typeId: string, id: string): Hold {
    return (tx, lock) => this.requireResource(tenantId, appId, typeId, id, tx, lock);
  }

  async create(tenantId: string, appId: string, typeId: string, req: CreateResourceRequest): Promise<AppResource> {
    const displayName = displayNameOf(req.displayName);
    const fields = { tenantId, id: newId(), appId, displayName, description: req.description, matchBatonId: req.matchBatonId };
    try {
      if (!req.resourceOwnerUserIds?.length) return await this.createAlone(tenantId, appId, typeId, fields);
      return await this.db.transaction(async (tx) => {
        await this.apps.requireManual(tenantId, appId, tx);
        await this.types.requireType(tenantId, appId, typeId, tx, 'share');
        const row = await store.insertResource(tx, { ...fields, appResourceTypeId: typeId });
        await this.owners.addIn(tx, 'resource', tenantId, row.id, req.resourceOwnerUserIds ?? [], 'resourceOwnerUserIds');
        record({ activity: 'create', targets: [{ type: 'app_resource', id: row.id }] });
        return toAppResource(row);
      });
    } catch (err) {
      throw batonConflict(err, req.matchBatonId);
    }
  }

  /**
   * A resource without owners is one INSERT: the type id comes
   * from a subquery that checks the type and the manual app and locks the type as
   * requireType(..., 'share') would, so a failed check inserts nothing (the NOT NULL
   * type id refuses the row) and the slow checks then say which rule it broke.
   */
  private async createAlone(
    tenantId: string,
    appId: string,
    typeId: string,
    fields: Omit<store.NewResourceRow, 'appResourceTypeId'>,
  ): Promise<AppResource> {
    try {
      const guarded = this.types.lockedIdUnderManualApp(tenantId, appId, typeId);
      // In a transaction for the system log's event, written with it.
      return await this.db.transaction(async (tx) => {
        const row = await store.insertResource(tx, { ...fields, appResourceTypeId: guarded });
        record({ activity: 'create', targets: [{ type: 'app_resource', id: row.id }] });
        return toAppResource(row);
      });
    } catch (err) {
      if (pgErrorCode(err) !== '23502') throw err;
      await this.apps.requireManual(tenantId, appId);
      await this.types.requireType(tenantId, appId, typeId);
      throw new ApiError(Code.ABORTED, 'the app or resource type changed during the request; try again');
    }
  }

  /**
   * The resource row if it is in the app (and of the type, when given), else NOT_FOUND
   * naming what is missing: the app, the type or the resource.
   */
  async requireResource(
    tenantId: string,
    appId: string,
    resourceTypeId: string | undefined,
    resourceId: string,
    db: Db = this.db,
    lock: RowLock = false,
  ): Promise<ResourceRow> {
    const row = await store.getResource(db, tenantId, appId, resourceTypeId, resourceId, lock);
    if (row) return row;
    if (resourceTypeId) await this.types.requireType(tenantId, appId, resourceTypeId, db);
    else await this.apps.requireRow(tenantId, appId, db);
    throw notFound('app resource');
  }

  async get(tenantId: string, appId: string, typeId: string, id: string): Promise<AppResource> {
    return toAppResource(await this.requireResource(tenantId, appId, typeId, id));
  }

  async list(tenantId: string, appId: string, typeId: string, page: PageRequest): Promise<Page<AppResource>> {
    await this.types.requireType(tenantId, appId, typeId);
    return this.page(tenantId, { appId, typeIds: [typeId] }, page);
  }

  async search(tenantId: string, req: SearchResourcesRequest, page: PageRequest): Promise<Page<AppResource>> {
    if (req.appUserIds?.length) throw invalidArgument('appUserIds: filtering resources by app user is not supported');
    let typeIds = req.resourceTypeIds?.length ? req.resourceTypeIds : undefined;
    if (req.resourceTypeTraitIds?.length) {
      const withTraits = await this.types.idsWithTraits(tenantId, req.resourceTypeTraitIds);
      typeIds = typeIds ? typeIds.filter((id) => withTraits.includes(id)) : withTraits;
      if (typeIds.length === 0) return { list: [], nextPageToken: '' };
    }
    const excludeTypeIds = req.excludeResourceTypeTraitIds?.length
      ? await this.types.idsWithTraits(tenantId, req.excludeResourceTypeTraitIds)
      : undefined;
    const query = req.query?.trim() || undefined;
    return this.searchPage(
      tenantId,
      {
        appId: req.appId || undefined,
        typeIds,
        excludeTypeIds,
        ids: req.resourceIds,
        excludeIds: req.excludeResourceIds,
        query,
        refs: req.refs,
        where: req.ownerUserIds?.length
          ? this.owners.ownedByAny('resource', store.resourceKey.tenantId, store.resourceKey.id, req.ownerUserIds)
          : undefined,
      },
      page,
    );
  }

  async update(
    tenantId: string,
    appId: string,
    typeId: string,
    id: string,
    input: ResourceInput | undefined,
    updateMask: string | undefined,
  ): Promise<AppResource> {
    const fields = fieldsToUpdate<ResourceWritable>(updateMask, RESOURCE_WRITABLE, RESOURCE_READ_ONLY, input);
    const set = columnsToSet<ResourceWritable, store.NewResourceRow>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf((v as string | undefined) ?? '', 'appResource.displayName') }),
    });
    // A synced app's resources are the connector's (see connectors/service.ts).
    await this.apps.requireManual(tenantId, appId);
    // One UPDATE (in a transaction for the system log's event); only when it finds nothing do the reads say what is missing.
    const row =
      fields.length > 0
        ? await this.db.transaction((tx) => store.updateResource(tx, tenantId, appId, typeId, id, set))
        : undefined;
    return toAppResource(row ?? (await this.requireResource(tenantId, appId, typeId, id)));
  }

  /**
   * Deletes the resource with its entitlements and owners (foreign keys); refused while its
   * entitlements have grants in force (overdue ones end first, as expired).
   */
  async delete(tenantId: string, appId: string, typeId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.apps.requireManual(tenantId, appId, tx);
      await this.requireResource(tenantId, appId, typeId, id, tx, true);
      await this.grants.expireOverdue(tx, tenantId, appId, { resourceId: id });
      const n = await this.grants.count(tx, tenantId, { resourceId: id });
      if (n > 0) {
        throw failedPrecondition(`app resource ${id} has ${n} grant(s) through its entitlements; revoke them before deleting it`);
      }
      await refusedByReference(store.deleteResource(tx, tenantId, id), `app resource ${id} has grants through its entitlements`);
    });
  }

  /** The tenant's resources with these ids (unknown ids are left out). */
  async byIds(tenantId: string, ids: string[], db: Db = this.db): Promise<Map<string, AppResource>> {
    const rows = await store.getResources(db, tenantId, [...new Set(ids)]);
    return new Map(rows.map((row) => [row.id, toAppResource(row)]));
  }

  listOwners(tenantId: string, appId: string, typeId: string, resourceId: string, page: PageRequest): Promise<Page<User>> {
    return this.owners.list('resource', tenantId, resourceId, this.hold(tenantId, appId, typeId, resourceId), page);
  }

  addOwner(tenantId: string, appId: string, typeId: string, resourceId: string, userId: string): Promise<void> {
    const hold = this.hold(tenantId, appId, typeId, resourceId);
    return this.owners.add('resource', tenantId, resourceId, hold, userId, 'userId');
  }

  /** Idempotent, like C1: removing a user who is not an owner changes nothing. */
  removeOwner(tenantId: string, appId: string, typeId: string, resourceId: string, userId: string): Promise<void> {
    const hold = this.hold(tenantId, appId, typeId, resourceId);
    return this.owners.remove('resource', tenantId, resourceId, hold, userId, 'userId');
  }

  /**
   * For flat-file imports: checks the app and type once, then creates or updates resources (one, or a
   * batch per statement with applyMany), matching on matchBatonId. Rows without one are created, or with
   * `matchByName` (the CSV import) update the type's resource with their display name. Owner emails are
   * looked up once per run.
   */
  async upserter(tenantId: string, appId: string, typeId: string, opts: { matchByName?: boolean } = {}): Promise<Upserter> {
    await this.apps.requireManual(tenantId, appId);
    await this.types.requireType(tenantId, appId, typeId);
    // Each batch holds the type as a single create does, so a delete of the (still empty) type waits or wins.
    const holdType = (tx: Db) => this.types.requireType(tenantId, appId, typeId, tx, 'share');
    return new Upserter(this.db, this.users, { tenantId, appId, typeId }, holdType, opts.matchByName === true);
  }

  /** One upsert; see upserter() for many. */
  async upsertByMatchBatonId(tenantId: string, appId: string, typeId: string, input: ResourceUpsert) {
    return (await this.upserter(tenantId, appId, typeId)).apply(input);
  }

  private async page(tenantId: string, filter: store.ResourceFilter, page: PageRequest): Promise<Page<AppResource>> {
    return resourcePage(await store.listResources(this.db, tenantId, filter, page), page.size);
  }

  /**
   * A page of a search. With a query, the page comes through the search key's trigram index,
   * after a look through the next few thousand resources when the query's trigrams are all
   * common (search-key.ts). Either way it holds the first matches after the page key, in id order.
   */
  private async searchPage(tenantId: string, filter: store.ResourceFilter, page: PageRequest): Promise<Page<AppResource>> {
    if (!filter.query) return this.page(tenantId, filter, page);
    const { slices, probeFirst } = narrowing(filter.query, await this.trigramShares.get());
    const narrowed = { ...filter, keySlices: slices };
    if (!probeFirst) return this.page(tenantId, narrowed, page);
    const probe = await store.probeResources(this.db, tenantId, filter, page, PROBE_WINDOW);
    let rows = probe.rows;
    if (rows.length <= page.size && probe.windowEnd) {
      const rest = { size: page.size - rows.length, after: probe.windowEnd };
      rows = rows.concat(await store.listResources(this.db, tenantId, narrowed, rest));
    }
    return resourcePage(rows, page.size);
  }

  /**
   * The resource's view, with the app and resource type in `expanded` as the expand mask asks
   * ("*" for both); each view path points at its object there.
   */
  async view(tenantId: string, resource: AppResource, paths: ExpandPath[] | undefined) {
    const { appId, appResourceTypeId: typeId } = resource;
    const view: AppResourceView = { appResource: resource };
    const x = await expandOne(view, paths, async (v, x) => {
      if (x.wants('app_id')) v.appPath = await x.pathOf('c1.api.app.v1.App', appId, () => this.apps.get(tenantId, appId));
      if (x.wants('app_resource_type_id')) {
        v.resourceTypePath = await x.pathOf('c1.api.app.v1.AppResourceType', typeId, () =>
          this.types.get(tenantId, appId, typeId),
        );
      }
    });
    return { appResourceView: x.view, expanded: x.expanded };
  }
}

/** A page of `size` from rows that hold one more when there is a next page. */
function resourcePage(rows: ResourceRow[], size: number): Page<AppResource> {
  const p = toPage(rows, size, (row) => row.id);
  return { list: p.list.map(toAppResource), nextPageToken: p.nextPageToken };
}
