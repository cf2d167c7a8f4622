// Row ↔ API conversions for entitlements, and proto Duration text.

import { int64, orUndef } from '../../http/schemas.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { AppEntitlement, AppEntitlementView } from './schemas.ts';
import type { EntitlementRow } from './store.ts';

// proto3 Durations are at most 10,000 years.
const MAX_DURATION_SECONDS = 315_576_000_000;

/** "86400s" → 86400. Whole seconds only: grant deadlines are kept to the second. */
export function parseDuration(text: string, field: string): number {
  const m = /^\s*(\d{1,12})(?:\.(0{1,9}))?s\s*$/.exec(text);
  const seconds = m ? Number(m[1]) : Number.NaN;
  if (!m || seconds <= 0 || seconds > MAX_DURATION_SECONDS) {
    throw invalidArgument(`${field}: "${text}" is not a positive whole number of seconds like "3600s"`);
  }
  return seconds;
}

export function toEntitlement(row: EntitlementRow): AppEntitlement {
  return {
    id: row.id,
    appId: row.appId,
    appResourceTypeId: orUndef(row.appResourceTypeId),
    appResourceId: orUndef(row.appResourceId),
    displayName: row.displayName,
    description: orUndef(row.description),
    slug: orUndef(row.slug),
    alias: orUndef(row.alias),
    purpose: row.purpose ?? 'APP_ENTITLEMENT_PURPOSE_VALUE_UNSPECIFIED',
    durationGrant: row.durationGrantSeconds ? `${row.durationGrantSeconds}s` : undefined,
    certifyPolicyId: orUndef(row.certifyPolicyId),
    grantPolicyId: orUndef(row.grantPolicyId),
    revokePolicyId: orUndef(row.revokePolicyId),
    emergencyGrantEnabled: orUndef(row.emergencyGrantEnabled),
    emergencyGrantPolicyId: orUndef(row.emergencyGrantPolicyId),
    riskLevelValueId: orUndef(row.riskLevelValueId),
    complianceFrameworkValueIds: row.complianceFrameworkValueIds ?? [],
    overrideAccessRequestsDefaults: orUndef(row.overrideAccessRequestsDefaults),
    matchBatonId: orUndef(row.matchBatonId),
    grantCount: int64(row.grantCount),
    isManuallyManaged: true,
    isAutomationEnabled: false,
    systemBuiltin: false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const toView = (row: EntitlementRow): AppEntitlementView => ({ appEntitlement: toEntitlement(row) });
