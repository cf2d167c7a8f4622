// Connectors (C1's c1.api.app.v1.Connector): what syncs an app. Gatehouse runs no connector
// itself; a connector here is the record a baton sync is uploaded to (POST .../connectors/{id}/sync),
// with the status of its last sync. An app with a connector is not manually managed
// (apps.is_manually_managed, kept by the connectors service). `config` is stored as given.
import { sql } from 'drizzle-orm';
import { check, customType, foreignKey, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { created, ts, updated } from './columns.ts';
import { apps, tenants } from './schema.ts';

export const connectors = pgTable(
  'connectors',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    appId: text('app_id').notNull(),
    displayName: text('display_name').notNull().default(''),
    description: text('description'),
    catalogId: text('catalog_id'),
    /** Integration owners (C1's userIds): users of the tenant when set (checked by the service), not foreign keys. */
    userIds: text('user_ids').array().notNull().default(sql`'{}'::text[]`),
    /** C1's `config` (an Any: `@type` and fields), stored as given. */
    config: jsonb('config').$type<Record<string, unknown>>(),
    syncStartedAt: ts('sync_started_at'),
    syncCompletedAt: ts('sync_completed_at'),
    lastError: text('last_error'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('connectors_app_idx').on(t.tenantId, t.appId, t.id),
    foreignKey({ name: 'connectors_app_fk', columns: [t.tenantId, t.appId], foreignColumns: [apps.tenantId, apps.id] }).onDelete(
      'cascade',
    ),
  ],
);

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // node-postgres sends a Buffer as bytea (any Uint8Array is wrapped without copying); PGlite takes either.
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
});

/**
 * The last c1z file a connector applied successfully, kept for ForceSync (re-applies it). In the
 * database, not the data dir: PostgreSQL servers share no disk. A bytea holds at most 1 GiB, so a
 * larger upload is applied but not kept (docs/connectors.md).
 */
export const connectorSyncFiles = pgTable(
  'connector_sync_files',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    connectorId: text('connector_id').notNull(),
    file: bytea('file').notNull(),
    size: integer('size').notNull(),
    uploadedAt: ts('uploaded_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.connectorId] }),
    foreignKey({
      name: 'connector_sync_files_connector_fk',
      columns: [t.tenantId, t.connectorId],
      foreignColumns: [connectors.tenantId, connectors.id],
    }).onDelete('cascade'),
  ],
);

/**
 * C1's Directory: the app's syncs make identity users (users.origin USER_ORIGIN_DIRECTORY) from its
 * accounts, all of them or those `cel_expression` accepts (C1's account_filter oneof: `all` or
 * `celExpression`).
 */
export const directories = pgTable(
  'directories',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    appId: text('app_id').notNull(),
    /** Null: every account (C1's `all`). */
    celExpression: text('cel_expression'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.appId] }),
    foreignKey({ name: 'directories_app_fk', columns: [t.tenantId, t.appId], foreignColumns: [apps.tenantId, apps.id] }).onDelete(
      'cascade',
    ),
    check('directories_cel_ck', sql`${t.celExpression} is null or length(${t.celExpression}) between 1 and 4096`),
  ],
);
