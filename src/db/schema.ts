// Drizzle schema: every table carries tenant_id and keys start with it, so every
// query is bounded by tenant and the data is ready to shard by tenant. Who has access
// (accounts, grants, their counts and history) is in schema-access.ts.
//
// Integrity lives here, not in services: every relation is a foreign key that
// includes tenant_id (so no row can point into another tenant, and a child of an
// app points at a parent in the same app). ON DELETE CASCADE where C1 deletes the
// dependants with their parent (an app takes everything under it; a resource its
// entitlements; owners go with what they own). Where C1 refuses a delete (a type
// with resources, an entitlement with grants) the key is NO ACTION, not RESTRICT:
// NO ACTION is checked at the end of the statement, so deleting an app (which
// cascades to both the type and its resources, or the entitlement and its grants)
// passes, while deleting the type or entitlement alone is refused (23503, which the
// service turns into FAILED_PRECONDITION). grant_history has no key to grants,
// apps or entitlements: it outlives them.
import { sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { BASIC_USER_ROLE_ID, ROLE_IDS } from '../modules/roles/builtin.ts';
import { created, ts, updated } from './columns.ts';
import { connectors } from './schema-connectors.ts';
import { policies } from './schema-policies.ts';

/** A SQL text[] literal of fixed ids (built-in role ids: base62, nothing to escape). */
const roleArray = (ids: readonly string[]) => `array[${ids.map((id) => `'${id}'`).join(', ')}]::text[]`;

/** A tenant-scoped key to a policy, NO ACTION: a policy in use is not deleted (schema-policies.ts). */
const policyFk = (name: string, tenantId: AnyPgColumn, column: AnyPgColumn) =>
  foreignKey({ name, columns: [tenantId, column], foreignColumns: [policies.tenantId, policies.id] });

// Column helpers live in columns.ts (schema-policies.ts needs them while this file is still loading).
export { created, ts, updated } from './columns.ts';
export const count = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);
/** How many counter slots each counted object has (see grantCountSlots). */
export const COUNT_SLOTS = 16;

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
    /** C1's User.origin; users made by the CLI, the API or a CSV import are USER_ORIGIN_LOCAL, by a directory sync USER_ORIGIN_DIRECTORY. */
    origin: text('origin').notNull().default('USER_ORIGIN_LOCAL'),
    /** C1's User.directoryIds: the directory apps whose last sync has this user (kept by the directory sync). */
    directoryIds: text('directory_ids').array().notNull().default(sql`'{}'::text[]`),
    employmentType: text('employment_type'),
    employeeIds: text('employee_ids').array().notNull().default(sql`'{}'::text[]`),
    /** C1's User.roleIds: built-in role ids (roles/builtin.ts); Basic User always among them. */
    roleIds: text('role_ids')
      .array()
      .notNull()
      .default(sql.raw(`'{${BASIC_USER_ROLE_ID}}'::text[]`)),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('users_email_uq').on(t.tenantId, sql`lower(${t.email})`),
    check(
      'users_roles_ck',
      sql`${t.roleIds} <@ ${sql.raw(roleArray(ROLE_IDS))} and ${sql.raw(`'${BASIC_USER_ROLE_ID}'`)} = any(${t.roleIds})`,
    ),
  ],
);

/**
 * A tenant's changes to a built-in role: only the display name may change (C1's
 * Roles.Update refuses permission changes on built-in roles).
 */
export const roleSettings = pgTable(
  'role_settings',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    roleId: text('role_id').notNull(),
    displayName: text('display_name').notNull(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.roleId] }),
    check('role_settings_role_ck', sql`${t.roleId} = any(${sql.raw(roleArray(ROLE_IDS))})`),
  ],
);

export const clients = pgTable(
  'clients',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    /** C1's PersonalClient.id (a KSUID; the client id has '@' and '/', unfit for a URL path). Null only for clients made before it existed. */
    credentialId: text('credential_id'),
    name: text('name').notNull(),
    /** A service client's role ('admin' or 'read-only'), 'connector' for a connector credential; null for a personal client. */
    role: text('role'),
    /** A connector credential's connector (C1's ConnectorCredential): it may only upload that connector's syncs. */
    connectorId: text('connector_id'),
    /** A personal client's user (C1's personal client credentials act as their user); null for a service client. */
    userId: text('user_id'),
    /** Ed25519 public key (JWK `x`); the private half is never stored. */
    publicKey: text('public_key').notNull(),
    /** CIDRs a token request must come from; empty allows any. */
    allowSourceCidr: text('allow_source_cidr').array().notNull().default(sql`'{}'::text[]`),
    /** Role ids the client is narrowed to (a subset of its user's); empty means all of them. */
    scopedRoles: text('scoped_roles').array().notNull().default(sql`'{}'::text[]`),
    expiresAt: ts('expires_at'),
    /** Last token issued, written at most once a minute. */
    lastUsedAt: ts('last_used_at'),
    createdAt: created(),
    updatedAt: updated(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('clients_id_uq').on(t.id),
    uniqueIndex('clients_credential_uq').on(t.tenantId, t.credentialId),
    index('clients_user_idx').on(t.tenantId, t.userId),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
    check('clients_owner_ck', sql`(${t.userId} is null) <> (${t.role} is null)`),
    check('clients_role_ck', sql`${t.role} in ('admin', 'read-only', 'connector')`),
    check('clients_connector_ck', sql`(coalesce(${t.role}, '') = 'connector') = (${t.connectorId} is not null)`),
    index('clients_connector_idx').on(t.tenantId, t.connectorId),
    // A connector's credentials go with it.
    foreignKey({
      name: 'clients_connector_fk',
      columns: [t.tenantId, t.connectorId],
      foreignColumns: [connectors.tenantId, connectors.id],
    }).onDelete('cascade'),
  ],
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
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    policyFk('apps_certify_policy_fk', t.tenantId, t.certifyPolicyId),
    policyFk('apps_grant_policy_fk', t.tenantId, t.grantPolicyId),
    policyFk('apps_revoke_policy_fk', t.tenantId, t.revokePolicyId),
  ],
);

