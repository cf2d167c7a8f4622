// A connector sync's resources: upserted by (type, baton resource id), the index `import resources`
// uses too, and stamped with the sync's id; parents are set once every resource exists; resources an
// earlier sync made that this one lacks are removed (their entitlements go with them, by key).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { deleteStale, recordset, type SyncScope, toUpserted, type Upserted } from '../../db/sync-helpers.ts';

export type SyncedResource = { id: string; typeId: string; batonId: string; displayName: string; description: string | null };

/** Keys of the answer: `<type id>\0<baton id>`. */
export async function upsertSyncedResources(db: Db, s: SyncScope, rows: SyncedResource[]): Promise<Upserted> {
  const input = recordset(
    rows.map((r) => ({ id: r.id, type: r.typeId, baton: r.batonId, name: r.displayName, description: r.description })),
    { id: 'text', type: 'text', baton: 'text', name: 'text', description: 'text' },
  );
  const res = await db.execute(sql`
    insert into app_resources as r (tenant_id, id, app_id, app_resource_type_id, display_name, description, match_baton_id, sync_id)
    select ${s.tenantId}, i.id, ${s.appId}, i.type, i.name, i.description, i.baton, ${s.syncId} from ${input} i
    order by i.type, i.baton
    on conflict (tenant_id, app_id, app_resource_type_id, match_baton_id) where match_baton_id is not null do update set
      sync_id = excluded.sync_id, display_name = excluded.display_name, description = excluded.description,
      updated_at = case when (r.display_name, r.description) is distinct from (excluded.display_name, excluded.description)
        then now() else r.updated_at end
    returning r.id, r.app_resource_type_id as type, r.match_baton_id as baton, (xmax = 0) as inserted`);
  return toUpserted(res, (r) => `${r.type}\0${r.baton}`);
}

export type SyncedParent = { id: string; parentId: string | null; parentTypeId: string | null };

export async function setSyncedParents(db: Db, s: SyncScope, rows: SyncedParent[]): Promise<void> {
  const input = recordset(
    rows.map((r) => ({ id: r.id, parent: r.parentId, ptype: r.parentTypeId })),
    { id: 'text', parent: 'text', ptype: 'text' },
  );
  await db.execute(sql`
    update app_resources r set parent_app_resource_id = i.parent, parent_app_resource_type_id = i.ptype
    from ${input} i
    where r.tenant_id = ${s.tenantId} and r.id = i.id and r.app_id = ${s.appId}
      and (r.parent_app_resource_id, r.parent_app_resource_type_id) is distinct from (i.parent, i.ptype)`);
}

export function removeStaleResources(db: Db, s: SyncScope): Promise<number> {
  return deleteStale(db, 'app_resources', s);
}
