// App entitlements of manual apps (C1's AppEntitlements, AppEntitlementSearchService
// and AppEntitlementOwners). Grants live in the grants module; an entitlement's
// grantCount is read from its counter slots (db/counts.ts).

import type { AnyColumn, SQL } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { RowLock } from '../../db/sql-helpers.ts';
import { statisticsRefresher } from '../../db/sync-helpers.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { recordCreated } from '../../lib/activity.ts';
import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  pgErrorCode,
  refusedByReference,
} from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import type { AccessRequestDefaultsService, EntitlementDefaults } from '../catalogs/defaults.ts';
import type { GrantLedger } from '../grants/ledger.ts';
import type { Hold, OwnersService } from '../owners/service.ts';
import type { PoliciesService, PolicyRef } from '../policies/service.ts';
import type { ResourcesService } from '../resources/service.ts';
import type { User } from '../users/schemas.ts';
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
import { removeStaleEntitlements, upsertSyncedEntitlements } from './sync-store.ts';

export type EntitlementRow = store.EntitlementRow;

type PolicyFields = 'grantPolicyId' | 'revokePolicyId' | 'certifyPolicyId' | 'emergencyGrantPolicyId';
/** The policy ids an entitlement's fields name, each with the type it needs (field names under `prefix`). */
function policyRefs(e: Partial<Record<PolicyFields, string | null>>, prefix = ''): PolicyRef[] {
  return [
    { field: `${prefix}grantPolicyId`, id: e.grantPolicyId, type: 'POLICY_TYPE_GRANT' },
    { field: `${prefix}revokePolicyId`, id: e.revokePolicyId, type: 'POLICY_TYPE_REVOKE' },
    { field: `${prefix}certifyPolicyId`, id: e.certifyPolicyId, type: 'POLICY_TYPE_CERTIFY' },
    { field: `${prefix}emergencyGrantPolicyId`, id: e.emergencyGrantPolicyId, type: 'POLICY_TYPE_GRANT' },
  ];
}

function slugConflict(err: unknown, slug: string | null | undefined): unknown {
  if (pgErrorCode(err) === '23505') return alreadyExists(`slug: an entitlement with slug "${slug}" already exists here`);
  return err;
}

/** Entitlement fields a sync writes: on an app with a connector, not changed by hand (400 FAILED_PRECONDITION). */
const CONNECTOR_OWNED: ReadonlySet<string> = new Set(['displayName', 'description', 'slug', 'purpose', 'matchBatonId']);

