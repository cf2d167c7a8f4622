// Grant rows → C1's binding views.
import { iso } from '../../http/schemas.ts';
import { type AppUserRow, toAppUserView } from '../app-users/service.ts';
import type { Binding, EntitlementUserView } from './schemas.ts';
import type { GrantRow } from './store.ts';

export type { Binding } from './schemas.ts';

/** A grant made by hand is direct: it comes through no other entitlement. */
const NO_SOURCES: [] = [];

export function toBinding(row: GrantRow): Binding {
  return {
    appId: row.appId,
    appUserId: row.appUserId,
    appEntitlementId: row.appEntitlementId,
    createdAt: row.createdAt.toISOString(),
    deprovisionAt: iso(row.deprovisionAt),
    grantSources: sourcesOf(row),
  };
}

/** A synced grant's sources (entitlement ids) as C1's AppEntitlementRefs; a hand-made grant has none. */
function sourcesOf(row: Pick<GrantRow, 'appId' | 'grantSources'>): { appId: string; id: string }[] {
  return row.grantSources?.length ? row.grantSources.map((id) => ({ appId: row.appId, id })) : NO_SOURCES;
}

export function toEntitlementUserView(
  row: Pick<GrantRow, 'appId' | 'createdAt' | 'deprovisionAt' | 'grantSources'>,
  account: AppUserRow,
): EntitlementUserView {
  return {
    appUser: toAppUserView(account),
    appEntitlementUserBindingCreatedAt: row.createdAt.toISOString(),
    appEntitlementUserBindingDeprovisionAt: iso(row.deprovisionAt),
    grantSources: sourcesOf(row),
  };
}
