// SQL for personal clients (C1's PersonalClient): every statement is scoped to one tenant and
// sees only live personal clients (a user, not revoked). Pages are keyset-paged by credential id
// (a KSUID, so oldest first), since the client id is not time-ordered.
import { and, asc, eq, gt, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, users } from '../../db/schema.ts';
import { allOf, matchesQuery } from '../../db/sql-helpers.ts';

export type ClientRow = typeof clients.$inferSelect;
export type NewClientRow = typeof clients.$inferInsert;

export type PersonalFilter = {
  /** Only these users' clients (an empty list: nobody's). */
  userIds?: string[];
  /** Case-insensitive substring of the display name. */
  query?: string;
};

const live = (tenantId: string): SQL =>
  and(eq(clients.tenantId, tenantId), isNotNull(clients.userId), isNull(clients.revokedAt)) as SQL;

const named = (tenantId: string, credentialId: string): SQL => and(live(tenantId), eq(clients.credentialId, credentialId)) as SQL;

export async function personalPage(
  db: Db,
  tenantId: string,
  filter: PersonalFilter,
  page: { size: number; after?: string },
): Promise<ClientRow[]> {
  if (filter.userIds && filter.userIds.length === 0) return [];
  return db
    .select()
    .from(clients)
    .where(
      allOf(
        live(tenantId),
        page.after === undefined ? undefined : gt(clients.credentialId, page.after),
        filter.userIds ? inArray(clients.userId, filter.userIds) : undefined,
        matchesQuery(filter.query, [clients.name]),
      ),
    )
    .orderBy(asc(clients.credentialId))
    .limit(page.size + 1);
}

export async function personalByCredential(
  db: Db,
  tenantId: string,
  credentialId: string,
  lock = false,
): Promise<ClientRow | undefined> {
  const q = db.select().from(clients).where(named(tenantId, credentialId));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

export async function updatePersonal(
  db: Db,
  tenantId: string,
  credentialId: string,
  set: Partial<NewClientRow>,
): Promise<ClientRow | undefined> {
  const [row] = await db
    .update(clients)
    .set({ ...set, updatedAt: new Date() })
    .where(named(tenantId, credentialId))
    .returning();
  return row;
}

export async function revokePersonal(db: Db, tenantId: string, credentialId: string): Promise<ClientRow | undefined> {
  const now = new Date();
  const [row] = await db.update(clients).set({ revokedAt: now, updatedAt: now }).where(named(tenantId, credentialId)).returning();
  return row;
}

/** Records a use unless one was recorded in the last minute (by any server): one statement, often none. */
export async function touchLastUsed(db: Db, tenantId: string, clientId: string): Promise<void> {
  await db
    .update(clients)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(clients.tenantId, tenantId),
        eq(clients.id, clientId),
        sql`(${clients.lastUsedAt} is null or ${clients.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}

/** Every client of the tenant, oldest first, with a personal client's user's email. */
export function listWithUsers(db: Db, tenantId: string): Promise<{ client: ClientRow; email: string | null }[]> {
  return db
    .select({ client: clients, email: users.email })
    .from(clients)
    .leftJoin(users, and(eq(users.tenantId, clients.tenantId), eq(users.id, clients.userId)))
    .where(eq(clients.tenantId, tenantId))
    .orderBy(asc(clients.createdAt));
}

export async function insertClient(db: Db, row: NewClientRow): Promise<ClientRow> {
  const [out] = await db.insert(clients).values(row).returning();
  return out;
}

export async function revokeClient(db: Db, tenantId: string, clientId: string): Promise<ClientRow | undefined> {
  const [row] = await db
    .update(clients)
    .set({ revokedAt: new Date() })
    .where(and(eq(clients.tenantId, tenantId), eq(clients.id, clientId), isNull(clients.revokedAt)))
    .returning();
  return row;
}

/**
 * The client and its user's roles, if it may get tokens now: not revoked, not expired, and a
 * service client or one whose user is enabled. The token endpoint and bearer checks both read this.
 */
export async function usableClient(
  db: Db,
  clientId: string,
): Promise<{ client: ClientRow; userRoles: string[] | null } | undefined> {
  const [row] = await db
    .select({ client: clients, userRoles: users.roleIds })
    .from(clients)
    .leftJoin(users, and(eq(users.tenantId, clients.tenantId), eq(users.id, clients.userId)))
    .where(
      and(
        eq(clients.id, clientId),
        isNull(clients.revokedAt),
        sql`(${clients.expiresAt} is null or ${clients.expiresAt} > now())`,
        sql`(${clients.userId} is null or ${users.status} = 'ENABLED')`,
      ),
    );
  return row;
}

/** The user of a live client named by its credential id (C1's PersonalClient.id). */
export async function userOfCredential(db: Db, tenantId: string, credentialId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ userId: clients.userId })
    .from(clients)
    .where(and(eq(clients.tenantId, tenantId), eq(clients.credentialId, credentialId), isNull(clients.revokedAt)));
  return row?.userId ?? undefined;
}

/** Revokes every live credential of a connector; answers them. */
export function revokeConnectorCredentials(db: Db, tenantId: string, connectorId: string): Promise<ClientRow[]> {
  const now = new Date();
  return db
    .update(clients)
    .set({ revokedAt: now, updatedAt: now })
    .where(and(eq(clients.tenantId, tenantId), eq(clients.connectorId, connectorId), isNull(clients.revokedAt)))
    .returning();
}

/** A connector's credential by credential id, live or revoked. */
export async function connectorCredential(
  db: Db,
  tenantId: string,
  connectorId: string,
  credentialId: string,
): Promise<ClientRow | undefined> {
  const [row] = await db
    .select()
    .from(clients)
    .where(and(eq(clients.tenantId, tenantId), eq(clients.connectorId, connectorId), eq(clients.credentialId, credentialId)));
  return row;
}

export async function revokeConnectorCredential(
  db: Db,
  tenantId: string,
  connectorId: string,
  credentialId: string,
): Promise<ClientRow | undefined> {
  const now = new Date();
  const [row] = await db
    .update(clients)
    .set({ revokedAt: now, updatedAt: now })
    .where(
      and(
        eq(clients.tenantId, tenantId),
        eq(clients.connectorId, connectorId),
        eq(clients.credentialId, credentialId),
        isNull(clients.revokedAt),
      ),
    )
    .returning();
  return row;
}