export const appOwners = pgTable(
  'app_owners',
  {
    tenantId: text('tenant_id').notNull(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: created(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appId, t.userId] }),
    foreignKey({ name: 'app_owners_app_fk', columns: [t.tenantId, t.appId], foreignColumns: [apps.tenantId, apps.id] }).onDelete(
      'cascade',
    ),
    foreignKey({
      name: 'app_owners_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
  ],
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
    /** The baton resource type id, for a type a connector sync made (connectors/sync.ts). */
    matchBatonId: text('match_baton_id'),
    /** The Gatehouse sync that last saw this row (a row a sync made and a later sync lacks is removed). */
    syncId: text('sync_id'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Unique so that resources can name (tenant, app, type): a resource's type is in its app.
    uniqueIndex('app_resource_types_app_idx').on(t.tenantId, t.appId, t.id),
    uniqueIndex('app_resource_types_baton_uq').on(t.tenantId, t.appId, t.matchBatonId).where(sql`${t.matchBatonId} is not null`),
    foreignKey({
      name: 'app_resource_types_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
  ],
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
    /** The Gatehouse sync that last saw this row (see app_resource_types.sync_id). */
    syncId: text('sync_id'),
    /** Display name and description, lowercased, letters and digits only (gatehouse_search_key, migration 0004). */
    searchKey: text('search_key').generatedAlwaysAs(sql`gatehouse_search_key(display_name || ' ' || coalesce(description, ''))`),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('app_resources_type_idx').on(t.tenantId, t.appId, t.appResourceTypeId, t.id),
    uniqueIndex('app_resources_app_idx').on(t.tenantId, t.appId, t.id),
    foreignKey({
      name: 'app_resources_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
    // NO ACTION: a type with resources is not deleted (see the header).
    foreignKey({
      name: 'app_resources_type_fk',
      columns: [t.tenantId, t.appId, t.appResourceTypeId],
      foreignColumns: [appResourceTypes.tenantId, appResourceTypes.appId, appResourceTypes.id],
    }),
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
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appResourceId, t.userId] }),
    foreignKey({
      name: 'app_resource_owners_resource_fk',
      columns: [t.tenantId, t.appResourceId],
      foreignColumns: [appResources.tenantId, appResources.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'app_resource_owners_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
  ],
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
    /** The Gatehouse sync that last saw this row (see app_resource_types.sync_id). */
    syncId: text('sync_id'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('app_entitlements_app_idx').on(t.tenantId, t.appId, t.id),
    index('app_entitlements_resource_idx').on(t.tenantId, t.appResourceId, t.id),
    foreignKey({
      name: 'app_entitlements_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
    // A resource's entitlements go with it (the grants key below refuses while they have grants).
    foreignKey({
      name: 'app_entitlements_resource_fk',
      columns: [t.tenantId, t.appId, t.appResourceId],
      foreignColumns: [appResources.tenantId, appResources.appId, appResources.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'app_entitlements_type_fk',
      columns: [t.tenantId, t.appId, t.appResourceTypeId],
      foreignColumns: [appResourceTypes.tenantId, appResourceTypes.appId, appResourceTypes.id],
    }),
    // Only a sync's entitlements are unique by baton id: a manual matchBatonId is free text (C1 does not check it).
    uniqueIndex('app_entitlements_baton_uq').on(t.tenantId, t.appId, t.matchBatonId).where(sql`${t.syncId} is not null`),
    uniqueIndex('app_entitlements_slug_uq').on(t.tenantId, t.appResourceId, t.slug).where(sql`${t.slug} is not null`),
    // Entitlements of the app itself (no resource): slugs unique within the app.
    uniqueIndex('app_entitlements_app_slug_uq')
      .on(t.tenantId, t.appId, t.slug)
      .where(sql`${t.slug} is not null and ${t.appResourceId} is null`),
    ...(['certify', 'grant', 'revoke', 'emergency_grant'] as const).flatMap((k) => {
      const col = {
        certify: t.certifyPolicyId,
        grant: t.grantPolicyId,
        revoke: t.revokePolicyId,
        emergency_grant: t.emergencyGrantPolicyId,
      }[k];
      // Partial indexes: the key's check when a policy is deleted, without weighing on entitlements that name none.
      return [
        policyFk(`app_entitlements_${k}_policy_fk`, t.tenantId, col),
        index(`app_entitlements_${k}_policy_idx`).on(t.tenantId, col).where(sql`${col} is not null`),
      ];
    }),
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
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appEntitlementId, t.userId] }),
    foreignKey({
      name: 'app_entitlement_owners_entitlement_fk',
      columns: [t.tenantId, t.appEntitlementId],
      foreignColumns: [appEntitlements.tenantId, appEntitlements.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'app_entitlement_owners_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
  ],
);
