// A connector sync's resource types: upserted by their baton id (match_baton_id) and stamped with
// the sync's id; a type an earlier sync made that this one lacks is removed once it has no resources.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { deleteStale, recordset, type SyncScope, toUpserted, type Upserted } from '../../db/sync-helpers.ts';

export type SyncedType = { id: string; batonId: string; displayName: string; kind: string };

export async function upsertSyncedTypes(db: Db, s: SyncScope, rows: SyncedType[]): Promise<Upserted> {
  const input = recordset(
    rows.map((r) => ({ id: r.id, baton: r.batonId, name: r.displayName, kind: r.kind })),
    { id: 'text', baton: 'text', name: 'text', kind: 'text' },
  );
  const res = await db.execute(sql`
    insert into app_resource_types as t (tenant_id, id, app_id, display_name, resource_type, match_baton_id, sync_id)
    select ${s.tenantId}, i.id, ${s.appId}, i.name, i.kind, i.baton, ${s.syncId} from ${input} i order by i.baton
    on conflict (tenant_id, app_id, match_baton_id) where match_baton_id is not null do update set
      sync_id = excluded.sync_id, display_name = excluded.display_name, resource_type = excluded.resource_type,
      updated_at = case when (t.display_name, t.resource_type) is distinct from (excluded.display_name, excluded.resource_type)
        then now() else t.updated_at end
    returning t.id, t.match_baton_id as baton, (xmax = 0) as inserted`);
  return toUpserted(res);
}

/** Types a sync made that this sync did not see, and that no resource uses any more. */
export function removeStaleTypes(db: Db, s: SyncScope): Promise<number> {
  return deleteStale(
    db,
    'app_resource_types',
    s,
    sql`not exists (select 1 from app_resources r
      where r.tenant_id = t.tenant_id and r.app_id = t.app_id and r.app_resource_type_id = t.id)`,
  );
}
