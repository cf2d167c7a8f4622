// What other modules need to know about grants (when they delete, and who holds what): the grants module's
// statements for ending overdue grants, counting grants and closing the history of a
// deleted app. It depends on the database only, so apps, resources and entitlements can
// use it without depending on the grants service (which depends on them).
import type { Db } from '../../db/index.ts';
import { holderIds } from './store.ts';
import { countGrants, endHistoryOfApp, revokeMany } from './writes.ts';

export type GrantScope = { entitlementId: string } | { resourceId: string };

export class GrantLedger {
  /** Ends the overdue grants of an entitlement or of a resource's entitlements: they do not keep it from being deleted. */
  async expireOverdue(tx: Db, tenantId: string, appId: string, scope: GrantScope): Promise<number> {
    const f = 'entitlementId' in scope ? { entitlementIds: [scope.entitlementId] } : { resourceId: scope.resourceId };
    return revokeMany(tx, tenantId, appId, { ...f, onlyOverdue: true }, 'expired');
  }

  count(tx: Db, tenantId: string, scope: GrantScope): Promise<number> {
    return countGrants(tx, tenantId, scope);
  }

  /** Identity users who hold any of these entitlements now (owners given by CreateAppRequest.appEntitlementOwnerRefs). */
  holders(tx: Db, tenantId: string, entitlementIds: string[]): Promise<string[]> {
    return holderIds(tx, tenantId, entitlementIds);
  }

  /** Inside the app's deleting transaction, before the DELETE whose cascade removes the grants. */
  endAllOfApp(tx: Db, tenantId: string, appId: string): Promise<void> {
    return endHistoryOfApp(tx, tenantId, appId, 'deleted');
  }
}
