// Request catalogs (C1's c1.api.requestcatalog.v1.RequestCatalog, "access profiles"): which
// entitlements people may request (requestable entries) and who may see them (visibility
// entitlements). Each app has a default catalog (app_id set, unique per app, going with the app)
// and access-request defaults applied to its new entitlements. Bundle enrollments record who
// requested a bundle catalog and which entitlements it asked for (docs/catalogs.md).
import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { created, updated } from './columns.ts';
import { appEntitlements, apps, tenants, users } from './schema.ts';
import { policies } from './schema-policies.ts';

const ENROLL = ['UNSPECIFIED', 'BYPASS_ENTITLEMENT_REQUEST_POLICY', 'ENFORCE_ENTITLEMENT_REQUEST_POLICY'];
const UNENROLL = ['UNSPECIFIED', 'LEAVE_ACCESS_AS_IS', 'REVOKE_ALL', 'REVOKE_UNJUSTIFIED'];
const UNENROLL_ENT = ['UNSPECIFIED', 'BYPASS', 'ENFORCE'];
const list = (prefix: string, values: string[]) => sql.raw(values.map((v) => `'${prefix}${v}'`).join(', '));

export const requestCatalogs = pgTable(
  'request_catalogs',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    displayName: text('display_name').notNull(),
    description: text('description'),
    published: boolean('published').notNull().default(false),
    visibleToEveryone: boolean('visible_to_everyone').notNull().default(false),
    requestBundle: boolean('request_bundle').notNull().default(false),
    enrollmentBehavior: text('enrollment_behavior').notNull().default('REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_UNSPECIFIED'),
    unenrollmentBehavior: text('unenrollment_behavior').notNull().default('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED'),
    unenrollmentEntitlementBehavior: text('unenrollment_entitlement_behavior')
      .notNull()
      .default('REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_UNSPECIFIED'),
    grantPolicyId: text('grant_policy_id'),
    /** Who made it (no key: the record outlives the user, as C1's createdByUserId does). */
    createdByUserId: text('created_by_user_id'),
    /** Set on an app's default catalog (App.defaultRequestCatalogId); it goes with the app. */
    appId: text('app_id'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('request_catalogs_app_uq').on(t.tenantId, t.appId).where(sql`${t.appId} is not null`),
    foreignKey({
      name: 'request_catalogs_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'request_catalogs_grant_policy_fk',
      columns: [t.tenantId, t.grantPolicyId],
      foreignColumns: [policies.tenantId, policies.id],
    }),
    index('request_catalogs_grant_policy_idx').on(t.tenantId, t.grantPolicyId).where(sql`${t.grantPolicyId} is not null`),
    check(
      'request_catalogs_enroll_ck',
      sql`${t.enrollmentBehavior} in (${list('REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_', ENROLL)})`,
    ),
    check(
      'request_catalogs_unenroll_ck',
      sql`${t.unenrollmentBehavior} in (${list('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_', UNENROLL)})`,
    ),
    check(
      'request_catalogs_unenroll_ent_ck',
      sql`${t.unenrollmentEntitlementBehavior} in (${list('REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_', UNENROLL_ENT)})`,
    ),
  ],
);

/** An entitlement in a catalog: `requestable` entries, or `access` (visibility) bindings. */
const catalogEntitlements = (name: string) =>
  pgTable(
    name,
    {
      tenantId: text('tenant_id').notNull(),
      catalogId: text('catalog_id').notNull(),
      appId: text('app_id').notNull(),
      appEntitlementId: text('app_entitlement_id').notNull(),
      createdAt: created(),
    },
    (t) => [
      primaryKey({ columns: [t.tenantId, t.catalogId, t.appEntitlementId] }),
      index(`${name}_entitlement_idx`).on(t.tenantId, t.appEntitlementId),
      foreignKey({
        name: `${name}_catalog_fk`,
        columns: [t.tenantId, t.catalogId],
        foreignColumns: [requestCatalogs.tenantId, requestCatalogs.id],
      }).onDelete('cascade'),
      foreignKey({
        name: `${name}_entitlement_fk`,
        columns: [t.tenantId, t.appId, t.appEntitlementId],
        foreignColumns: [appEntitlements.tenantId, appEntitlements.appId, appEntitlements.id],
      }).onDelete('cascade'),
    ],
  );

export const requestCatalogEntries = catalogEntitlements('request_catalog_entries');
export const requestCatalogAccess = catalogEntitlements('request_catalog_access');

/** Someone enrolled in a bundle catalog, and the entitlements the enrollment requested (they lacked them then). */
export const requestCatalogEnrollments = pgTable(
  'request_catalog_enrollments',
  {
    tenantId: text('tenant_id').notNull(),
    catalogId: text('catalog_id').notNull(),
    userId: text('user_id').notNull(),
    requestedEntitlementIds: text('requested_entitlement_ids').array().notNull().default(sql`'{}'::text[]`),
    createdAt: created(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.catalogId, t.userId] }),
    index('request_catalog_enrollments_user_idx').on(t.tenantId, t.userId),
    foreignKey({
      name: 'request_catalog_enrollments_catalog_fk',
      columns: [t.tenantId, t.catalogId],
      foreignColumns: [requestCatalogs.tenantId, requestCatalogs.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'request_catalog_enrollments_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
  ],
);

/** C1's AppAccessRequestDefaults: applied to the app's new entitlements (and, when asked, its existing ones). */
export const appAccessRequestDefaults = pgTable(
  'app_access_request_defaults',
  {
    tenantId: text('tenant_id').notNull(),
    appId: text('app_id').notNull(),
    catalogIds: text('catalog_ids').array().notNull().default(sql`'{}'::text[]`),
    requestPolicyId: text('request_policy_id'),
    durationGrantSeconds: integer('duration_grant_seconds'),
    durationUnset: boolean('duration_unset').notNull().default(false),
    emergencyGrantEnabled: boolean('emergency_grant_enabled'),
    emergencyGrantPolicyId: text('emergency_grant_policy_id'),
    resourceTypeIds: text('resource_type_ids').array().notNull().default(sql`'{}'::text[]`),
    defaultsEnabled: boolean('defaults_enabled').notNull().default(false),
    state: text('state').notNull().default('APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appId] }),
    foreignKey({
      name: 'app_access_request_defaults_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'app_access_request_defaults_request_policy_fk',
      columns: [t.tenantId, t.requestPolicyId],
      foreignColumns: [policies.tenantId, policies.id],
    }),
    foreignKey({
      name: 'app_access_request_defaults_emergency_policy_fk',
      columns: [t.tenantId, t.emergencyGrantPolicyId],
      foreignColumns: [policies.tenantId, policies.id],
    }),
  ],
);