export class EntitlementsService {
  /** A connector sync's set-based writes (sync-store.ts), used by connectors/sync.ts inside its transaction. */
  readonly sync = {
    upsert: upsertSyncedEntitlements,
    removeStale: removeStaleEntitlements,
    refreshStats: statisticsRefresher('app_entitlements'),
  };

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly owners: OwnersService,
    private readonly res: ResourcesService,
    private readonly grants: GrantLedger,
    private readonly policies: PoliciesService,
    /** The request catalogs' access-request defaults, made after this service: asked only while creating. */
    private readonly defaults: () => AccessRequestDefaultsService,
  ) {}

  /** The entitlements the refs name, with their apps; INVALID_ARGUMENT naming the first that names none. */
  async resolveRefs(tx: Db, tenantId: string, refs: { appId?: string; id: string }[], field: string) {
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

  /** Owners of a new entitlement: those named, else the holders of the app's entitlement owner refs (if any). */
  private async ownerIdsFor(tx: Db, tenantId: string, app: { entitlementOwnerRefs: { id: string }[] | null }, named?: string[]) {
    if (named?.length || !app.entitlementOwnerRefs?.length) return named ?? [];
    return this.grants.holders(
      tx,
      tenantId,
      app.entitlementOwnerRefs.map((r) => r.id),
    );
  }

  /** The entitlement, locked as asked: what the owners component holds while it changes its owners. */
  private hold(tenantId: string, appId: string, id: string): Hold {
    return (tx, lock) => this.requireRow(tenantId, appId, id, tx, lock);
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
        // FOR KEY SHARE, as the foreign keys would: neither can be deleted before this commits.
        const app = await this.apps.requireRow(tenantId, appId, tx, 'key share');
        if (!app.isManuallyManaged) throw failedPrecondition(`app ${appId} is not manually managed`);
        await this.policies.checkRefs(tx, tenantId, policyRefs(req));
        const resource = resourceId
          ? await this.res.requireResource(tenantId, appId, typeId, resourceId, tx, 'key share')
          : undefined;
        // The app's access-request defaults fill what the request leaves unset (docs/catalogs.md).
        const d = req.overrideAccessRequestsDefaults
          ? undefined
          : await this.defaults().forNewEntitlement(tx, tenantId, app, resource?.appResourceTypeId ?? null);
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
          durationGrantSeconds: duration ?? (req.durationUnset ? null : (d?.durationGrantSeconds ?? null)),
          certifyPolicyId: req.certifyPolicyId || null,
          grantPolicyId: req.grantPolicyId || d?.grantPolicyId || null,
          revokePolicyId: req.revokePolicyId || null,
          emergencyGrantEnabled: req.emergencyGrantEnabled ?? d?.emergencyGrantEnabled ?? undefined,
          emergencyGrantPolicyId: req.emergencyGrantPolicyId || d?.emergencyGrantPolicyId || null,
          riskLevelValueId: req.riskLevelValueId || null,
          complianceFrameworkValueIds: req.complianceFrameworkValueIds,
          overrideAccessRequestsDefaults: req.overrideAccessRequestsDefaults,
          matchBatonId: req.matchBatonId || null,
        });
        const ownerIds = await this.ownerIdsFor(tx, tenantId, app, req.appEntitlementOwnerIds);
        await this.owners.addIn(tx, 'entitlement', tenantId, row.id, ownerIds, 'appEntitlementOwnerIds');
        if (d?.catalogIds.length) await this.defaults().addCreated(tx, tenantId, d.catalogIds, { appId, id: row.id });
        recordCreated('app_entitlement', row.id);
        return toView(row);
      });
    } catch (err) {
      throw slugConflict(err, req.slug);
    }
  }

  /** The entitlement row if it is in the app, else NOT_FOUND naming the app or the entitlement. */
  async requireRow(
    tenantId: string,
    appId: string,
    id: string,
    db: Db = this.db,
    lock: RowLock = false,
  ): Promise<EntitlementRow> {
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
    type Row = store.NewEntitlementRow;
    // Empty text clears the column, as an absent value does.
    const text =
      (col: keyof Row) =>
      (v: unknown): Partial<Row> => ({ [col]: (v as string | undefined) || null });
    const set = columnsToSet<EntitlementWritable, Row>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf((v as string | undefined) ?? '', 'entitlement.displayName') }),
      durationGrant: (v) => ({
        durationGrantSeconds: v ? parseDuration(v as string, 'entitlement.durationGrant') : null,
      }),
      // Unsets the duration unless the same update sets one.
      durationUnset: () => (fields.includes('durationGrant') && input?.durationGrant ? {} : { durationGrantSeconds: null }),
      description: text('description'),
      slug: text('slug'),
      alias: text('alias'),
      certifyPolicyId: text('certifyPolicyId'),
      grantPolicyId: text('grantPolicyId'),
      revokePolicyId: text('revokePolicyId'),
      emergencyGrantPolicyId: text('emergencyGrantPolicyId'),
      riskLevelValueId: text('riskLevelValueId'),
      matchBatonId: text('matchBatonId'),
    });
    if (overrideAccessRequestsDefaults !== undefined) set.overrideAccessRequestsDefaults = overrideAccessRequestsDefaults;
    try {
      return await this.db.transaction(async (tx) => {
        // On a synced app, what the connector brings is its own; policies, durations and the like stay Gatehouse's.
        if (fields.some((f) => CONNECTOR_OWNED.has(f))) await this.apps.requireManual(tenantId, appId, tx);
        const row = await this.requireRow(tenantId, appId, id, tx);
        if (Object.keys(set).length === 0) return toView(row);
        await this.policies.checkRefs(tx, tenantId, policyRefs(set, 'entitlement.'));
        return toView((await store.updateEntitlement(tx, tenantId, appId, id, set)) ?? row);
      });
    } catch (err) {
      throw slugConflict(err, set.slug);
    }
  }

  /**
   * Refused while the entitlement has grants in force (overdue ones end first, as expired);
   * its owners and counts go with it (foreign keys), its grant history stays.
   */
  async delete(tenantId: string, appId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.apps.requireManual(tenantId, appId, tx);
      await this.requireRow(tenantId, appId, id, tx, true);
      await this.grants.expireOverdue(tx, tenantId, appId, { entitlementId: id });
      const n = await this.grants.count(tx, tenantId, { entitlementId: id });
      if (n > 0) throw failedPrecondition(`app entitlement ${id} has ${n} grant(s); revoke them before deleting it`);
      await refusedByReference(store.deleteEntitlement(tx, tenantId, appId, id), `app entitlement ${id} has grants`);
    });
  }

  /**
   * For changing grants: the entitlement of the app, held FOR KEY SHARE to the end of the
   * transaction, so that it cannot be deleted meanwhile while grants to it run side by side.
   */
  async lockForGrants(tenantId: string, appId: string, id: string, tx: Db): Promise<EntitlementRow> {
    const row = await store.getEntitlement(tx, tenantId, appId, id, 'key share');
    if (!row) throw notFound('app entitlement');
    return row;
  }

  async rowsByIds(tenantId: string, ids: string[], db: Db = this.db): Promise<Map<string, EntitlementRow>> {
    const rows = await store.getEntitlements(db, tenantId, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** For the access-request defaults (applied to existing entitlements), in their transaction: one statement. */
  applyDefaults(tx: Db, tenantId: string, appId: string, resourceTypeIds: string[], d: EntitlementDefaults) {
    const set: Partial<store.NewEntitlementRow> = {};
    if (d.grantPolicyId) set.grantPolicyId = d.grantPolicyId;
    if (d.durationUnset) set.durationGrantSeconds = null;
    else if (d.durationGrantSeconds !== null) set.durationGrantSeconds = d.durationGrantSeconds;
    if (d.emergencyGrantEnabled !== null) set.emergencyGrantEnabled = d.emergencyGrantEnabled;
    if (d.emergencyGrantPolicyId) set.emergencyGrantPolicyId = d.emergencyGrantPolicyId;
    return store.applyDefaults(tx, tenantId, appId, resourceTypeIds, set);
  }

  /** Views of these entitlements, in the order given (ids that name none are left out). */
  async viewsByIds(tenantId: string, ids: string[], db: Db = this.db): Promise<AppEntitlementView[]> {
    const rows = await this.rowsByIds(tenantId, ids, db);
    return ids.flatMap((id) => {
      const r = rows.get(id);
      return r ? [toView(r)] : [];
    });
  }

  /** A page of entitlements by text, alias and app name that also meet `where` (another module's condition on the id). */
  async listWhere(
    tenantId: string,
    f: { query?: string; alias?: string; appDisplayName?: string },
    where: (id: AnyColumn) => SQL,
    page: PageRequest,
  ): Promise<Page<AppEntitlementView>> {
    let appIds: string[] | undefined;
    if (f.appDisplayName) {
      appIds = (await this.apps.search(tenantId, { displayName: f.appDisplayName }, { size: 100 })).list.map((a) => a.id);
      if (appIds.length === 0) return { list: [], nextPageToken: '' };
    }
    return this.page(tenantId, { query: f.query, alias: f.alias, appIds, where }, page);
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

  /** For the policies service: the first entitlement that names the policy, as `entitlement "name" of app … (field)`. */
  async policyUser(tx: Db, tenantId: string, policyId: string): Promise<string | undefined> {
    const found = await store.firstNamingPolicy(tx, tenantId, policyId);
    return found && `entitlement "${found.row.displayName}" of app ${found.row.appId} (${found.field})`;
  }

  listOwners(tenantId: string, appId: string, id: string, page: PageRequest): Promise<Page<User>> {
    return this.owners.list('entitlement', tenantId, id, this.hold(tenantId, appId, id), page);
  }

  addOwner(tenantId: string, appId: string, id: string, userId: string): Promise<void> {
    return this.owners.add('entitlement', tenantId, id, this.hold(tenantId, appId, id), userId, 'userId');
  }

  setOwners(tenantId: string, appId: string, id: string, userIds: string[]): Promise<void> {
    return this.owners.set('entitlement', tenantId, id, this.hold(tenantId, appId, id), userIds, 'userIds');
  }

  /** Idempotent, like C1: removing a user who is not an owner changes nothing. */
  removeOwner(tenantId: string, appId: string, id: string, userId: string): Promise<void> {
    return this.owners.remove('entitlement', tenantId, id, this.hold(tenantId, appId, id), userId, 'user_id');
  }

  private async page(tenantId: string, filter: store.EntitlementFilter, page: PageRequest): Promise<Page<AppEntitlementView>> {
    const rows = await store.listEntitlements(this.db, tenantId, filter, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toView), nextPageToken: p.nextPageToken };
  }
}
