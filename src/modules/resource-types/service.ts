// Resource types of manually managed apps (C1's AppResourceTypeService and
// SearchAppResourceTypes). Resources hang off them; see ../resources.

import type { SQL } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { recordCreated } from '../../lib/activity.ts';
import { failedPrecondition, invalidArgument, notFound, pgErrorCode } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import {
  type AppResourceType,
  type CreateResourceTypeRequest,
  RESOURCE_TYPE_KINDS,
  RESOURCE_TYPE_READ_ONLY,
  RESOURCE_TYPE_WRITABLE,
  type ResourceTypeInput,
  type ResourceTypeWritable,
  type SearchResourceTypesRequest,
} from './schemas.ts';
import * as store from './store.ts';
import { removeStaleTypes, upsertSyncedTypes } from './sync-store.ts';

export type ResourceTypeRow = store.ResourceTypeRow;

export function toResourceType(row: ResourceTypeRow): AppResourceType {
  return {
    id: row.id,
    appId: row.appId,
    displayName: row.displayName,
    traitIds: [row.resourceType],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class ResourceTypesService {
  /** A connector sync's set-based writes (sync-store.ts), used by connectors/sync.ts inside its transaction. */
  readonly sync = { upsert: upsertSyncedTypes, removeStale: removeStaleTypes };

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
  ) {}

  async create(tenantId: string, appId: string, req: CreateResourceTypeRequest): Promise<AppResourceType> {
    const displayName = displayNameOf(req.displayName);
    return this.db.transaction(async (tx) => {
      await this.apps.requireManual(tenantId, appId, tx);
      const row = await store.insertType(tx, { tenantId, id: newId(), appId, displayName, resourceType: req.resourceType });
      recordCreated('app_resource_type', row.id);
      return toResourceType(row);
    });
  }

  /** The type id as a subquery that requireManual and requireType(..., 'share') would pass; NULL otherwise. */
  lockedIdUnderManualApp(tenantId: string, appId: string, resourceTypeId: string): SQL {
    return store.lockedTypeId(tenantId, appId, resourceTypeId, this.apps.manualCondition(tenantId, appId));
  }

  /**
   * The type row if it belongs to the app in the tenant, else NOT_FOUND (also for another app's type).
   * `lock`: 'share' keeps it from being deleted until the transaction ends (creating things under it).
   */
  async requireType(
    tenantId: string,
    appId: string,
    resourceTypeId: string,
    db: Db = this.db,
    lock?: 'share' | 'update',
  ): Promise<ResourceTypeRow> {
    const row = await store.getType(db, tenantId, appId, resourceTypeId, lock);
    if (!row) {
      // Say which of the two is missing, as C1 does.
      await this.apps.requireRow(tenantId, appId, db);
      throw notFound('app resource type');
    }
    return row;
  }

  async get(tenantId: string, appId: string, id: string): Promise<AppResourceType> {
    return toResourceType(await this.requireType(tenantId, appId, id));
  }

  async list(tenantId: string, appId: string, page: PageRequest): Promise<Page<AppResourceType>> {
    await this.apps.requireRow(tenantId, appId);
    return this.page(tenantId, { appIds: [appId] }, page);
  }

  async search(tenantId: string, req: SearchResourceTypesRequest, page: PageRequest): Promise<Page<AppResourceType>> {
    if (req.appUserIds?.length) throw invalidArgument('appUserIds: filtering resource types by app user is not supported');
    return this.page(
      tenantId,
      {
        appIds: req.appIds,
        query: req.query,
        displayName: req.displayName,
        ids: req.resourceTypeIds,
        excludeIds: req.excludeResourceTypeIds,
        kinds: req.resourceTypeTraitIds,
        excludeKinds: req.excludeResourceTypeTraitIds,
      },
      page,
    );
  }

  async update(
    tenantId: string,
    appId: string,
    id: string,
    input: ResourceTypeInput | undefined,
    updateMask: string | undefined,
  ): Promise<AppResourceType> {
    const fields = fieldsToUpdate<ResourceTypeWritable>(updateMask, RESOURCE_TYPE_WRITABLE, RESOURCE_TYPE_READ_ONLY, input);
    const set = columnsToSet<ResourceTypeWritable, store.NewResourceTypeRow>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf((v as string | undefined) ?? '', 'appResourceType.displayName') }),
      traitIds: (v) => ({ resourceType: kindOf(v as string[] | undefined) }),
    });
    return this.db.transaction(async (tx) => {
      await this.apps.requireManual(tenantId, appId, tx);
      const row =
        fields.length === 0
          ? await this.requireType(tenantId, appId, id, tx)
          : await store.updateType(tx, tenantId, appId, id, set);
      return toResourceType(row ?? (await this.requireType(tenantId, appId, id, tx)));
    });
  }

  /**
   * Deletes a type that has no resources. The foreign key from resources refuses otherwise;
   * the DELETE runs in a savepoint so that the refusal can then say how many there are.
   */
  async delete(tenantId: string, appId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.apps.requireManual(tenantId, appId, tx);
      await this.requireType(tenantId, appId, id, tx, 'update');
      try {
        await tx.transaction((sp) => store.deleteType(sp, tenantId, appId, id));
      } catch (err) {
        if (pgErrorCode(err) !== '23503') throw err;
        const n = await store.countResources(tx, tenantId, appId, id);
        throw failedPrecondition(`app resource type ${id} still has ${n} resource(s); delete them first`);
      }
    });
  }

  /** Ids of the tenant's types with any of these trait ids. */
  async idsWithTraits(tenantId: string, traitIds: string[], db: Db = this.db): Promise<string[]> {
    return store.idsOfKinds(db, tenantId, traitIds);
  }

  private async page(tenantId: string, filter: store.ResourceTypeFilter, page: PageRequest): Promise<Page<AppResourceType>> {
    const rows = await store.listTypes(this.db, tenantId, filter, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toResourceType), nextPageToken: p.nextPageToken };
  }
}

/** A type has exactly one trait: its kind. */
function kindOf(traitIds: string[] | undefined): string {
  if (traitIds?.length !== 1 || !RESOURCE_TYPE_KINDS.includes(traitIds[0])) {
    throw invalidArgument(`appResourceType.traitIds: must be exactly one of ${RESOURCE_TYPE_KINDS.join(', ')}`);
  }
  return traitIds[0];
}
