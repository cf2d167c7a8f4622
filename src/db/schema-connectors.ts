// Connectors (C1's c1.api.app.v1.Connector): what syncs an app. Gatehouse runs no connector
// itself; a connector here is the record a baton sync is uploaded to (POST .../connectors/{id}/sync),
// with the status of its last sync. An app with a connector is not manually managed
// (apps.is_manually_managed, kept by the connectors service). `config` is stored as given.
import { sql } from 'drizzle-orm';
import { foreignKey, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
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
