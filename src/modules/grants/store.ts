import { type AnyColumn, and, asc, eq, inArray, isNotNull, or, type SQL, sql } from 'drizzle-orm';
import { entitlementHoldersChanged } from '../../db/counts.ts';
import type { Db } from '../../db/index.ts';
import { preparedSqlPerDb } from '../../db/prepared-read.ts';
import { appEntitlements } from '../../db/schema.ts';
import { grantHistory, grants } from '../../db/schema-access.ts';
import { after, allOf, inIds } from '../../db/sql-helpers.ts';
import type { AppUserRow } from '../app-users/service.ts';

export type GrantRow = typeof grants.$inferSelect;
export type NewGrantRow = typeof grants.$inferInsert;
export type HistoryRow = typeof grantHistory.$inferSelect;
/** A removed grant, and whether its deadline had passed (then it ended at that deadline). */
export type RemovedGrant = GrantRow & { overdue: boolean };
type Ref = { appId?: string; id: string };

const g = grants;
const h = grantHistory;

/** Grants still in force: an expired one is never shown, even before the sweep removes it. */
export const inForce = (): SQL => sql`(${g.deprovisionAt} is null or ${g.deprovisionAt} > now())`;
const overdue = (): SQL => sql`(${g.deprovisionAt} is not null and ${g.deprovisionAt} <= now())`;

/** Sets (or clears) the deadline of a grant in force; undefined if there is none. Call inside a transaction. */
export async function setDeprovisionAt(
  db: Db,
  tenantId: string,
  entitlementId: string,
  appUserId: string,
  at: Date | null,
): Promise<GrantRow | undefined> {
  const [row] = await db
    .update(g)
    .set({ deprovisionAt: at })
    .where(and(eq(g.tenantId, tenantId), eq(g.appEntitlementId, entitlementId), eq(g.appUserId, appUserId), inForce()))
    .returning();
  if (row) await db.execute(entitlementHoldersChanged(tenantId, entitlementId));
  return row;
}

export type GrantFilter = {
  appId?: string;
  appIds?: string[];
  entitlementId?: string;
  entitlementRefs?: Ref[];
  appUserId?: string;
  appUserIds?: string[];
  identityUserId?: string;
  resourceIds?: string[];
  resourceTypeIds?: string[];
  /** Grants of entitlements with any of these slugs. */
  entitlementSlugs?: string[];
  /** Grants of entitlements with this purpose. */
  purpose?: string;
};

/** Grants in force, keyset-paged by grant id, or by entitlement id (one account's grants). */
export async function listGrants(
  db: Db,
  tenantId: string,
  f: GrantFilter,
  page: { size: number; after?: string },
  by: 'id' | 'entitlement' = 'id',
): Promise<GrantRow[]> {
  const e = appEntitlements;
  const ofResources =
    f.resourceIds?.length || f.resourceTypeIds?.length || f.entitlementSlugs?.length || f.purpose
      ? inArray(
          g.appEntitlementId,
          db
            .select({ id: e.id })
            .from(e)
            .where(
              allOf(
                eq(e.tenantId, tenantId),
                inIds(e.appResourceId, f.resourceIds),
                inIds(e.appResourceTypeId, f.resourceTypeIds),
                inIds(e.slug, f.entitlementSlugs),
                f.purpose ? eq(e.purpose, f.purpose) : undefined,
              ),
            ),
        )
      : undefined;
  const refs = f.entitlementRefs?.map((r) =>
    r.appId ? (and(eq(g.appEntitlementId, r.id), eq(g.appId, r.appId)) as SQL) : eq(g.appEntitlementId, r.id),
  );
  const key = by === 'id' ? g.id : g.appEntitlementId;
  return db
    .select()
    .from(g)
    .where(
      allOf(
        eq(g.tenantId, tenantId),
        inForce(),
        after(key, page.after),
        f.appId ? eq(g.appId, f.appId) : undefined,
        inIds(g.appId, f.appIds),
        f.entitlementId ? eq(g.appEntitlementId, f.entitlementId) : undefined,
        refs?.length ? or(...refs) : undefined,
        f.appUserId ? eq(g.appUserId, f.appUserId) : undefined,
        inIds(g.appUserId, f.appUserIds),
        f.identityUserId ? eq(g.identityUserId, f.identityUserId) : undefined,
        ofResources,
      ),
    )
    .orderBy(asc(key))
    .limit(page.size + 1);
}

