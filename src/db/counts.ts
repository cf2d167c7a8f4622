// Counts shown to users (an entitlement's and a resource's grantCount, an app's userCount),
// read from the counter slots (schema.ts, grantCountSlots) as SQL expressions that stores
// add to their selects, so a row comes back with its count in the same round trip.
import { type AnyColumn, getTableColumns, type SQL, sql } from 'drizzle-orm';
import { appEntitlements, appResources, apps, COUNT_SLOTS } from './schema.ts';
import { grantCountSlots, userCountSlots } from './schema-access.ts';
import { scalarSubquery } from './sql-helpers.ts';

/** The slot a transaction adds its deltas to: one per database connection, so concurrent writers rarely share a row. */
export const countSlot = (): SQL => sql`(pg_backend_pid() % ${sql.raw(String(COUNT_SLOTS))})::smallint`;

/**
 * Adds to grant count slots: `rows` (a SELECT, in the order the slots are to be locked) yields
 * (tenant_id, app_entitlement_id, slot, grants delta, 1); each adds its delta and one change (see
 * grantCountSlots.changes) to its slot, in the one row the slot's lock already covers. A
 * statement, or a CTE of the statement that changed the grants.
 */
export const addToGrantSlots = (rows: SQL): SQL =>
  sql`insert into grant_count_slots as s (tenant_id, app_entitlement_id, slot, grants, changes)
    ${rows}
    on conflict (tenant_id, app_entitlement_id, slot) do update set grants = s.grants + excluded.grants, changes = s.changes + 1`;

/** One change to the entitlement's grants that counts none (a deadline moved): a statement of the writing transaction. */
export const entitlementHoldersChanged = (tenantId: string, entitlementId: string): SQL =>
  addToGrantSlots(sql`select ${tenantId}, ${entitlementId}, ${countSlot()}, 0, 1`);

/**
 * One change to what a holder list shows of the app's accounts (see userCountSlots.changes), when
 * `when` holds: a statement, or a CTE of the statement that made the change.
 */
export const appHoldersChanged = (tenantId: string, appId: string, when: SQL = sql`true`): SQL =>
  sql`insert into user_count_slots as c (tenant_id, app_id, slot, changes)
    select ${tenantId}, ${appId}, ${countSlot()}, 1 where ${when}
    on conflict (tenant_id, app_id, slot) do update set changes = c.changes + 1`;

const sum = (q: SQL) => scalarSubquery<number>(q).mapWith(Number);

/** Grants of the entitlement whose tenant and id columns are given. */
function entitlementGrantCount(tenantId: AnyColumn, id: AnyColumn): SQL<number> {
  const s = grantCountSlots;
  return sum(
    sql`select coalesce(sum(${s.grants}), 0)::bigint from ${s} where ${s.tenantId} = ${tenantId} and ${s.appEntitlementId} = ${id}`,
  );
}

/** Grants of a resource: those of its entitlements. */
function resourceGrantCount(tenantId: AnyColumn, id: AnyColumn): SQL<number> {
  return sum(sql`select coalesce(sum(s.grants), 0)::bigint from app_entitlements e
    join grant_count_slots s on s.tenant_id = e.tenant_id and s.app_entitlement_id = e.id
    where e.tenant_id = ${tenantId} and e.app_resource_id = ${id}`);
}

/** Accounts of the app holding at least one grant. */
function appUserCount(tenantId: AnyColumn, id: AnyColumn): SQL<number> {
  const s = userCountSlots;
  return sum(sql`select coalesce(sum(${s.users}), 0)::bigint from ${s} where ${s.tenantId} = ${tenantId} and ${s.appId} = ${id}`);
}

/** Column sets for selects and RETURNING: the table's columns plus its count. */
export const entitlementColumns = {
  ...getTableColumns(appEntitlements),
  grantCount: entitlementGrantCount(appEntitlements.tenantId, appEntitlements.id).as('grant_count'),
};
export const resourceColumns = {
  ...getTableColumns(appResources),
  grantCount: resourceGrantCount(appResources.tenantId, appResources.id).as('grant_count'),
};
export const appColumns = { ...getTableColumns(apps), userCount: appUserCount(apps.tenantId, apps.id).as('user_count') };
