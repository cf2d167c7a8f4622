// App entitlements of manual apps (C1's AppEntitlements, AppEntitlementSearchService
// and AppEntitlementOwners). Grants live in the grants module, which changes
// counts only through lockForGrants() and addGrantCount() here.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound, pgErrorCode } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import type { ResourcesService } from '../resources/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { parseDuration, toView } from './rows.ts';
import {
  type AppEntitlementView,
  type CreateEntitlementRequest,
  ENTITLEMENT_READ_ONLY,
  ENTITLEMENT_WRITABLE,
  type EntitlementInput,
  type EntitlementWritable,
  type SearchEntitlementsRequest,
} from './schemas.ts';
import * as store from './store.ts';

export type EntitlementRow = store.EntitlementRow;
/** Runs in the deleting transaction before the grant check (the grants module expires overdue grants). */
export type EntitlementDeleteHook = (tx: Db, tenantId: string, appId: string, entitlementIds: string[]) => Promise<void>;

function slugConflict(err: unknown, slug: string | null | undefined): unknown {
  if (pgErrorCode(err) === '23505') return alreadyExists(`slug: an entitlement with slug "${slug}" already exists here`);
  return err;
}

/** The identity users who hold any of these entitlements (given by the grants module). */
export type HolderSource = (tx: Db, tenantId: string, entitlementIds: string[]) => Promise<string[]>;