/** Apps (of any tenant) holding grants whose deadline has passed. */
export async function appsWithOverdue(db: Db, limit: number): Promise<{ tenantId: string; appId: string }[]> {
  return db.selectDistinct({ tenantId: g.tenantId, appId: g.appId }).from(g).where(overdue()).limit(limit);
}

export type PastFilter = { appIds?: string[]; entitlementRefs?: Ref[]; appUserRefs?: Ref[] };
export type PastRow = HistoryRow & { endedAt: Date };

/** Grants that ended (revoked, expired or deleted), oldest grant first; an overdue grant counts as ended. */
export async function listPast(
  db: Db,
  tenantId: string,
  f: PastFilter,
  page: { size: number; after?: string },
): Promise<PastRow[]> {
  const refMatch = (refs: Ref[] | undefined, col: typeof h.appEntitlementId | typeof h.appUserId) =>
    refs?.length
      ? or(...refs.map((r) => (r.appId ? (and(eq(col, r.id), eq(h.appId, r.appId)) as SQL) : eq(col, r.id))))
      : undefined;
  const rows = await db
    .select({ history: h, deprovisionAt: g.deprovisionAt })
    .from(h)
    .leftJoin(g, and(eq(g.tenantId, h.tenantId), eq(g.id, h.grantId)))
    .where(
      allOf(
        eq(h.tenantId, tenantId),
        after(h.id, page.after),
        or(isNotNull(h.revokedAt), sql`${g.deprovisionAt} <= now()`),
        inIds(h.appId, f.appIds),
        refMatch(f.entitlementRefs, h.appEntitlementId),
        refMatch(f.appUserRefs, h.appUserId),
      ),
    )
    .orderBy(asc(h.id))
    .limit(page.size + 1);
  return rows.map((r) => ({ ...r.history, endedAt: (r.history.revokedAt ?? r.deprovisionAt) as Date }));
}

/** The account's grant of the entitlement, if one is in force. */
export async function getGrant(
  db: Db,
  tenantId: string,
  entitlementId: string,
  appUserId: string,
): Promise<GrantRow | undefined> {
  const [row] = await db
    .select()
    .from(g)
    .where(and(eq(g.tenantId, tenantId), eq(g.appEntitlementId, entitlementId), eq(g.appUserId, appUserId), inForce()));
  return row;
}

/** Identity users holding any of these entitlements now (for owners given by entitlement refs). */
export async function holderIds(db: Db, tenantId: string, entitlementIds: string[]): Promise<string[]> {
  if (entitlementIds.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: g.identityUserId })
    .from(g)
    .where(and(eq(g.tenantId, tenantId), inArray(g.appEntitlementId, entitlementIds), isNotNull(g.identityUserId), inForce()))
    .orderBy(asc(g.identityUserId));
  return rows.map((r) => r.id as string);
}

/**
 * Conditions for other modules' single statements (request catalogs): `user` holds the entitlement whose
 * id is `entitlementId` (a column or expression) now.
 */
export function heldSql(tenantId: string, user: string | SQL, entitlementId: SQL | AnyColumn): SQL {
  return sql`exists (select 1 from ${g} where ${g.tenantId} = ${tenantId} and ${g.appEntitlementId} = ${entitlementId}
    and ${g.identityUserId} = ${user} and ${inForce()})`;
}

/** How many identity users hold every entitlement whose id `ids` (a subquery of `total` ids, none repeated) yields, now. */
export function holdingAllCountSql(tenantId: string, ids: SQL, total: SQL): SQL<number> {
  return sql<number>`(select count(*)::int from (select ${g.identityUserId} from ${g} where ${g.tenantId} = ${tenantId}
    and ${g.appEntitlementId} in (${ids}) and ${g.identityUserId} is not null and ${inForce()}
    group by ${g.identityUserId} having count(*) = (${total})) as holding_all)`;
}

/** A grant in force with its account, as listHolders answers it. */
export type HolderRow = {
  grant: Pick<GrantRow, 'id' | 'appId' | 'createdAt' | 'deprovisionAt' | 'grantSources'>;
  account: AppUserRow;
};

/**
 * The version of what ListUsers shows of an entitlement: the changes to its grants and to its app's
 * accounts (grantCountSlots.changes, userCountSlots.changes), both sums that only grow.
 */
