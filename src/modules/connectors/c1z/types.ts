// The records a c1z sync is read into: plain objects, camelCase, named after baton's messages
// (package c1.connector.v2). Enum values are baton's names, lower-case; unknown values are left out.

/** google.protobuf.Struct as plain JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type ResourceTrait = 'user' | 'group' | 'role' | 'app' | 'secret';
export type ResourceStatus = 'enabled' | 'disabled' | 'deleted';
export type AccountType = 'human' | 'service' | 'system';
export type EntitlementPurpose = 'assignment' | 'permission' | 'ownership';

export type C1zSyncInfo = {
  id: string;
  /** As SQLite stored it (baton writes UTC "YYYY-MM-DD HH:MM:SS.ffffff"). */
  startedAt: string;
  endedAt: string | undefined;
  finished: boolean;
  /** 'full' when the file has no sync_type column. */
  type: string;
};

export type C1zResourceType = {
  id: string;
  displayName: string;
  description: string;
  traits: ResourceTrait[];
};

export type C1zUserTrait = {
  /** Primary address first, then the others in file order. */
  emails: string[];
  status: ResourceStatus | undefined;
  statusDetails: string;
  accountType: AccountType | undefined;
  login: string;
  loginAliases: string[];
  employeeIds: string[];
  profile: JsonObject | undefined;
  structuredName: { givenName: string; familyName: string } | undefined;
  /** RFC 3339. */
  createdAt: string | undefined;
  lastLogin: string | undefined;
};

export type C1zResource = {
  resourceTypeId: string;
  id: string;
  parentResourceTypeId: string | undefined;
  parentResourceId: string | undefined;
  displayName: string;
  description: string;
  status: ResourceStatus | undefined;
  createdAt: string | undefined;
  /** Resource.profile (field 9), if set. */
  profile: JsonObject | undefined;
  userTrait: C1zUserTrait | undefined;
  groupTrait: { profile: JsonObject | undefined } | undefined;
  roleTrait: { profile: JsonObject | undefined } | undefined;
  appTrait: { helpUrl: string; profile: JsonObject | undefined } | undefined;
  /** Resource types this resource has children of (ChildResourceType annotations). */
  childResourceTypeIds: string[];
};

export type C1zEntitlement = {
  resourceTypeId: string;
  resourceId: string;
  /** `<resource type>:<resource id>:<slug>` as baton writes it. */
  id: string;
  slug: string;
  displayName: string;
  description: string;
  purpose: EntitlementPurpose | undefined;
  /** Resource types the entitlement can be granted to (empty: any). */
  grantableTo: string[];
};

export type C1zGrantExpandable = {
  entitlementIds: string[];
  shallow: boolean;
  resourceTypeIds: string[];
};

export type C1zGrant = {
  /** `<entitlement id>:<principal type>:<principal id>`. */
  id: string;
  entitlementId: string;
  entitlementResourceTypeId: string;
  entitlementResourceId: string;
  principalResourceTypeId: string;
  principalResourceId: string;
  /** Entitlement id → whether that origin is a direct grant; empty for a plain direct grant. */
  sources: Record<string, { isDirect: boolean }>;
  expandable: C1zGrantExpandable | undefined;
  /** GrantImmutable.source_id, when the grant is marked immutable. */
  immutableSourceId: string | undefined;
};

export type C1zCounts = { resourceTypes: number; resources: number; entitlements: number; grants: number };
