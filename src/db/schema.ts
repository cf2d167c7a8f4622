// Drizzle schema: every table carries tenant_id and keys start with it, so every
// query is bounded by tenant and the data is ready to shard by tenant.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
const created = () => ts('created_at').notNull().defaultNow();
const updated = () => ts('updated_at').notNull().defaultNow();
const count = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

/** Server-wide settings, e.g. the key that signs access tokens (shared by all servers). */
export const serverSettings = pgTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  domain: text('domain').notNull().unique(),
  createdAt: created(),
});

export const clients = pgTable(
  'clients',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    /** Ed25519 public key (JWK `x`); the private half is never stored. */
    publicKey: text('public_key').notNull(),
    createdAt: created(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex('clients_id_uq').on(t.id)],
);

/** Client assertions already used (by jti or nonce), kept until they expire. */
export const usedAssertions = pgTable('used_assertions', {
  key: text('key').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

export const users = pgTable(
  'users',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    username: text('username'),
    department: text('department'),
    jobTitle: text('job_title'),
    employmentStatus: text('employment_status'),
    status: text('status').notNull().default('ENABLED'),
    /** C1's User.managerIds: ids of this tenant's users. */
    managerIds: text('manager_ids').array().notNull().default(sql`'{}'::text[]`),
    /** C1's User.delegatedUserId: who acts for this user while away. */
    delegatedUserId: text('delegated_user_id'),
    /** C1's User.origin; users made by the CLI, the API or a CSV import are USER_ORIGIN_LOCAL. */
    origin: text('origin').notNull().default('USER_ORIGIN_LOCAL'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex('users_email_uq').on(t.tenantId, sql`lower(${t.email})`)],
);

export const apps = pgTable(
  'apps',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    displayName: text('display_name').notNull(),
    description: text('description'),
    certifyPolicyId: text('certify_policy_id'),
    grantPolicyId: text('grant_policy_id'),
    revokePolicyId: text('revoke_policy_id'),
    identityMatching: text('identity_matching').notNull().default('APP_USER_IDENTITY_MATCHING_UNSPECIFIED'),
    monthlyCostUsd: integer('monthly_cost_usd'),
    strictAccessEntitlementProvisioning: boolean('strict_access_entitlement_provisioning'),
    isManuallyManaged: boolean('is_manually_managed').notNull().default(true),
    isDirectory: boolean('is_directory').notNull().default(false),
    iconUrl: text('icon_url'),
    instructions: text('instructions'),
    defaultRequestCatalogId: text('default_request_catalog_id'),
    /** CreateAppRequest.appEntitlementOwnerRefs ([{appId, id}]): whose holders own the app's entitlements created later. */
    entitlementOwnerRefs: jsonb('entitlement_owner_refs').$type<{ appId: string; id: string }[]>(),
    /** Users with at least one grant in the app; kept exact by the grants service. */
    userCount: count('user_count'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const appOwners = pgTable(
  'app_owners',
  {
    tenantId: text('tenant_id').notNull(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.appId, t.userId] })],
);

export const appResourceTypes = pgTable(
  'app_resource_types',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    displayName: text('display_name').notNull(),
    /** ROLE, GROUP, LICENSE, PROJECT, CATALOG, CUSTOM or VAULT. */
    resourceType: text('resource_type').notNull(),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('app_resource_types_app_idx').on(t.tenantId, t.appId, t.id)],
);

export const appResources = pgTable(
  'app_resources',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    appResourceTypeId: text('app_resource_type_id').notNull(),
    displayName: text('display_name').notNull(),
    description: text('description'),
    customDescription: text('custom_description'),
    matchBatonId: text('match_baton_id'),
    parentAppResourceId: text('parent_app_resource_id'),
    parentAppResourceTypeId: text('parent_app_resource_type_id'),
    /** Display name and description, lowercased, letters and digits only (gatehouse_search_key, migration 0004). */
    searchKey: text('search_key').generatedAlwaysAs(sql`gatehouse_search_key(display_name || ' ' || coalesce(description, ''))`),
    grantCount: count('grant_count'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('app_resources_type_idx').on(t.tenantId, t.appId, t.appResourceTypeId, t.id),
    index('app_resources_app_idx').on(t.tenantId, t.appId, t.id),
    uniqueIndex('app_resources_baton_uq')
      .on(t.tenantId, t.appId, t.appResourceTypeId, t.matchBatonId)
      .where(sql`${t.matchBatonId} is not null`),
    // Searches by query narrow on the search key's trigrams (pg_trgm, migration 0002); see resources/search-key.ts.
    index('app_resources_search_key_trgm').using('gin', sql`${t.searchKey} gin_trgm_ops`),
  ],
);

export const appResourceOwners = pgTable(
  'app_resource_owners',
  {
    tenantId: text('tenant_id').notNull(),
    appResourceId: text('app_resource_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.appResourceId, t.userId] })],
);

export const appEntitlements = pgTable(
  'app_entitlements',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    appResourceTypeId: text('app_resource_type_id'),
    appResourceId: text('app_resource_id'),
    displayName: text('display_name').notNull(),
    description: text('description'),
    slug: text('slug'),
    alias: text('alias'),
    purpose: text('purpose'),
    /** Grant duration in seconds; null means grants do not expire. */
    durationGrantSeconds: bigint('duration_grant_seconds', { mode: 'number' }),
    certifyPolicyId: text('certify_policy_id'),
    grantPolicyId: text('grant_policy_id'),
    revokePolicyId: text('revoke_policy_id'),
    matchBatonId: text('match_baton_id'),
    emergencyGrantEnabled: boolean('emergency_grant_enabled'),
    emergencyGrantPolicyId: text('emergency_grant_policy_id'),
    riskLevelValueId: text('risk_level_value_id'),
    overrideAccessRequestsDefaults: boolean('override_access_requests_defaults'),
    complianceFrameworkValueIds: text('compliance_framework_value_ids').array(),
    grantCount: count('grant_count'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('app_entitlements_app_idx').on(t.tenantId, t.appId, t.id),
    index('app_entitlements_resource_idx').on(t.tenantId, t.appResourceId, t.id),
    uniqueIndex('app_entitlements_slug_uq').on(t.tenantId, t.appResourceId, t.slug).where(sql`${t.slug} is not null`),
    // Entitlements of the app itself (no resource): slugs unique within the app.
    uniqueIndex('app_entitlements_app_slug_uq')
      .on(t.tenantId, t.appId, t.slug)
      .where(sql`${t.slug} is not null and ${t.appResourceId} is null`),
  ],
);

export const appEntitlementOwners = pgTable(
  'app_entitlement_owners',
  {
    tenantId: text('tenant_id').notNull(),
    appEntitlementId: text('app_entitlement_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.appEntitlementId, t.userId] })],
);

/** Accounts inside an app, linked to identity users. */
export const appUsers = pgTable(
  'app_users',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    identityUserId: text('identity_user_id'),
    displayName: text('display_name'),
    email: text('email'),
    username: text('username'),
    appUserType: text('app_user_type').notNull().default('APP_USER_TYPE_USER'),
    status: text('status').notNull().default('STATUS_ENABLED'),
    /** Active grants of this account; the app's userCount counts accounts with > 0. */
    grantCount: count('grant_count'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('app_users_app_idx').on(t.tenantId, t.appId, t.id),
    uniqueIndex('app_users_identity_uq').on(t.tenantId, t.appId, t.identityUserId),
    index('app_users_identity_idx').on(t.tenantId, t.identityUserId),
  ],
);

/** Active grants (C1's AppEntitlementUserBinding). */
export const grants = pgTable(
  'grants',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    appEntitlementId: text('app_entitlement_id').notNull(),
    appUserId: text('app_user_id').notNull(),
    identityUserId: text('identity_user_id'),
    createdAt: created(),
    deprovisionAt: ts('deprovision_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('grants_binding_uq').on(t.tenantId, t.appEntitlementId, t.appUserId),
    index('grants_entitlement_idx').on(t.tenantId, t.appEntitlementId, t.id),
    index('grants_app_user_idx').on(t.tenantId, t.appId, t.appUserId),
    index('grants_identity_idx').on(t.tenantId, t.identityUserId),
    index('grants_deprovision_idx').on(t.deprovisionAt).where(sql`${t.deprovisionAt} is not null`),
  ],
);

/** Every grant ever made, with when it ended; never erased. */
export const grantHistory = pgTable(
  'grant_history',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    grantId: text('grant_id').notNull(),
    appId: text('app_id').notNull(),
    appEntitlementId: text('app_entitlement_id').notNull(),
    appUserId: text('app_user_id').notNull(),
    identityUserId: text('identity_user_id'),
    grantedAt: ts('granted_at').notNull(),
    revokedAt: ts('revoked_at'),
    /** manual, expired, deleted ... */
    revokeReason: text('revoke_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('grant_history_grant_uq').on(t.tenantId, t.grantId),
    index('grant_history_entitlement_idx').on(t.tenantId, t.appEntitlementId, t.id),
    index('grant_history_app_idx').on(t.tenantId, t.appId, t.id),
    index('grant_history_app_user_idx').on(t.tenantId, t.appUserId, t.id),
  ],
);
