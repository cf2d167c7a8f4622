// Who has access: accounts in apps (app users), grants in force, their counts as
// counter slots, and the grant history. The catalog they point at is in schema.ts;
// the same integrity rules apply (see its header).
import { sql } from 'drizzle-orm';
import { foreignKey, index, pgTable, primaryKey, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { appEntitlements, apps, count, created, ts, updated, users } from './schema.ts';

/**
 * Grant counts of entitlements, as counter slots: each grant or revoke adds its delta to
 * one of COUNT_SLOTS rows (chosen by the database connection, see grants/counts.ts) and a
 * read sums the rows. A single count row would make every grant to one entitlement wait
 * for the one before it to commit (its row lock is held to the end of the transaction);
 * with slots, transactions on different connections touch different rows, yet the sum is
 * exact at every snapshot because each delta commits with the grants it counts. Counts
 * derived from the grants index instead would cost a scan of every grant on each read.
 *
 * `changes` counts, the same way, the committed changes to the entitlement's grants (made, ended,
 * deadline moved): every statement that changes them adds 1 to its slot in the same row it counts
 * in. Its sum only grows, so it is a version of the entitlement's holders that ListUsers checks a
 * cached first page against (grants/holders-cache.ts) without a lock every grant would wait on.
 */
export const grantCountSlots = pgTable(
  'grant_count_slots',
  {
    tenantId: text('tenant_id').notNull(),
    appEntitlementId: text('app_entitlement_id').notNull(),
    slot: smallint('slot').notNull(),
    grants: count('grants'),
    changes: count('changes'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appEntitlementId, t.slot] }),
    foreignKey({
      name: 'grant_count_slots_entitlement_fk',
      columns: [t.tenantId, t.appEntitlementId],
      foreignColumns: [appEntitlements.tenantId, appEntitlements.id],
    }).onDelete('cascade'),
  ],
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
    /** The baton account (`<resource type>:<resource id>`), for an account a connector sync made. */
    matchBatonId: text('match_baton_id'),
    /** The Gatehouse sync that last saw this row (see app_resource_types.sync_id). */
    syncId: text('sync_id'),
    /** Active grants of this account; the app's userCount counts accounts with > 0. */
    grantCount: count('grant_count'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('app_users_app_idx').on(t.tenantId, t.appId, t.id),
    uniqueIndex('app_users_identity_uq').on(t.tenantId, t.appId, t.identityUserId),
    uniqueIndex('app_users_baton_uq').on(t.tenantId, t.appId, t.matchBatonId).where(sql`${t.matchBatonId} is not null`),
    index('app_users_identity_idx').on(t.tenantId, t.identityUserId),
    // The accounts a grant may adopt (not linked to anyone), by the key the app matches on: a grant
    // looks them up instead of reading every account of the app.
    index('app_users_unlinked_email_idx').on(t.tenantId, t.appId, sql`lower(${t.email})`).where(sql`${t.identityUserId} is null`),
    index('app_users_unlinked_name_idx')
      .on(t.tenantId, t.appId, sql`lower(${t.displayName})`)
      .where(sql`${t.identityUserId} is null`),
    foreignKey({ name: 'app_users_app_fk', columns: [t.tenantId, t.appId], foreignColumns: [apps.tenantId, apps.id] }).onDelete(
      'cascade',
    ),
    foreignKey({
      name: 'app_users_identity_fk',
      columns: [t.tenantId, t.identityUserId],
      foreignColumns: [users.tenantId, users.id],
    }),
  ],
);

/**
 * The app's userCount (accounts holding at least one grant), as counter slots like grantCountSlots;
 * `changes` counts the committed changes to what a holder list shows of the app's accounts (an
 * account's type, link, name or status; any connector sync), as grantCountSlots.changes does for grants.
 */
export const userCountSlots = pgTable(
  'user_count_slots',
  {
    tenantId: text('tenant_id').notNull(),
    appId: text('app_id').notNull(),
    slot: smallint('slot').notNull(),
    users: count('users'),
    changes: count('changes'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appId, t.slot] }),
    foreignKey({
      name: 'user_count_slots_app_fk',
      columns: [t.tenantId, t.appId],
      foreignColumns: [apps.tenantId, apps.id],
    }).onDelete('cascade'),
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
    /** C1's grantSources: the entitlements (ids) this grant comes through, from a connector's expanded grants. */
    grantSources: text('grant_sources').array().notNull().default(sql`'{}'::text[]`),
    /** The Gatehouse sync that last saw this grant; null for a grant made by hand. */
    syncId: text('sync_id'),
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
    foreignKey({ name: 'grants_app_fk', columns: [t.tenantId, t.appId], foreignColumns: [apps.tenantId, apps.id] }).onDelete(
      'cascade',
    ),
    // NO ACTION: an entitlement or account with grants is not deleted alone (see the header).
    foreignKey({
      name: 'grants_entitlement_fk',
      columns: [t.tenantId, t.appId, t.appEntitlementId],
      foreignColumns: [appEntitlements.tenantId, appEntitlements.appId, appEntitlements.id],
    }),
    foreignKey({
      name: 'grants_app_user_fk',
      columns: [t.tenantId, t.appId, t.appUserId],
      foreignColumns: [appUsers.tenantId, appUsers.appId, appUsers.id],
    }),
    foreignKey({
      name: 'grants_identity_fk',
      columns: [t.tenantId, t.identityUserId],
      foreignColumns: [users.tenantId, users.id],
    }),
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
