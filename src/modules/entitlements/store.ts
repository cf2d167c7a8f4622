import { type AnyColumn, and, eq, inArray, notInArray, or, type SQL, sql } from 'drizzle-orm';
import { entitlementColumns } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { appEntitlements } from '../../db/schema.ts';
import { grants } from '../../db/schema-access.ts';
import {
  firstNaming,
  inIds,
  matchesQuery,
  notInIds,
  type RowLock,
  selectByIds,
  selectOne,
  selectPage,
} from '../../db/sql-helpers.ts';

export type EntitlementRow = typeof appEntitlements.$inferSelect & { grantCount: number };
export type NewEntitlementRow = typeof appEntitlements.$inferInsert;
type Ref = { appId?: string; id: string };

export type EntitlementFilter = {
  appId?: string;
  resourceId?: string;
  query?: string;
  displayName?: string;
  alias?: string;
  slugs?: string[];
  ids?: string[];
  appIds?: string[];
  excludeAppIds?: string[];
  resourceTypeIds?: string[];
  excludeResourceTypeIds?: string[];
  resourceIds?: string[];
  appUserIds?: string[];
  excludeAppUserIds?: string[];
  refs?: Ref[];
  excludedRefs?: Ref[];
  policyIds?: string[];
  onlyExpiring?: boolean;
  /** Another module's condition on the entitlement's id (request catalogs: requestable by the caller). */
  where?: (id: AnyColumn) => SQL;
};

const t = appEntitlements;

export async function insertEntitlement(db: Db, row: NewEntitlementRow): Promise<EntitlementRow> {
  const [out] = await db.insert(t).values(row).returning(entitlementColumns);
  return out;
}

export async function getEntitlement(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  lock: RowLock = false,
): Promise<EntitlementRow | undefined> {
  return selectOne(db, t, entitlementColumns, tenantId, id, lock, eq(t.appId, appId));
}

export function getEntitlements(db: Db, tenantId: string, ids: string[]): Promise<EntitlementRow[]> {
  return selectByIds(db, t, entitlementColumns, tenantId, ids);
}

/** Entitlements of a resource with this slug, or of the app itself when resourceId is null. */
export async function findBySlug(
  db: Db,
  tenantId: string,
  appId: string,
  resourceId: string | null,
  slug: string,
): Promise<EntitlementRow | undefined> {
  const [row] = await db
    .select(entitlementColumns)
    .from(t)
    .where(
      and(
        eq(t.tenantId, tenantId),
        eq(t.appId, appId),
        resourceId === null ? sql`${t.appResourceId} is null` : eq(t.appResourceId, resourceId),
        eq(t.slug, slug),
      ),
    );
  return row;
}

export async function updateEntitlement(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  set: Partial<NewEntitlementRow>,
): Promise<EntitlementRow | undefined> {
  const [row] = await db
    .update(t)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(t.tenantId, tenantId), eq(t.appId, appId), eq(t.id, id)))
    .returning(entitlementColumns);
  return row;
}

/** Deletes the entitlement; its owners and count slots go with it (foreign keys, migration 0007). */
export async function deleteEntitlement(db: Db, tenantId: string, appId: string, id: string): Promise<void> {
  await db.delete(t).where(and(eq(t.tenantId, tenantId), eq(t.appId, appId), eq(t.id, id)));
}

const refMatch = (refs: Ref[]): SQL[] =>
  refs.map((r) => (r.appId ? (and(eq(t.id, r.id), eq(t.appId, r.appId)) as SQL) : eq(t.id, r.id)));

/** Active (unexpired) grants of the entitlement row `t`, optionally to some app users only. */
function activeGrants(extra?: SQL): SQL {
  return sql`exists (select 1 from ${grants} g where g.tenant_id = ${t.tenantId} and g.app_entitlement_id = ${t.id}
    and (g.deprovision_at is null or g.deprovision_at > now())${extra ? sql` and ${extra}` : sql``})`;
}

const appUserIn = (ids: string[]) =>
  sql`g.app_user_id in (${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )})`;

export async function listEntitlements(
  db: Db,
  tenantId: string,
  f: EntitlementFilter,
  page: { size: number; after?: string },
): Promise<EntitlementRow[]> {
  const policies = f.policyIds?.length
    ? or(inArray(t.certifyPolicyId, f.policyIds), inArray(t.grantPolicyId, f.policyIds), inArray(t.revokePolicyId, f.policyIds))
    : undefined;
  const excluded = f.excludedRefs?.length ? refMatch(f.excludedRefs) : [];
  return selectPage<typeof t, EntitlementRow>(
    db,
    t,
    entitlementColumns,
    tenantId,
    page,
    f.appId ? eq(t.appId, f.appId) : undefined,
    f.resourceId ? eq(t.appResourceId, f.resourceId) : undefined,
    matchesQuery(f.query, [t.displayName, t.description, t.alias, t.slug]),
    f.displayName ? sql`lower(${t.displayName}) = lower(${f.displayName})` : undefined,
    f.alias ? eq(t.alias, f.alias) : undefined,
    inIds(t.slug, f.slugs),
    inIds(t.id, f.ids),
    inIds(t.appId, f.appIds),
    notInIds(t.appId, f.excludeAppIds),
    inIds(t.appResourceTypeId, f.resourceTypeIds),
    f.excludeResourceTypeIds?.length
      ? or(sql`${t.appResourceTypeId} is null`, notInArray(t.appResourceTypeId, f.excludeResourceTypeIds))
      : undefined,
    inIds(t.appResourceId, f.resourceIds),
    f.refs?.length ? or(...refMatch(f.refs)) : undefined,
    excluded.length ? sql`not (${or(...excluded)})` : undefined,
    policies,
    f.appUserIds?.length ? activeGrants(appUserIn(f.appUserIds)) : undefined,
    f.excludeAppUserIds?.length ? sql`not ${activeGrants(appUserIn(f.excludeAppUserIds))}` : undefined,
    f.onlyExpiring ? activeGrants(sql`g.deprovision_at is not null`) : undefined,
    f.where?.(t.id),
  );
}

/** The first entitlement whose policy fields name this policy, and the field. */
export function firstNamingPolicy(db: Db, tenantId: string, policyId: string) {
  return firstNaming(
    db,
    t,
    tenantId,
    policyId,
    {
      grantPolicyId: t.grantPolicyId,
      revokePolicyId: t.revokePolicyId,
      certifyPolicyId: t.certifyPolicyId,
      emergencyGrantPolicyId: t.emergencyGrantPolicyId,
    },
    { displayName: t.displayName, appId: t.appId },
  );
}

/** Sets the app's entitlements' request fields from its access-request defaults (not those that override them); answers them. */
export async function applyDefaults(
  db: Db,
  tenantId: string,
  appId: string,
  resourceTypeIds: string[],
  set: Partial<NewEntitlementRow>,
): Promise<{ appId: string; id: string }[]> {
  const where = and(
    eq(t.tenantId, tenantId),
    eq(t.appId, appId),
    sql`${t.overrideAccessRequestsDefaults} is not true`,
    resourceTypeIds.length ? inArray(t.appResourceTypeId, resourceTypeIds) : undefined,
  );
  const q = Object.keys(set).length
    ? db
        .update(t)
        .set({ ...set, updatedAt: new Date() })
        .where(where)
        .returning({ appId: t.appId, id: t.id })
    : db.select({ appId: t.appId, id: t.id }).from(t).where(where);
  return q;
}
