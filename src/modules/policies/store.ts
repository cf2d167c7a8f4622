// SQL of policies. Only the policies table: who uses a policy is asked of the apps and
// entitlements services.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { policies } from '../../db/schema-policies.ts';
import {
  allOf,
  inIds,
  matchesQuery,
  notInIds,
  type SelectLock,
  selectByIds,
  selectOne,
  selectPage,
} from '../../db/sql-helpers.ts';

export type PolicyRow = typeof policies.$inferSelect;
export type NewPolicyRow = typeof policies.$inferInsert;

export type PolicyFilter = {
  query?: string;
  displayName?: string;
  policyTypes?: string[];
  ids?: string[];
  excludeIds?: string[];
};

export async function insertPolicy(db: Db, row: NewPolicyRow): Promise<PolicyRow> {
  const [out] = await db.insert(policies).values(row).returning();
  return out;
}

export function getPolicy(db: Db, tenantId: string, id: string, lock: SelectLock = false): Promise<PolicyRow | undefined> {
  return selectOne<typeof policies, PolicyRow>(db, policies, undefined, tenantId, id, lock);
}

export function getPolicies(db: Db, tenantId: string, ids: string[]): Promise<PolicyRow[]> {
  return selectByIds<typeof policies, PolicyRow>(db, policies, undefined, tenantId, ids);
}

/** The tenant's policies of these ids, held FOR KEY SHARE (not deleted before the caller commits). */
export async function lockPolicies(db: Db, tenantId: string, ids: string[]): Promise<{ id: string; policyType: string }[]> {
  if (ids.length === 0) return [];
  return db
    .select({ id: policies.id, policyType: policies.policyType })
    .from(policies)
    .where(and(eq(policies.tenantId, tenantId), inArray(policies.id, ids)))
    .for('key share');
}

export async function updatePolicy(
  db: Db,
  tenantId: string,
  id: string,
  set: Partial<NewPolicyRow>,
): Promise<PolicyRow | undefined> {
  const [row] = await db
    .update(policies)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(policies.tenantId, tenantId), eq(policies.id, id)))
    .returning();
  return row;
}

export async function deletePolicy(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(policies)
    .where(and(eq(policies.tenantId, tenantId), eq(policies.id, id), eq(policies.systemBuiltin, false)))
    .returning({ id: policies.id });
  return rows.length > 0;
}

export function listPolicies(db: Db, tenantId: string, f: PolicyFilter, page: { size: number; after?: string }) {
  return selectPage<typeof policies, PolicyRow>(
    db,
    policies,
    undefined,
    tenantId,
    page,
    allOf(
      matchesQuery(f.query, [policies.displayName]),
      f.displayName ? sql`lower(${policies.displayName}) = lower(${f.displayName})` : undefined,
      inIds(policies.policyType, f.policyTypes),
      inIds(policies.id, f.ids),
      notInIds(policies.id, f.excludeIds),
    ),
  );
}
