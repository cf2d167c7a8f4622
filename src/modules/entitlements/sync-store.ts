// A connector sync's entitlements: upserted by their baton id (match_baton_id, unique among synced
// entitlements) and stamped with the sync's id; those an earlier sync made that this one lacks go.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { deleteStale, recordset, type SyncScope, toUpserted, type Upserted } from '../../db/sync-helpers.ts';

export type SyncedEntitlement = {
  id: string;
  batonId: string;
  resourceId: string;
  typeId: string;
  displayName: string;
  description: string | null;
  slug: string | null;
  purpose: string;
};

export async function upsertSyncedEntitlements(db: Db, s: SyncScope, rows: SyncedEntitlement[]): Promise<Upserted> {
  const input = recordset(
    rows.map((r) => ({
      id: r.id,
      baton: r.batonId,
      res: r.resourceId,
      type: r.typeId,
      name: r.displayName,
      description: r.description,
      slug: r.slug,
      purpose: r.purpose,
    })),
    { id: 'text', baton: 'text', res: 'text', type: 'text', name: 'text', description: 'text', slug: 'text', purpose: 'text' },
  );
  const res = await db.execute(sql`
    insert into app_entitlements as e
      (tenant_id, id, app_id, app_resource_type_id, app_resource_id, display_name, description, slug, purpose, match_baton_id, sync_id)
    select ${s.tenantId}, i.id, ${s.appId}, i.type, i.res, i.name, i.description, i.slug, i.purpose, i.baton, ${s.syncId}
    from ${input} i order by i.baton
    on conflict (tenant_id, app_id, match_baton_id) where sync_id is not null do update set
      sync_id = excluded.sync_id, app_resource_type_id = excluded.app_resource_type_id, app_resource_id = excluded.app_resource_id,
      display_name = excluded.display_name, description = excluded.description, slug = excluded.slug, purpose = excluded.purpose,
      updated_at = case when (e.display_name, e.description, e.slug, e.purpose, e.app_resource_id)
          is distinct from (excluded.display_name, excluded.description, excluded.slug, excluded.purpose, excluded.app_resource_id)
        then now() else e.updated_at end
    returning e.id, e.match_baton_id as baton, (xmax = 0) as inserted`);
  return toUpserted(res);
}

export function removeStaleEntitlements(db: Db, s: SyncScope): Promise<number> {
  return deleteStale(db, 'app_entitlements', s);
}
