// SQL of connectors: only the connectors table (the app is asked of the apps service).
import { and, count, eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { connectorSyncFiles, connectors } from '../../db/schema-connectors.ts';
import { selectOne, selectPage } from '../../db/sql-helpers.ts';

export type ConnectorRow = typeof connectors.$inferSelect;
export type NewConnectorRow = typeof connectors.$inferInsert;

const ofApp = (tenantId: string, appId: string, id: string) =>
  and(eq(connectors.tenantId, tenantId), eq(connectors.appId, appId), eq(connectors.id, id));

export async function insertConnector(db: Db, row: NewConnectorRow): Promise<ConnectorRow> {
  const [out] = await db.insert(connectors).values(row).returning();
  return out;
}

export function getConnector(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  lock = false,
): Promise<ConnectorRow | undefined> {
  return selectOne<typeof connectors, ConnectorRow>(db, connectors, undefined, tenantId, id, lock, eq(connectors.appId, appId));
}

export function listConnectors(db: Db, tenantId: string, appId: string, page: { size: number; after?: string }) {
  return selectPage<typeof connectors, ConnectorRow>(db, connectors, undefined, tenantId, page, eq(connectors.appId, appId));
}

export async function updateConnector(
  db: Db,
  tenantId: string,
  appId: string,
  id: string,
  set: Partial<NewConnectorRow>,
): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ ...set, updatedAt: new Date() })
    .where(ofApp(tenantId, appId, id))
    .returning();
  return row;
}

export async function deleteConnector(db: Db, tenantId: string, appId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(connectors)
    .where(ofApp(tenantId, appId, id))
    .returning({ id: connectors.id });
  return rows.length > 0;
}

export async function countOfApp(db: Db, tenantId: string, appId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(connectors)
    .where(and(eq(connectors.tenantId, tenantId), eq(connectors.appId, appId)));
  return row.n;
}

/** Keeps the connector's last applied file (replacing the one before). */
export async function keepSyncFile(db: Db, tenantId: string, connectorId: string, file: Uint8Array): Promise<void> {
  const row = { tenantId, connectorId, file, size: file.length, uploadedAt: new Date() };
  await db
    .insert(connectorSyncFiles)
    .values(row)
    .onConflictDoUpdate({
      target: [connectorSyncFiles.tenantId, connectorSyncFiles.connectorId],
      set: { file, size: file.length, uploadedAt: row.uploadedAt },
    });
}

export async function syncFile(db: Db, tenantId: string, connectorId: string): Promise<Uint8Array | undefined> {
  const [row] = await db
    .select({ file: connectorSyncFiles.file })
    .from(connectorSyncFiles)
    .where(and(eq(connectorSyncFiles.tenantId, tenantId), eq(connectorSyncFiles.connectorId, connectorId)));
  return row?.file;
}
