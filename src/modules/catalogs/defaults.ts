// App access-request defaults (C1's AppAccessRequestsDefaultsService): the catalogs, request
// policy, grant duration and emergency settings an app's new entitlements take (unless they
// override the defaults), and, when asked, its existing ones too. An app without a stored row
// has the implicit defaults: enabled, into its default catalog, nothing else.
import type { Db } from '../../db/index.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { AppsService } from '../apps/service.ts';
import type { EntitlementsService } from '../entitlements/service.ts';
import type { PoliciesService } from '../policies/service.ts';
import type { AccessRequestDefaults, AccessRequestDefaultsInput } from './schemas.ts';
import type { CatalogsService } from './service.ts';
import * as store from './store.ts';

export type DefaultsLater = { apps: AppsService; entitlements: EntitlementsService };

/** What a new entitlement of the app takes (undefined: nothing, defaults off or not for its resource type). */
export type EntitlementDefaults = {
  catalogIds: string[];
  grantPolicyId: string | null;
  durationGrantSeconds: number | null;
  /** The defaults clear the duration (grants do not expire). */
  durationUnset: boolean;
  emergencyGrantEnabled: boolean | null;
  emergencyGrantPolicyId: string | null;
};

type App = { id: string; defaultRequestCatalogId: string | null };

const seconds = (d: string) => Math.floor(Number(d.slice(0, -1)));

function implicit(tenantId: string, app: App): store.DefaultsRow {
  const now = new Date(0);
  return {
    tenantId,
    appId: app.id,
    catalogIds: app.defaultRequestCatalogId ? [app.defaultRequestCatalogId] : [],
    requestPolicyId: null,
    durationGrantSeconds: null,
    durationUnset: false,
    emergencyGrantEnabled: null,
    emergencyGrantPolicyId: null,
    resourceTypeIds: [],
    defaultsEnabled: true,
    state: 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED',
    createdAt: now,
    updatedAt: now,
  };
}

function toDefaults(r: store.DefaultsRow): AccessRequestDefaults {
  return {
    appId: r.appId,
    catalogIds: r.catalogIds,
    defaultsEnabled: r.defaultsEnabled,
    durationGrant: r.durationGrantSeconds === null ? undefined : `${r.durationGrantSeconds}s`,
    durationUnset: r.durationUnset ? {} : undefined,
    emergencyGrantEnabled: r.emergencyGrantEnabled ?? false,
    emergencyGrantPolicyId: r.emergencyGrantPolicyId ?? undefined,
    requestPolicyId: r.requestPolicyId ?? undefined,
    resourceTypeIds: r.resourceTypeIds,
    state: r.state,
  };
}

export class AccessRequestDefaultsService {
  constructor(
    private readonly db: Db,
    private readonly catalogs: CatalogsService,
    private readonly policies: PoliciesService,
    private readonly later: () => DefaultsLater,
  ) {}

  async get(tenantId: string, appId: string): Promise<AccessRequestDefaults> {
    const app = await this.later().apps.requireRow(tenantId, appId);
    return toDefaults((await store.getDefaults(this.db, tenantId, appId)) ?? implicit(tenantId, app));
  }

  /** CreateAppAccessRequestsDefaults: stores them; `applyToExisting` applies them to the app's entitlements now. */
  async put(tenantId: string, appId: string, req: AccessRequestDefaultsInput): Promise<AccessRequestDefaults> {
    if (req.durationGrant && req.durationUnset) throw invalidArgument('durationGrant: cannot be set together with durationUnset');
    const duration = req.durationGrant ? seconds(req.durationGrant) : null;
    if (duration === 0) throw invalidArgument('durationGrant: must be at least one second');
    const catalogIds = [...new Set(req.catalogIds ?? [])];
    return this.db.transaction(async (tx) => {
      await this.later().apps.requireRow(tenantId, appId, tx, true);
      await this.catalogs.requireCatalogs(tx, tenantId, catalogIds, 'catalogIds');
      await this.policies.checkRefs(tx, tenantId, [
        { field: 'requestPolicyId', id: req.requestPolicyId, type: 'POLICY_TYPE_GRANT' },
        { field: 'emergencyGrantPolicyId', id: req.emergencyGrantPolicyId, type: 'POLICY_TYPE_GRANT' },
      ]);
      const row = await store.putDefaults(tx, {
        tenantId,
        appId,
        catalogIds,
        requestPolicyId: req.requestPolicyId || null,
        durationGrantSeconds: duration,
        durationUnset: req.durationUnset !== undefined,
        emergencyGrantEnabled: req.emergencyGrantEnabled ?? null,
        emergencyGrantPolicyId: req.emergencyGrantPolicyId || null,
        resourceTypeIds: [...new Set(req.resourceTypeIds ?? [])],
        defaultsEnabled: req.defaultsEnabled ?? false,
        // Applying is done here, in this transaction: it is never seen RUNNING.
        state: req.applyToExisting
          ? 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_SUCCESS'
          : 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED',
      });
      const d = req.applyToExisting && row.defaultsEnabled ? this.entitlementDefaults(row) : undefined;
      if (d) {
        const refs = await this.later().entitlements.applyDefaults(tx, tenantId, appId, row.resourceTypeIds, d);
        await store.addEntries(tx, 'entries', tenantId, catalogIds, refs);
      }
      return toDefaults(row);
    });
  }

  /** CancelAppAccessRequestsDefaults: applying runs inside the request that asks for it, so nothing is ever left to cancel. */
  async cancel(tenantId: string, appId: string): Promise<AccessRequestDefaults> {
    return this.get(tenantId, appId);
  }

  /** For the entitlements service, in its create transaction: what a new entitlement of `app` takes. */
  async forNewEntitlement(tx: Db, tenantId: string, app: App, resourceTypeId: string | null) {
    const row = (await store.getDefaults(tx, tenantId, app.id)) ?? implicit(tenantId, app);
    if (!row.defaultsEnabled) return undefined;
    if (row.resourceTypeIds.length > 0 && !(resourceTypeId && row.resourceTypeIds.includes(resourceTypeId))) return undefined;
    return this.entitlementDefaults(row);
  }

  /** After the new entitlement is written: it joins the defaults' catalogs. */
  async addCreated(tx: Db, tenantId: string, catalogIds: string[], ref: store.Ref): Promise<void> {
    // A catalog the defaults name may have been deleted since: those are passed over.
    const live = await store.existingCatalogIds(tx, tenantId, catalogIds);
    await store.addEntries(tx, 'entries', tenantId, [...live], [ref]);
  }

  private entitlementDefaults(row: store.DefaultsRow): EntitlementDefaults {
    return {
      catalogIds: row.catalogIds,
      grantPolicyId: row.requestPolicyId,
      durationGrantSeconds: row.durationUnset ? null : row.durationGrantSeconds,
      durationUnset: row.durationUnset,
      emergencyGrantEnabled: row.emergencyGrantEnabled,
      emergencyGrantPolicyId: row.emergencyGrantPolicyId,
    };
  }
}
