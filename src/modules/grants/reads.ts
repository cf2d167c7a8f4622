// Questions about grants: who holds an entitlement, what an account holds, and who held what in the past.
// Every read leaves out grants whose deadline has passed, even before the sweep removes them.

import type { Db } from '../../db/index.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import type { AppUsersService } from '../app-users/service.ts';
import type { AppsService } from '../apps/service.ts';
import { toView } from '../entitlements/rows.ts';
import type { AppEntitlementView } from '../entitlements/schemas.ts';
import type { EntitlementsService } from '../entitlements/service.ts';
import type { UsersService } from '../users/service.ts';
import { HoldersCache } from './holders-cache.ts';
import type { EntitlementUserView, PastGrant, SearchGrantsRequest, SearchPastGrantsRequest } from './schemas.ts';
import * as store from './store.ts';
import { type Binding, toBinding, toEntitlementUserView } from './views.ts';

export type GrantWithEntitlement = { entitlement: AppEntitlementView; appEntitlementUserBinding: EntitlementUserView };

export class GrantReads {
  private readonly holders = new HoldersCache();

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
    private readonly appUsers: AppUsersService,
    private readonly entitlements: EntitlementsService,
  ) {}

  grantOf(tenantId: string, entitlementId: string, appUserId: string, db: Db = this.db): Promise<store.GrantRow | undefined> {
    return store.getGrant(db, tenantId, entitlementId, appUserId);
  }

  /**
   * The accounts holding the entitlement (ListUsers): one round trip, two for an unknown entitlement.
   * A first page this process read before is answered again after one lookup that shows nothing it
   * depends on changed (holders-cache.ts): then the very object answered before, which no caller changes.
   */
  async listUsers(tenantId: string, appId: string, entitlementId: string, page: PageRequest): Promise<Page<EntitlementUserView>> {
    const first = page.after === undefined;
    if (first) {
      const kept = await this.holders.current(tenantId, appId, entitlementId, page.size, () =>
        store.holdersVersionNow(this.db, tenantId, appId, entitlementId),
      );
      if (kept) return kept;
    }
    const read = await store.listHolders(this.db, tenantId, appId, entitlementId, page);
    if (!read) {
      // Which of the two is missing, for the message.
      await this.entitlements.requireRow(tenantId, appId, entitlementId);
      return { list: [], nextPageToken: '' };
    }
    const p = toPage(read.rows, page.size, (r) => r.grant.id);
    const answer = { list: p.list.map((r) => toEntitlementUserView(r.grant, r.account)), nextPageToken: p.nextPageToken };
    if (first) {
      // Kept until the first deadline among the rows read (the one after the page decides the token).
      const until = Math.min(...read.rows.map((r) => r.grant.deprovisionAt?.getTime() ?? Number.POSITIVE_INFINITY));
      this.holders.set(tenantId, appId, entitlementId, page.size, { version: read.version, until, page: answer });
    }
    return answer;
  }

  /** The entitlements an account holds (ListForAppUser), by entitlement id. */
  async listForAppUser(tenantId: string, appId: string, appUserId: string, page: PageRequest): Promise<Page<AppEntitlementView>> {
    await this.apps.requireRow(tenantId, appId);
    await this.appUsers.requireRow(tenantId, appId, appUserId);
    const rows = await store.listGrants(this.db, tenantId, { appId, appUserId }, page, 'entitlement');
    const p = toPage(rows, page.size, (r) => r.appEntitlementId);
    const ents = await this.entitlements.rowsByIds(
      tenantId,
      p.list.map((r) => r.appEntitlementId),
    );
    return {
      list: p.list.flatMap((r) => {
        const ent = ents.get(r.appEntitlementId);
        return ent ? [toView(ent)] : [];
      }),
      nextPageToken: p.nextPageToken,
    };
  }

  /**
   * Every account of the identity user in the app, each with its grant of the
   * entitlement when it has one (ListAppUsersForIdentityWithGrant).
   */
  async listForIdentity(tenantId: string, appId: string, entitlementId: string, identityUserId: string): Promise<Binding[]> {
    await this.entitlements.requireRow(tenantId, appId, entitlementId);
    await this.users.get(tenantId, identityUserId);
    const account = await this.appUsers.findForUser(tenantId, appId, identityUserId);
    if (!account) return [];
    const grant = await this.grantOf(tenantId, entitlementId, account.id);
    return [grant ? toBinding(grant) : { appId, appUserId: account.id, grantSources: [] }];
  }

  /** The identity user's grants in force of these entitlements (one account per app: at most one each), by entitlement id. */
  async bindingsOf(
    tenantId: string,
    identityUserId: string,
    entitlementIds: string[],
    db: Db = this.db,
  ): Promise<Map<string, Binding>> {
    if (entitlementIds.length === 0) return new Map();
    const rows = await store.listGrants(
      db,
      tenantId,
      { identityUserId, entitlementRefs: entitlementIds.map((id) => ({ id })) },
      { size: entitlementIds.length },
    );
    return new Map(rows.map((r) => [r.appEntitlementId, toBinding(r)]));
  }

  async search(tenantId: string, req: SearchGrantsRequest, page: PageRequest): Promise<Page<GrantWithEntitlement>> {
    const rows = await store.listGrants(
      this.db,
      tenantId,
      {
        appIds: req.appIds,
        appUserIds: req.appUserIds,
        identityUserId: req.userId || undefined,
        resourceIds: req.resourceIds,
        resourceTypeIds: req.resourceTypeIds,
        entitlementRefs: req.entitlementRefs,
        entitlementSlugs: req.entitlementSlugs,
        // UNSPECIFIED is proto3's zero value: no filter.
        purpose: req.purpose === 'APP_ENTITLEMENT_PURPOSE_VALUE_UNSPECIFIED' ? undefined : req.purpose,
      },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    const ents = await this.entitlements.rowsByIds(
      tenantId,
      p.list.map((r) => r.appEntitlementId),
    );
    const accounts = await this.appUsers.byIds(
      tenantId,
      p.list.map((r) => r.appUserId),
    );
    return {
      list: p.list.flatMap((r) => {
        const ent = ents.get(r.appEntitlementId);
        const account = accounts.get(r.appUserId);
        return ent && account ? [{ entitlement: toView(ent), appEntitlementUserBinding: toEntitlementUserView(r, account) }] : [];
      }),
      nextPageToken: p.nextPageToken,
    };
  }

  /** Grants that ended: who held which entitlement, from when until when. */
  async searchPast(tenantId: string, req: SearchPastGrantsRequest, page: PageRequest): Promise<Page<{ history: PastGrant }>> {
    const rows = await store.listPast(
      this.db,
      tenantId,
      { appIds: req.appIds, entitlementRefs: req.appEntitlementRefs, appUserRefs: req.appUserRefs },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    return {
      list: p.list.map((r) => ({
        history: {
          appId: r.appId,
          appEntitlementId: r.appEntitlementId,
          appUserId: r.appUserId,
          grantedAt: r.grantedAt.toISOString(),
          revokedAt: r.endedAt.toISOString(),
        },
      })),
      nextPageToken: p.nextPageToken,
    };
  }
}