export class EntitlementsService {
  private resources?: ResourcesService;
  private readonly deleteHooks: EntitlementDeleteHook[] = [];
  private holders?: HolderSource;

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
  ) {
    apps.onDelete(async (tx, tenantId, appId) => {
      await store.deleteEntitlements(tx, tenantId, await store.lockIdsOf(tx, tenantId, { appId }));
    });
    apps.resolveEntitlementRefsWith((tx, tenantId, refs, field) => this.resolveRefs(tx, tenantId, refs, field));
  }

  /** Where owners given by entitlement refs (CreateAppRequest.appEntitlementOwnerRefs) come from. */
  ownersByHolding(source: HolderSource): void {
    this.holders = source;
  }

  /** The entitlements the refs name, with their apps; INVALID_ARGUMENT naming the first that names none. */
  private async resolveRefs(tx: Db, tenantId: string, refs: { appId?: string; id: string }[], field: string) {
    const rows = new Map((await store.getEntitlements(tx, tenantId, [...new Set(refs.map((r) => r.id))])).map((r) => [r.id, r]));
    const out = new Map<string, { appId: string; id: string }>();
    for (const ref of refs) {
      const row = rows.get(ref.id);
      if (!row || (ref.appId && ref.appId !== row.appId)) {
        throw invalidArgument(`${field}: entitlement "${ref.id}"${ref.appId ? ` of app "${ref.appId}"` : ''} does not exist`);
      }
      out.set(row.id, { appId: row.appId, id: row.id });
    }
    return [...out.values()];
  }

  /** Owners of a new entitlement: those named, else the holders of the app's owner refs (if any). */
  private async ownerIdsFor(tx: Db, tenantId: string, app: { entitlementOwnerRefs: { id: string }[] | null }, named?: string[]) {
    if (named?.length || !app.entitlementOwnerRefs?.length || !this.holders) return named ?? [];
    return this.holders(
      tx,
      tenantId,
      app.entitlementOwnerRefs.map((r) => r.id),
    );
  }

  /**
   * Connects resources (constructed after this service, so that an app's grants
   * and entitlements are gone before resource delete hooks run for that app).
   * Deleting a resource deletes its entitlements, and is refused while they have grants.
   */
  attachResources(resources: ResourcesService): void {
    this.resources = resources;
    resources.onDelete(async (tx, tenantId, resource) => {
      const ids = await store.lockIdsOf(tx, tenantId, { resourceId: resource.id });
      const rows = await store.getEntitlements(tx, tenantId, ids);
      const grants = rows.reduce((n, r) => n + r.grantCount, 0);
      if (grants > 0) {
        throw failedPrecondition(
          `app resource ${resource.id} has ${grants} grant(s) through its entitlements; revoke them before deleting it`,
        );
      }
      await store.deleteEntitlements(tx, tenantId, ids);
    });
  }

  onDelete(hook: EntitlementDeleteHook): void {
    this.deleteHooks.push(hook);
  }

  private get res(): ResourcesService {
    if (!this.resources) throw new Error('EntitlementsService: resources not attached');
    return this.resources;
  }

  async create(tenantId: string, appId: string, req: CreateEntitlementRequest): Promise<AppEntitlementView> {
    const displayName = displayNameOf(req.displayName);
    if (req.durationGrant && req.durationUnset) throw invalidArgument('durationGrant: cannot be set together with durationUnset');
    const duration = req.durationGrant ? parseDuration(req.durationGrant, 'durationGrant') : null;
    const typeId = req.appResourceTypeId || undefined;
    const resourceId = req.appResourceId || undefined;
    if (typeId && !resourceId) throw invalidArgument('appResourceId: is required when appResourceTypeId is set');
    try {
      return await this.db.transaction(async (tx) => {
        // The app's lock orders this after any grant or delete under way in the app.
        const app = await this.apps.requireRow(tenantId, appId, tx, true);
        if (!app.isManuallyManaged) throw failedPrecondition(`app ${appId} is not manually managed`);
        const resource = resourceId ? await this.res.requireResource(tenantId, appId, typeId, resourceId, tx, true) : undefined;
        const ownerIds = await this.ownerIdsFor(tx, tenantId, app, req.appEntitlementOwnerIds);
        const owners = await this.users.requireAll(tenantId, ownerIds, 'appEntitlementOwnerIds', tx);
        const row = await store.insertEntitlement(tx, {
          tenantId,
          id: newId(),
          appId,
          appResourceTypeId: resource?.appResourceTypeId ?? null,
          appResourceId: resource?.id ?? null,
          displayName,
          description: req.description,
          slug: req.slug || null,
          alias: req.alias || null,
          purpose: req.purpose,
          durationGrantSeconds: duration,
          certifyPolicyId: req.certifyPolicyId || null,
          grantPolicyId: req.grantPolicyId || null,
          revokePolicyId: req.revokePolicyId || null,
          emergencyGrantEnabled: req.emergencyGrantEnabled,
          emergencyGrantPolicyId: req.emergencyGrantPolicyId || null,
          riskLevelValueId: req.riskLevelValueId || null,
          complianceFrameworkValueIds: req.complianceFrameworkValueIds,
          overrideAccessRequestsDefaults: req.overrideAccessRequestsDefaults,
          matchBatonId: req.matchBatonId || null,
        });
        await store.addOwners(
          tx,
          tenantId,
          row.id,
          owners.map((u) => u.id),
        );
        return toView(row);
      });
    } catch (err) {
      throw slugConflict(err, req.slug);
    }
  }

  /** The entitlement row if it is in the app, else NOT_FOUND naming the app or the entitlement. */
  async requireRow(tenantId: string, appId: string, id: string, db: Db = this.db, lock = false): Promise<EntitlementRow> {
    const row = await store.getEntitlement(db, tenantId, appId, id, lock);
    if (row) return row;
    await this.apps.requireRow(tenantId, appId, db);
    throw notFound('app entitlement');
  }

  async get(tenantId: string, appId: string, id: string): Promise<AppEntitlementView> {
    return toView(await this.requireRow(tenantId, appId, id));
  }

  async list(tenantId: string, appId: string, page: PageRequest): Promise<Page<AppEntitlementView>> {
    await this.apps.requireRow(tenantId, appId);
    return this.page(tenantId, { appId }, page);
  }

  async listForResource(
    tenantId: string,
    appId: string,
    typeId: string,
    resourceId: string,
    page: PageRequest,
  ): Promise<Page<AppEntitlementView>> {
    await this.res.requireResource(tenantId, appId, typeId, resourceId);
    return this.page(tenantId, { appId, resourceId }, page);
  }

  async search(tenantId: string, req: SearchEntitlementsRequest, page: PageRequest): Promise<Page<AppEntitlementView>> {
    // Deleted entitlements are not kept (their grant history is), so includeDeleted changes nothing.
    return this.page(
      tenantId,
      {
        query: req.query,
        displayName: req.displayName,
        alias: req.alias,
        appIds: req.appIds,
        excludeAppIds: req.excludeAppIds,
        resourceTypeIds: req.resourceTypeIds,
        excludeResourceTypeIds: req.excludeResourceTypeIds,
        resourceIds: req.resourceIds,
        appUserIds: req.appUserIds,
        excludeAppUserIds: req.excludeAppUserIds,
        refs: req.refs,
        excludedRefs: req.excludedEntitlementRefs,
        policyIds: req.policyRefs?.map((r) => r.id),
        onlyExpiring: req.onlyGetExpiring,
      },
      page,
    );
  }

  async update(
    tenantId: string,
    appId: string,
    id: string,
    input: EntitlementInput | undefined,
    updateMask: string | undefined,
    overrideAccessRequestsDefaults?: boolean,
  ): Promise<AppEntitlementView> {
    const fields = fieldsToUpdate<EntitlementWritable>(updateMask, ENTITLEMENT_WRITABLE, ENTITLEMENT_READ_ONLY, input);
    const v = input ?? {};
    const set: Partial<store.NewEntitlementRow> = {};
    const text = (s: string | undefined) => s || null;
    // A masked field absent from the body is cleared, as in C1.
    for (const f of fields) {
      if (f === 'displayName') set.displayName = displayNameOf(v.displayName ?? '', 'entitlement.displayName');
      else if (f === 'durationGrant')
        set.durationGrantSeconds = v.durationGrant ? parseDuration(v.durationGrant, 'entitlement.durationGrant') : null;
      else if (f === 'durationUnset') {
        if (!fields.includes('durationGrant') || !v.durationGrant) set.durationGrantSeconds = null;
      } else if (f === 'purpose') set.purpose = v.purpose ?? null;
      else if (f === 'emergencyGrantEnabled' || f === 'overrideAccessRequestsDefaults') set[f] = v[f] ?? null;
      else if (f === 'complianceFrameworkValueIds') set.complianceFrameworkValueIds = v.complianceFrameworkValueIds ?? null;
      else set[f] = text(v[f]);
    }
    if (overrideAccessRequestsDefaults !== undefined) set.overrideAccessRequestsDefaults = overrideAccessRequestsDefaults;
    try {
      return await this.db.transaction(async (tx) => {
        const row = await this.requireRow(tenantId, appId, id, tx);
        if (Object.keys(set).length === 0) return toView(row);
        return toView((await store.updateEntitlement(tx, tenantId, appId, id, set)) ?? row);
      });
    } catch (err) {
      throw slugConflict(err, set.slug);
    }
  }

  /** Refused while the entitlement has grants; its grant history stays. */
  async delete(tenantId: string, appId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.apps.requireRow(tenantId, appId, tx, true);
      const [row] = await this.lockForGrants(tenantId, appId, [id], tx);
      for (const hook of this.deleteHooks) await hook(tx, tenantId, appId, [id]);
      const fresh = await this.requireRow(tenantId, appId, id, tx);
      if (fresh.grantCount > 0) {
        throw failedPrecondition(`app entitlement ${row.id} has ${fresh.grantCount} grant(s); revoke them before deleting it`);
      }
      await store.deleteEntitlements(tx, tenantId, [id]);
    });
  }

  /**
   * For changing grants, inside a transaction that already holds the app's lock:
   * locks the entitlements' resources, then the entitlements (always in that
   * order, like resource deletion), and answers the rows in the order of `ids`.
   * 'key share' (adding grants) only keeps them from being deleted, so that grants
   * run side by side until they update the counts (see GrantsService).
   */
  async lockForGrants(
    tenantId: string,
    appId: string,
    ids: string[],
    tx: Db,
    lock: true | 'key share' = true,
  ): Promise<EntitlementRow[]> {
    const unique = [...new Set(ids)].sort();
    const rows = new Map(
      (await store.getEntitlements(tx, tenantId, unique)).filter((r) => r.appId === appId).map((r) => [r.id, r]),
    );
    const missing = unique.find((id) => !rows.has(id));
    if (missing !== undefined) throw notFound('app entitlement');
    const resourceIds = [...new Set([...rows.values()].flatMap((r) => (r.appResourceId ? [r.appResourceId] : [])))].sort();
    for (const rid of resourceIds) await this.res.requireResource(tenantId, appId, undefined, rid, tx, lock);
    const locked = new Map<string, EntitlementRow>();
    for (const id of unique) {
      const row = await store.getEntitlement(tx, tenantId, appId, id, lock);
      if (!row) throw notFound('app entitlement');
      locked.set(id, row);
    }
    return ids.map((id) => locked.get(id) as EntitlementRow);
  }

  /** Adds `delta` grants to the entitlement and its resource; inside the grant's transaction. */
  async addGrantCount(tenantId: string, row: EntitlementRow, delta: number, tx: Db): Promise<void> {
    if (delta === 0) return;
    if (!(await store.addGrantCount(tx, tenantId, row.id, delta))) throw notFound('app entitlement');
    if (row.appResourceId) await this.res.addGrantCount(tenantId, row.appResourceId, delta, tx);
  }

  async rowsByIds(tenantId: string, ids: string[], db: Db = this.db): Promise<Map<string, EntitlementRow>> {
    const rows = await store.getEntitlements(db, tenantId, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * An entitlement of the app named in a flat file: its id, or `resourceDisplayName/slug`
   * (`/slug` for an entitlement of the app itself). INVALID_ARGUMENT if none or several match.
   */
  async resolveRef(tenantId: string, appId: string, ref: string, field: string, db: Db = this.db): Promise<EntitlementRow> {
    const cut = ref.lastIndexOf('/');
    if (cut < 0) {
      const row = await store.getEntitlement(db, tenantId, appId, ref);
      if (!row) throw invalidArgument(`${field}: no entitlement with id "${ref}" in this app`);
      return row;
    }
    const resourceName = ref.slice(0, cut).trim();
    const slug = ref.slice(cut + 1).trim();
    if (!slug) throw invalidArgument(`${field}: "${ref}" has no slug after the "/"`);
    if (!resourceName) {
      const row = await store.findBySlug(db, tenantId, appId, null, slug);
      if (!row) throw invalidArgument(`${field}: the app has no entitlement of its own with slug "${slug}"`);
      return row;
    }
    const candidates = (await store.listEntitlements(db, tenantId, { appId, slugs: [slug] }, { size: 1000 })).filter(
      (r) => r.appResourceId,
    );
    const resources = await this.res.byIds(
      tenantId,
      candidates.map((r) => r.appResourceId as string),
      db,
    );
    const matches = candidates.filter((r) => resources.get(r.appResourceId as string)?.displayName === resourceName);
    if (matches.length === 0) throw invalidArgument(`${field}: no entitlement "${slug}" on a resource named "${resourceName}"`);
    if (matches.length > 1) {
      throw invalidArgument(
        `${field}: ${matches.length} resources named "${resourceName}" have an entitlement "${slug}"; use its id`,
      );
    }
    return matches[0];
  }

  async listOwners(tenantId: string, appId: string, id: string, page: PageRequest): Promise<Page<User>> {
    await this.requireRow(tenantId, appId, id);
    const ids = await store.pageOwnerIds(this.db, tenantId, id, page);
    const p = toPage(ids, page.size, (u) => u);
    const users = await this.users.byIds(tenantId, p.list);
    return { list: p.list.flatMap((u) => users.get(u) ?? []), nextPageToken: p.nextPageToken };
  }

  async addOwner(tenantId: string, appId: string, id: string, userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tenantId, appId, id, tx, true);
      await this.users.requireAll(tenantId, [userId], 'userId', tx);
      await store.addOwners(tx, tenantId, id, [userId]);
    });
  }

  async setOwners(tenantId: string, appId: string, id: string, userIds: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tenantId, appId, id, tx, true);
      const owners = await this.users.requireAll(tenantId, userIds, 'userIds', tx);
      await store.clearOwners(tx, tenantId, id);
      await store.addOwners(
        tx,
        tenantId,
        id,
        owners.map((u) => u.id),
      );
    });
  }

  /** Idempotent, like C1: removing someone who is not an owner changes nothing. */
  async removeOwner(tenantId: string, appId: string, id: string, userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRow(tenantId, appId, id, tx, true);
      // An id that is no user is refused as add refuses it; removing someone who is not an owner changes nothing.
      await this.users.requireAll(tenantId, [userId], 'user_id', tx);
      await store.removeOwner(tx, tenantId, id, userId);
    });
  }

  private async page(tenantId: string, filter: store.EntitlementFilter, page: PageRequest): Promise<Page<AppEntitlementView>> {
    const rows = await store.listEntitlements(this.db, tenantId, filter, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toView), nextPageToken: p.nextPageToken };
  }
}
