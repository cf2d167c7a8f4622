// SQL of the webhooks module: webhooks, their signing keys and their instances (deliveries).
import { and, asc, eq, gt, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { type WebhookState, webhookInstances, webhookKeys, webhooks } from '../../db/schema-webhooks.ts';
import { inIds, matchesQuery, selectByIds, selectOne, selectPage } from '../../db/sql-helpers.ts';
import { resultRows } from '../../db/sync-helpers.ts';

export type WebhookRow = typeof webhooks.$inferSelect;
export type NewWebhookRow = typeof webhooks.$inferInsert;
export type InstanceRow = typeof webhookInstances.$inferSelect;
export type NewInstanceRow = typeof webhookInstances.$inferInsert;
export type KeyRow = typeof webhookKeys.$inferSelect;

export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<WebhookRow> {
  const [out] = await db.insert(webhooks).values(row).returning();
  return out;
}

export const getWebhook = (db: Db, tenantId: string, id: string) => selectOne(db, webhooks, undefined, tenantId, id);

export async function existingWebhookIds(db: Db, tenantId: string, ids: string[]): Promise<string[]> {
  const rows = await selectByIds(db, webhooks, { id: webhooks.id }, tenantId, ids);
  return rows.map((r) => (r as { id: string }).id);
}

export function listWebhooks(
  db: Db,
  tenantId: string,
  f: { query?: string; ids?: string[] },
  page: { size: number; after?: string },
) {
  return selectPage(
    db,
    webhooks,
    undefined,
    tenantId,
    page,
    matchesQuery(f.query, [webhooks.displayName, webhooks.description, webhooks.url]),
    inIds(webhooks.id, f.ids),
  );
}

export async function updateWebhook(
  db: Db,
  tenantId: string,
  id: string,
  set: Partial<NewWebhookRow>,
): Promise<WebhookRow | undefined> {
  const [row] = await db
    .update(webhooks)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(webhooks.tenantId, tenantId), eq(webhooks.id, id)))
    .returning();
  return row;
}

/** Deletes the webhook; its instances go with it (foreign key cascade). */
export async function deleteWebhook(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhooks)
    .where(and(eq(webhooks.tenantId, tenantId), eq(webhooks.id, id)))
    .returning({ id: webhooks.id });
  return rows.length > 0;
}

export async function insertInstance(db: Db, row: NewInstanceRow): Promise<InstanceRow> {
  const [out] = await db.insert(webhookInstances).values(row).returning();
  return out;
}

export const getInstance = (db: Db, tenantId: string, id: string) => selectOne(db, webhookInstances, undefined, tenantId, id);

/**
 * Claims up to `limit` due instances for `owner` until `leaseMs` from now: rows whose next attempt
 * is due and that nobody holds (or whose holder's lease ran out: a dead server). SKIP LOCKED lets
 * servers claim side by side without waiting for or taking each other's rows.
 */
export async function claimDue(db: Db, owner: string, limit: number, leaseMs: number): Promise<InstanceRow[]> {
  const t = webhookInstances;
  const result = await db.execute(sql`
    update ${t} set lease_owner = ${owner}, lease_until = now() + ${leaseMs} * interval '1 millisecond',
      state = case when state = 'WEBHOOK_STATE_WAITING_CALLBACK' then state else 'WEBHOOK_STATE_RUNNING' end
    where (tenant_id, id) in (
      select tenant_id, id from ${t}
      where next_attempt_at is not null and next_attempt_at <= now() and (lease_until is null or lease_until < now())
      order by next_attempt_at limit ${limit}
      for update skip locked)
    returning tenant_id, id`);
  const keys = resultRows<{ tenant_id: string; id: string }>(result);
  if (keys.length === 0) return [];
  return db
    .select()
    .from(t)
    .where(or(...keys.map((k) => and(eq(t.tenantId, k.tenant_id), eq(t.id, k.id)))))
    .orderBy(asc(t.nextAttemptAt));
}

/** Records what came of a claimed instance, if `owner` still holds it (else another server took it over). */
export async function finishClaim(
  db: Db,
  row: Pick<InstanceRow, 'tenantId' | 'id'>,
  owner: string,
  set: Partial<NewInstanceRow>,
): Promise<InstanceRow | undefined> {
  const t = webhookInstances;
  const [out] = await db
    .update(t)
    .set({ ...set, leaseOwner: null, leaseUntil: null, updatedAt: new Date() })
    .where(and(eq(t.tenantId, row.tenantId), eq(t.id, row.id), eq(t.leaseOwner, owner)))
    .returning();
  return out;
}

/**
 * The instance this callback token belongs to, locked, while it may still be answered: not ended,
 * and before its deadline. (A receiver may call back before the 202 is recorded: still RUNNING.)
 */
export async function instanceByCallback(db: Db, token: string): Promise<InstanceRow | undefined> {
  const t = webhookInstances;
  const [row] = await db
    .select()
    .from(t)
    .where(
      and(
        eq(t.callbackToken, token),
        notInArray(t.state, ['WEBHOOK_STATE_SUCCESS', 'WEBHOOK_STATE_FATAL_ERROR'] satisfies WebhookState[]),
        or(isNull(t.expiresAt), gt(t.expiresAt, sql`now()`)),
      ),
    )
    .for('update');
  return row;
}

export async function setInstance(
  db: Db,
  row: Pick<InstanceRow, 'tenantId' | 'id'>,
  set: Partial<NewInstanceRow>,
): Promise<InstanceRow> {
  const t = webhookInstances;
  const [out] = await db
    .update(t)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(t.tenantId, row.tenantId), eq(t.id, row.id)))
    .returning();
  return out;
}

// Keys.

export async function currentKey(db: Db, tenantId: string): Promise<KeyRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookKeys)
    .where(and(eq(webhookKeys.tenantId, tenantId), isNull(webhookKeys.retiredAt)));
  return row;
}

/** Inserts a current key unless the tenant has one (another server may have made it first). */
export async function insertCurrentKey(db: Db, row: typeof webhookKeys.$inferInsert): Promise<void> {
  await db.insert(webhookKeys).values(row).onConflictDoNothing();
}

export async function retireCurrentKey(db: Db, tenantId: string): Promise<void> {
  await db
    .update(webhookKeys)
    .set({ retiredAt: sql`now()` })
    .where(and(eq(webhookKeys.tenantId, tenantId), isNull(webhookKeys.retiredAt)));
}

/** Public keys still verifying signatures: current ones, and retired ones for `graceMs` after retirement. */
export async function publishedKeys(db: Db, graceMs: number, tenantId?: string): Promise<KeyRow['publicJwk'][]> {
  const rows = await db
    .select({ jwk: webhookKeys.publicJwk })
    .from(webhookKeys)
    .where(
      and(
        tenantId ? eq(webhookKeys.tenantId, tenantId) : undefined,
        or(isNull(webhookKeys.retiredAt), gt(webhookKeys.retiredAt, sql`now() - ${graceMs} * interval '1 millisecond'`)),
      ),
    )
    .orderBy(asc(webhookKeys.tenantId), asc(webhookKeys.createdAt));
  return rows.map((r) => r.jwk);
}

/** Private keys no signature can need any more. */
export async function deleteExpiredKeys(db: Db, graceMs: number): Promise<void> {
  await db.delete(webhookKeys).where(sql`retired_at is not null and retired_at < now() - ${graceMs} * interval '1 millisecond'`);
}
