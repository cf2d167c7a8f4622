// Webhooks (C1's c1.api.webhooks.v1): the tenant's destinations, the Ed25519 keys that sign
// what is sent to them (public halves served at /auth/v1/jwks), and the instances: one row per
// delivery, written in the transaction of the change that causes it and sent by the worker
// (src/modules/webhooks/worker.ts), which claims due rows with FOR UPDATE SKIP LOCKED and a lease.
import { sql } from 'drizzle-orm';
import { bigint, check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { created, ts, updated } from './columns.ts';
import { tenants } from './schema.ts';

export const webhooks = pgTable(
  'webhooks',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    displayName: text('display_name').notNull(),
    description: text('description'),
    url: text('url').notNull(),
    /** How long a 202 answer may take to call back (C1's callbackTimeout; default 8 days). */
    callbackTimeoutMs: bigint('callback_timeout_ms', { mode: 'number' }).notNull(),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const webhookKeys = pgTable(
  'webhook_keys',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kid: text('kid').notNull(),
    publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
    /** The private JWK: never answered, never logged. */
    privateJwk: jsonb('private_jwk').$type<Record<string, string>>().notNull(),
    createdAt: created(),
    /** Set by rotation; the JWKS keeps the key until its last signature has expired. */
    retiredAt: ts('retired_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.kid] }),
    // One current key per tenant: two servers signing first at once make one key.
    uniqueIndex('webhook_keys_current_idx').on(t.tenantId).where(sql`retired_at is null`),
  ],
);

export const WEBHOOK_STATES = [
  'WEBHOOK_STATE_PENDING',
  'WEBHOOK_STATE_RUNNING',
  'WEBHOOK_STATE_ERROR',
  'WEBHOOK_STATE_WAITING_CALLBACK',
  'WEBHOOK_STATE_PROCESS_RESPONSE',
  'WEBHOOK_STATE_SUCCESS',
  'WEBHOOK_STATE_FATAL_ERROR',
] as const;
export type WebhookState = (typeof WEBHOOK_STATES)[number];

export const webhookInstances = pgTable(
  'webhook_instances',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    webhookId: text('webhook_id').notNull(),
    /** The destination when the instance was made (C1's spec.destination). */
    url: text('url').notNull(),
    event: text('event').notNull(),
    /** C1's WebhookSource: {test: {}} or {approvalStep: {ticketId}} or {provisionStep: {ticketId}}. */
    source: jsonb('source').$type<Record<string, unknown>>().notNull(),
    /** The `payload` Any of the body (`@type` and fields). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    state: text('state').$type<WebhookState>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the worker may send it (again); null once nothing more is to be sent. */
    nextAttemptAt: ts('next_attempt_at'),
    /** The server sending it and until when that claim holds (a dead server's claim runs out). */
    leaseOwner: text('lease_owner'),
    leaseUntil: ts('lease_until'),
    lastAttemptedAt: ts('last_attempted_at'),
    completedAt: ts('completed_at'),
    /** Callback deadline after a 202 (C1's expiresAt). */
    expiresAt: ts('expires_at'),
    callbackTimeoutMs: bigint('callback_timeout_ms', { mode: 'number' }).notNull(),
    /** The single-use token of the callback URL; cleared when used or when the instance ends. */
    callbackToken: text('callback_token'),
    /** The receiver's answer (2xx body or callback body). */
    answer: jsonb('answer').$type<Record<string, unknown>>(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({
      name: 'webhook_instances_webhook_fk',
      columns: [t.tenantId, t.webhookId],
      foreignColumns: [webhooks.tenantId, webhooks.id],
    }).onDelete('cascade'),
    index('webhook_instances_webhook_idx').on(t.tenantId, t.webhookId, t.id),
    // What the worker scans: due rows across tenants.
    index('webhook_instances_due_idx').on(t.nextAttemptAt).where(sql`next_attempt_at is not null`),
    uniqueIndex('webhook_instances_callback_idx').on(t.callbackToken).where(sql`callback_token is not null`),
    check('webhook_instances_state_check', sql`${t.state} in (${sql.raw(WEBHOOK_STATES.map((s) => `'${s}'`).join(', '))})`),
    check('webhook_instances_attempts_check', sql`${t.attempts} >= 0`),
  ],
);
