// What other modules need to know about grants (when they delete, and who holds what): the grants module's
// statements for ending overdue grants, counting grants and closing the history of a
// deleted app. It depends on the database only, so apps, resources and entitlements can
// use it without depending on the grants service (which depends on them).

import type { AnyColumn, SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { heldSql, holderIds, holdingAllCountSql } from './store.ts';
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

  /** SQL for another module's statement: `user` holds the entitlement `entitlementId` names now. */
  heldSql(tenantId: string, user: string | SQL, entitlementId: SQL | AnyColumn): SQL {
    return heldSql(tenantId, user, entitlementId);
  }

  /** SQL for another module's statement: how many people hold every entitlement of `ids` (`total` of them) now. */
  holdingAllCountSql(tenantId: string, ids: SQL, total: SQL): SQL<number> {
    return holdingAllCountSql(tenantId, ids, total);
  }

  /** Inside the app's deleting transaction, before the DELETE whose cascade removes the grants. */
  endAllOfApp(tx: Db, tenantId: string, appId: string): Promise<void> {
    return endHistoryOfApp(tx, tenantId, appId, 'deleted');
  }
}
