// SQL of directories: only the directories table.
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { directories } from '../../db/schema-connectors.ts';

export type DirectoryRow = typeof directories.$inferSelect;

const named = (tenantId: string, appId: string) => and(eq(directories.tenantId, tenantId), eq(directories.appId, appId));

/** Inserts the directory; undefined when the app is one already. */
export async function insertDirectory(db: Db, row: typeof directories.$inferInsert): Promise<DirectoryRow | undefined> {
  const [out] = await db.insert(directories).values(row).onConflictDoNothing().returning();
  return out;
}

export async function getDirectory(db: Db, tenantId: string, appId: string): Promise<DirectoryRow | undefined> {
  const [row] = await db.select().from(directories).where(named(tenantId, appId));
  return row;
}

export function listDirectories(db: Db, tenantId: string, page: { size: number; after?: string }): Promise<DirectoryRow[]> {
  return db
    .select()
    .from(directories)
    .where(and(eq(directories.tenantId, tenantId), page.after === undefined ? undefined : gt(directories.appId, page.after)))
    .orderBy(asc(directories.appId))
    .limit(page.size + 1);
}

export async function deleteDirectory(db: Db, tenantId: string, appId: string): Promise<boolean> {
  const rows = await db.delete(directories).where(named(tenantId, appId)).returning({ appId: directories.appId });
  return rows.length > 0;
}
