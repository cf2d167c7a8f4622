import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { roleSettings } from '../../db/schema.ts';

export type RoleSettingRow = typeof roleSettings.$inferSelect;

export function settingsOf(db: Db, tenantId: string): Promise<RoleSettingRow[]> {
  return db.select().from(roleSettings).where(eq(roleSettings.tenantId, tenantId));
}

export async function setDisplayName(db: Db, tenantId: string, roleId: string, displayName: string): Promise<RoleSettingRow> {
  const [row] = await db
    .insert(roleSettings)
    .values({ tenantId, roleId, displayName })
    .onConflictDoUpdate({ target: [roleSettings.tenantId, roleSettings.roleId], set: { displayName, updatedAt: new Date() } })
    .returning();
  return row;
}

export async function getSetting(db: Db, tenantId: string, roleId: string): Promise<RoleSettingRow | undefined> {
  const [row] = await db
    .select()
    .from(roleSettings)
    .where(and(eq(roleSettings.tenantId, tenantId), eq(roleSettings.roleId, roleId)));
  return row;
}