const holdersVersion = sql`(select coalesce(sum(changes), 0) from grant_count_slots
      where tenant_id = ${sql.placeholder('tenantId')} and app_entitlement_id = ${sql.placeholder('entitlementId')})::text
    || ':' || (select coalesce(sum(changes), 0) from user_count_slots
      where tenant_id = ${sql.placeholder('tenantId')} and app_id = ${sql.placeholder('appId')})::text`;

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));

/** ListUsers' one statement, first page or a page after a grant id, with the holders' version (same snapshot): prepared (a hot read). */
const holdersPage = (after: SQL) =>
  sql`
    select g.id as gid, g.created_at as gc, g.deprovision_at as gd, g.grant_sources as gs, v.version as hv, a.*
    from app_entitlements e
    cross join (select ${holdersVersion} as version) v
    left join lateral (
      select g.id, g.app_user_id, g.created_at, g.deprovision_at, g.grant_sources from grants g
      where g.tenant_id = e.tenant_id and g.app_entitlement_id = e.id
        and (g.deprovision_at is null or g.deprovision_at > now())
        ${after}
      order by g.id limit ${sql.placeholder('limit')}::int) g on true
    left join app_users a on a.tenant_id = e.tenant_id and a.id = g.app_user_id
    where e.tenant_id = ${sql.placeholder('tenantId')} and e.app_id = ${sql.placeholder('appId')}
      and e.id = ${sql.placeholder('entitlementId')}
    order by g.id`;
const firstHolders = preparedSqlPerDb('gatehouse_holders_first', holdersPage(sql``));
const nextHolders = preparedSqlPerDb('gatehouse_holders_next', holdersPage(sql`and g.id > ${sql.placeholder('after')}`));
const holdersNow = preparedSqlPerDb(
  'gatehouse_holders_version',
  sql`select ${holdersVersion} as hv, now() as now from app_entitlements e
    where e.tenant_id = ${sql.placeholder('tenantId')} and e.app_id = ${sql.placeholder('appId')}
      and e.id = ${sql.placeholder('entitlementId')}`,
);

/** The holders' version now and the database's clock; undefined when the app has no such entitlement. */
export async function holdersVersionNow(
  db: Db,
  tenantId: string,
  appId: string,
  entitlementId: string,
): Promise<{ version: string; now: Date } | undefined> {
  const [r] = await holdersNow(db, { tenantId, appId, entitlementId });
  return r ? { version: r.hv as string, now: toDate(r.now) } : undefined;
}

/**
 * One keyset page of the entitlement's grants in force with their accounts, and the holders'
 * version it was read at, in ONE round trip (ListUsers is a hot read): undefined when the app has
 * no such entitlement. Raw rows, mapped here: Drizzle's per-column mapping of 100 joined rows cost
 * more than the query.
 */
export async function listHolders(
  db: Db,
  tenantId: string,
  appId: string,
  entitlementId: string,
  page: { size: number; after?: string },
): Promise<{ rows: HolderRow[]; version: string } | undefined> {
  const values = { tenantId, appId, entitlementId, limit: page.size + 1, after: page.after };
  const rows = await (page.after === undefined ? firstHolders : nextHolders)(db, values);
  if (rows.length === 0) return undefined;
  return { rows: holderRows(rows, appId), version: rows[0].hv as string };
}

function holderRows(rows: Record<string, unknown>[], appId: string): HolderRow[] {
  return rows
    .filter((r) => r.gid !== null && r.id !== null)
    .map((r) => ({
      grant: {
        id: r.gid as string,
        appId,
        createdAt: toDate(r.gc),
        deprovisionAt: r.gd === null ? null : toDate(r.gd),
        grantSources: (r.gs as string[] | null) ?? [],
      },
      account: {
        tenantId: r.tenant_id as string,
        id: r.id as string,
        appId: r.app_id as string,
        identityUserId: r.identity_user_id as string | null,
        displayName: r.display_name as string | null,
        email: r.email as string | null,
        username: r.username as string | null,
        appUserType: r.app_user_type as string,
        status: r.status as string,
        grantCount: Number(r.grant_count),
        matchBatonId: r.match_baton_id as string | null,
        syncId: r.sync_id as string | null,
        createdAt: toDate(r.created_at),
        updatedAt: toDate(r.updated_at),
      },
    }));
}
