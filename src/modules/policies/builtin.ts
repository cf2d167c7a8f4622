// The built-in policies every tenant has (migration 0011 inserts them for each tenant, by a
// trigger on tenants, with these ids and this content). Ids are fixed across tenants and
// releases, so docs, scripts and tests may name them. They are systemBuiltin: neither
// edited nor deleted (C1: "Builtin system policies cannot be edited").
import type { PolicyType } from './schemas.ts';

export type BuiltinPolicy = {
  id: string;
  displayName: string;
  policyType: PolicyType;
  policySteps: Record<string, { steps: object[] }>;
};

export const DEFAULT_GRANT_POLICY: BuiltinPolicy = {
  id: '2aKVLJuZhBf8OXwh0syLNbddjpR',
  displayName: 'Default Grant Policy',
  policyType: 'POLICY_TYPE_GRANT',
  // The app's owners approve, then the access is provisioned as the app or entitlement says.
  policySteps: { grant: { steps: [{ approval: { appOwners: {} } }, { provision: {} }] } },
};

export const DEFAULT_REVOKE_POLICY: BuiltinPolicy = {
  id: '2aKVLJwT99llNq3QBHKAxXThRlS',
  displayName: 'Default Revoke Policy',
  policyType: 'POLICY_TYPE_REVOKE',
  // No approval: the access is deprovisioned at once.
  policySteps: { revoke: { steps: [{ provision: {} }] } },
};

export const BUILTIN_POLICIES = [DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY] as const;
